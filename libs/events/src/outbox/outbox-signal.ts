import { Logger } from '@nestjs/common';

/** What a commit that wrote outbox events tells the listeners. */
export interface OutboxCommit {
  /** The tenant database the events were committed to. */
  database: string;
  /** Set when the commit ran inside a TenantContext (requests, tenant jobs); provisioning may not have it. */
  tenant?: { slug: string; id: string };
  /** The highest seq the transaction wrote. */
  lastSeq: number;
}

export type OutboxListener = (commit: OutboxCommit) => void | Promise<void>;

/**
 * Tells this process that a transaction committed outbox events. One per process, like
 * `auditContext`: the tenant ORMs' flush subscriber is built statically (apps/tenant-schema.ts),
 * so it cannot be injected; the events module binds the request's tenant to it and registers the
 * relay's and the stream's listeners. A listener never throws into the committing code.
 */
export class OutboxSignal {
  private readonly logger = new Logger('OutboxSignal');
  private readonly listeners: OutboxListener[] = [];
  /** One per application in the process (tests run several): the one whose context is active answers. */
  private readonly tenantLookups: (() => OutboxCommit['tenant'])[] = [];
  /** Off only when OUTBOX=off, to measure the outbox's cost; never in production. */
  recording = true;

  onCommitted(listener: OutboxListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Where the committing code's tenant comes from (the events module binds TenantContext). */
  useTenant(lookup: () => OutboxCommit['tenant']): void {
    this.tenantLookups.push(lookup);
  }

  private tenantOf(): OutboxCommit['tenant'] {
    for (const lookup of this.tenantLookups) {
      const tenant = lookup();
      if (tenant) return tenant;
    }
    return undefined;
  }

  /** Called by the flush subscriber after COMMIT. */
  committed(database: string, lastSeq: number): void {
    let tenant: OutboxCommit['tenant'];
    try {
      tenant = this.tenantOf();
    } catch {
      tenant = undefined;
    }
    const commit: OutboxCommit = tenant ? { database, tenant, lastSeq } : { database, lastSeq };
    for (const listener of [...this.listeners]) {
      try {
        const done = listener(commit);
        if (done instanceof Promise) done.catch((error: unknown) => this.warn(error));
      } catch (error) {
        this.warn(error);
      }
    }
  }

  private warn(error: unknown): void {
    this.logger.warn(`outbox listener failed: ${error instanceof Error ? error.name : 'error'}`);
  }
}

/** One per process: the tenant ORMs' outbox subscriber signals through it. */
export const outboxSignal = new OutboxSignal();
