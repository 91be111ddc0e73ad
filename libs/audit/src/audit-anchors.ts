import { SecretBox } from '@app/catalog';
import { boundedShutdownStep, describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { TenantContext, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { auditContext } from './audit-context';
import { ChainReport, verifyAuditChain } from './audit-logs.service';

export interface AuditAnchor {
  seq: number;
  hash: string;
  anchoredAt: string;
}

export type AnchorCheck = 'signature' | 'anchored-entry-missing' | 'anchored-entry-changed' | 'truncated';

export interface AuditVerification {
  chain: ChainReport;
  anchors: number;
  ok: boolean;
  /** The first anchor the tenant's trail no longer matches, and which check failed. */
  anchorFailed?: { check: AnchorCheck; anchor: AuditAnchor };
}

interface AnchorRow {
  seq: string;
  hash: string;
  anchored_at: Date | string;
  signature: string;
}

/**
 * Anchors each tenant's audit hash chain outside its database: the chain head (seq, hash) is
 * written to the catalog, signed with HMAC-SHA256 under a key derived from the secrets key,
 * which no tenant database ever sees. Tenants whose trail grew (marked after commit) are
 * anchored every AUDIT_ANCHOR_INTERVAL_MS and once more on graceful shutdown. A superuser who
 * rewrites and re-chains a trail, or deletes its newest entries, no longer matches its anchors.
 */
@Injectable()
export class AuditAnchors implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AuditAnchors');
  private readonly key: Buffer;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly catalog: MikroORM,
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
    private readonly tenancy: TenantContext,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    secrets: SecretBox,
  ) {
    this.key = secrets.deriveKey('audit-anchor');
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.anchorGrown(), this.config.auditAnchorIntervalMs);
    this.timer.unref();
  }

  /** After the HTTP server drained (entries of in-flight requests included), bounded like every shutdown step. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await boundedShutdownStep(
      'anchoring audit trails',
      async () => {
        await this.running;
        await this.anchorGrown();
      },
      5_000,
    );
  }

  /** Anchors every tenant whose trail grew since the last round (one round at a time). */
  anchorGrown(): Promise<void> {
    const round = (this.running ?? Promise.resolve()).then(async () => {
      for (const database of auditContext.takeGrown()) {
        try {
          // A tenant being offboarded (or gone) is not anchored, nor retried.
          const rows: { slug: string }[] = await this.catalog.em
            .getConnection()
            .execute(
              "select slug from tenants where db_name = ? and status in ('provisioning', 'active', 'suspended')",
              [database],
            );
          if (rows[0]) await this.anchor(rows[0].slug);
        } catch (error) {
          auditContext.markGrown(database); // tried again next round
          this.logger.warn(`could not anchor the audit trail of ${database}: ${describeError(error)}`);
        }
      }
    });
    this.running = round;
    return round;
  }

  /** Records the tenant's current chain head in the catalog, signed; null when the trail is empty. */
  async anchor(slug: string): Promise<AuditAnchor | null> {
    const tenant = await this.directory.find(slug);
    if (!tenant) return null;
    const [head] = await this.registry.run(tenant, () =>
      this.tenancy.em
        .getConnection()
        .execute<{ seq: string; hash: string }[]>('select seq, hash from audit_logs order by seq desc limit 1'),
    );
    if (!head) return null;
    // A head behind an existing anchor (a trail cut short) is not anchored: the older anchor must keep failing verify.
    const inserted: { anchored_at: Date | string }[] = await this.catalog.em.getConnection().execute(
      `insert into audit_anchors (tenant_id, seq, hash, signature)
       select ?, ?, ?, ? where not exists (select 1 from audit_anchors where tenant_id = ? and seq >= ?)
       on conflict do nothing returning anchored_at`,
      [tenant.id, head.seq, head.hash, this.sign(tenant.id, head.seq, head.hash), tenant.id, head.seq],
    );
    return {
      seq: Number(head.seq),
      hash: head.hash,
      anchoredAt: new Date(inserted[0]?.anchored_at ?? Date.now()).toISOString(),
    };
  }

  /** The chain walk of the tenant's database, then every anchor of the catalog against it. */
  async verify(slug: string): Promise<AuditVerification | null> {
    const tenant = await this.directory.find(slug);
    if (!tenant) return null;
    const rows: AnchorRow[] = await this.catalog.em
      .getConnection()
      .execute('select seq, hash, anchored_at, signature from audit_anchors where tenant_id = ? order by seq', [
        tenant.id,
      ]);
    return this.registry.run(tenant, async () => {
      const em = this.tenancy.em;
      const chain = await verifyAuditChain(em);
      const connection = em.getConnection();
      const [{ max }]: { max: string | null }[] = await connection.execute('select max(seq) as max from audit_logs');
      const stored: { seq: string; hash: string }[] = rows.length
        ? await connection.execute('select seq, hash from audit_logs where seq = any(?::bigint[])', [
            `{${rows.map((r) => r.seq).join(',')}}`,
          ])
        : [];
      const hashes = new Map(stored.map((s) => [s.seq, s.hash]));
      for (const row of rows) {
        const anchor = { seq: Number(row.seq), hash: row.hash, anchoredAt: new Date(row.anchored_at).toISOString() };
        const fail = (check: AnchorCheck): AuditVerification => ({
          chain,
          anchors: rows.length,
          ok: false,
          anchorFailed: { check, anchor },
        });
        if (!this.signatureMatches(tenant.id, row)) return fail('signature');
        if (max === null || Number(max) < anchor.seq) return fail('truncated');
        const hash = hashes.get(row.seq);
        if (hash === undefined) return fail('anchored-entry-missing');
        if (hash !== row.hash) return fail('anchored-entry-changed');
      }
      return { chain, anchors: rows.length, ok: chain.ok };
    });
  }

  private sign(tenantId: string, seq: string, hash: string): string {
    return createHmac('sha256', this.key).update(`tessera-audit-anchor:v1|${tenantId}|${seq}|${hash}`).digest('hex');
  }

  private signatureMatches(tenantId: string, row: AnchorRow): boolean {
    const wanted = Buffer.from(this.sign(tenantId, row.seq, row.hash), 'hex');
    const given = Buffer.from(row.signature, 'hex');
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }
}
