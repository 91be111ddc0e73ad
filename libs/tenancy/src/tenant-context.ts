import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ResolvedTenant } from './resolved-tenant';
import { TenancyErrors } from './tenancy.exception';

interface TenantStore {
  tenant: ResolvedTenant;
  orm: MikroORM;
  em?: EntityManager;
}

/**
 * The request's tenant, carried by AsyncLocalStorage. A singleton: its value is per request
 * (or per job), never a request-scoped provider. Outside a tenant context it throws.
 */
@Injectable()
export class TenantContext {
  private readonly storage = new AsyncLocalStorage<TenantStore>();

  run<T>(tenant: ResolvedTenant, orm: MikroORM, fn: () => T): T {
    return this.storage.run({ tenant, orm }, fn);
  }

  get active(): boolean {
    return this.storage.getStore() !== undefined;
  }

  get tenant(): ResolvedTenant {
    return this.store().tenant;
  }

  /** The tenant's EntityManager for this request: a fork of its ORM, made on first use. */
  get em(): EntityManager {
    const store = this.store();
    store.em ??= store.orm.em.fork({ clear: true, useContext: false });
    return store.em;
  }

  /**
   * The tenant ORM's own EntityManager, not forked: a fork per request costs more than a short
   * read (MikroORM rewrites its configuration for each). Only for statements on its connection
   * pool (`getConnection()`); entity work on it is refused (no global context), so the request's
   * identity map stays `em`'s.
   */
  get rootEm(): EntityManager {
    return this.store().orm.em;
  }

  private store(): TenantStore {
    const store = this.storage.getStore();
    if (!store) throw TenancyErrors.noContext();
    return store;
  }
}
