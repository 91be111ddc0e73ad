import { DbServer, Tenant } from '@app/catalog';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ValidationException } from '@app/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { FleetErrors } from './fleet.exception';

/** Chooses the database server of a new tenant: the named one, else the least-loaded general server. */
@Injectable()
export class Placement {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async choose(em: EntityManager, requested?: string): Promise<DbServer> {
    const servers = await em.find(DbServer, { active: true });
    if (requested) {
      const server = servers.find((s) => s.name === requested);
      if (!server) {
        const errors = [{ field: 'dbServer', message: 'must name a server of tenants.config.json' }];
        throw new ValidationException(errors, `There is no database server named "${requested}".`);
      }
      return server;
    }
    const load = await em.getRepository(Tenant).countByServer();
    const general = servers.filter((s) =>
      s.tags.some((tag) => this.config.tenants.placement.generalTags.includes(tag)),
    );
    const open = general
      .map((server) => ({ server, used: load.get(server.name) ?? 0 }))
      .filter(({ server, used }) => used < server.capacity)
      .sort(
        (a, b) => a.used / a.server.capacity - b.used / b.server.capacity || a.server.name.localeCompare(b.server.name),
      );
    if (!open.length) throw FleetErrors.noCapacity();
    return open[0].server;
  }
}
