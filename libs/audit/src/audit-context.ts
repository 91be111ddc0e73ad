import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is acting, for the audit entries a request (or job) writes. */
export interface AuditDraft {
  tenant: string;
  actorId: string | null;
  actorRole: string | null;
  /** In a support session: the platform user acting for the actor. */
  impersonatorId?: string | null;
  action: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Set once the request's changes were audited inside their transaction. */
  written: boolean;
  /** The request's Idempotency-Key, until a transaction of the request committed it (idempotency_commits). */
  idempotency?: { key: string; fingerprint: string };
}

/** Carries the audit draft of the current request across awaits, down to the flush subscriber. */
export class AuditContext {
  private readonly storage = new AsyncLocalStorage<AuditDraft>();
  /** Off only when AUDIT_TRAIL=off, to measure the trail's cost; never in production. */
  enabled = true;

  /** Tenant databases (by name) whose audit trail grew since their chain head was last anchored. */
  private readonly grown = new Set<string>();

  /** Called after a commit that wrote audit entries. */
  markGrown(database: string): void {
    this.grown.add(database);
  }

  /** The databases marked since the last call, and forgets them. */
  takeGrown(): string[] {
    const databases = [...this.grown];
    this.grown.clear();
    return databases;
  }

  run<T>(draft: AuditDraft, fn: () => T): T {
    return this.storage.run(draft, fn);
  }

  current(): AuditDraft | undefined {
    return this.storage.getStore();
  }
}

/** One per process: the tenant ORMs' subscriber and the HTTP interceptor share it. */
export const auditContext = new AuditContext();
