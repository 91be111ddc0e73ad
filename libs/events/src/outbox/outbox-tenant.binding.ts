import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { outboxSignal } from './outbox-signal';

/** Lets the process-wide outboxSignal name the committing request's (or job's) tenant. */
@Injectable()
export class OutboxTenantBinding {
  constructor(tenancy: TenantContext) {
    outboxSignal.useTenant(() => (tenancy.active ? { slug: tenancy.tenant.slug, id: tenancy.tenant.id } : undefined));
  }
}
