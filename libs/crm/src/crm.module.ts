import { Module } from '@nestjs/common';
import { LeadsModule } from './leads/leads.module';

/** The tenant domain: what tenants pay for. */
@Module({ imports: [LeadsModule] })
export class CrmModule {}
