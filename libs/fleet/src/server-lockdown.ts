import { describeError } from '@app/common';
import { templateDbName } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';
import { DatabaseServers } from './database-servers';

/**
 * At start-up, on every configured server: the shared databases (and the tenant template) closed
 * to PUBLIC, and the tenant roles given their settings (request timeouts, quiet logs) — servers
 * whose tenants were all onboarded by an older release get both too. Tenant pools rely on the
 * role's statement_timeout: they send none (PgBouncer would refuse it as a startup parameter).
 */
@Injectable()
export class ServerLockdown {
  constructor(
    private readonly servers: DatabaseServers,
    private readonly admin: DatabaseAdmin,
  ) {}

  /** Returns one line per server it could not reach or fix. */
  async secureAll(prefix: string): Promise<string[]> {
    const problems: string[] = [];
    for (const server of this.servers.names()) {
      try {
        await this.admin.restrictSharedDatabases(server, [templateDbName(prefix)]);
        if (!(await this.admin.configureTenantRoles(server, prefix))) {
          problems.push(
            `${server}: the admin is not a superuser; set log_min_error_statement=panic and log_error_verbosity=terse for tenant roles`,
          );
        }
      } catch (error) {
        problems.push(`${server}: ${describeError(error)}`);
      }
    }
    return problems;
  }
}
