import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: the chain fields of an audit entry are the database's alone. The insert
 * trigger now stamps `at` itself (the clock when the entry joins the chain, under the chain
 * lock, so `at` follows `seq`), whatever the insert supplied; with `seq`, `prev_hash` and
 * `hash` that makes a forged, back-dated entry impossible. The runtime role is moreover only
 * granted INSERT on the other columns (DatabaseAdmin.grantRuntimePrivileges, AUDIT_CHAIN_COLUMNS),
 * so an insert that names a chain field is refused outright.
 */
export class Migration20261201000200 extends Migration {
  override up(): void {
    this.addSql(`create or replace function audit_logs_chain() returns trigger language plpgsql as $$
      declare previous text;
      begin
        perform pg_advisory_xact_lock(7312005);
        new.seq := nextval('audit_logs_seq');
        new.at := clock_timestamp();
        select hash into previous from audit_logs order by seq desc limit 1;
        new.prev_hash := coalesce(previous, 'genesis');
        new.hash := encode(sha256(convert_to(audit_logs_canonical(new), 'UTF8')), 'hex');
        return new;
      end
    $$;`);
  }

  override down(): void {
    this.addSql(`create or replace function audit_logs_chain() returns trigger language plpgsql as $$
      declare previous text;
      begin
        perform pg_advisory_xact_lock(7312005);
        new.seq := nextval('audit_logs_seq');
        select hash into previous from audit_logs order by seq desc limit 1;
        new.prev_hash := coalesce(previous, 'genesis');
        new.hash := encode(sha256(convert_to(audit_logs_canonical(new), 'UTF8')), 'hex');
        return new;
      end
    $$;`);
  }
}
