import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is acting, for the audit entries a request (or job) writes. */
export interface AuditDraft {
  tenant: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Set once the request's changes were audited inside their transaction. */
  written: boolean;
}

/** Carries the audit draft of the current request across awaits, down to the flush subscriber. */
export class AuditContext {
  private readonly storage = new AsyncLocalStorage<AuditDraft>();
  /** Off only when AUDIT_TRAIL=off, to measure the trail's cost; never in production. */
  enabled = true;

  run<T>(draft: AuditDraft, fn: () => T): T {
    return this.storage.run(draft, fn);
  }

  current(): AuditDraft | undefined {
    return this.storage.getStore();
  }
}

/** One per process: the tenant ORMs' subscriber and the HTTP interceptor share it. */
export const auditContext = new AuditContext();
