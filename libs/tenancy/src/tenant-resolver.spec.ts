// @app/config decorates with class-transformer, which needs the Reflect metadata API the entry points load first.
import 'reflect-metadata';
import type { TenantStatus } from '@app/catalog';
import { AppException } from '@app/common';
import type { AppConfig } from '@app/config';
import type { ResolvedTenant } from './resolved-tenant';
import type { TenantDirectory } from './tenant-directory.service';
import type { TenantSchema } from './tenant-schema';
import { assertServable, requestedSlug, TenantResolver } from './tenant-resolver';

const BASE = 'tessera.test';

function tenant(slug: string, status: TenantStatus = 'active'): ResolvedTenant {
  return {
    id: `id-${slug}`,
    slug,
    name: slug.toUpperCase(),
    status,
    dbServer: 'main',
    dbName: `tenant_${slug.replace(/-/g, '_')}`,
    dbRole: `tenant_${slug.replace(/-/g, '_')}`,
    dbPasswordEnc: 'v1:iv:tag:body',
    schemaVersion: 'Migration2',
    writesFrozen: false,
    plan: 'standard',
  };
}

/** Runs `fn` and returns what it threw (sync or async), failing the test when it does not throw. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception, none was thrown');
}

async function expectAppException(fn: () => unknown, status: number, code: string): Promise<AppException> {
  const error = await thrown(fn);
  expect(error).toBeInstanceOf(AppException);
  const app = error as AppException;
  expect({ status: app.status, code: app.code }).toEqual({ status, code });
  return app;
}

describe('requestedSlug', () => {
  it('reads the X-Tenant-ID header', () => {
    expect(requestedSlug({ header: 'acme' }, BASE)).toBe('acme');
  });

  it('prefers the header over the host', () => {
    expect(requestedSlug({ header: 'acme', host: 'globex.tessera.test' }, BASE)).toBe('acme');
  });

  it('takes the first value of a repeated header', () => {
    expect(requestedSlug({ header: ['acme', 'globex'] }, BASE)).toBe('acme');
  });

  it('trims the header', () => {
    expect(requestedSlug({ header: '  acme-corp \t' }, BASE)).toBe('acme-corp');
  });

  it.each(['Acme', 'ab', '-acme', "x'; drop", '', 'acme.tessera.test'])(
    'rejects the malformed header %p with a 400 invalid-tenant',
    async (header) => {
      const error = await expectAppException(
        () => requestedSlug({ header, host: 'acme.tessera.test' }, BASE),
        400,
        'invalid-tenant',
      );
      expect(error.errors?.[0]?.field).toBe('X-Tenant-ID');
    },
  );

  it('rejects a malformed first value of a repeated header', async () => {
    await expectAppException(() => requestedSlug({ header: ['BAD', 'acme'] }, BASE), 400, 'invalid-tenant');
  });

  it('reads the sub-domain of the base domain, ignoring the port', () => {
    expect(requestedSlug({ host: 'acme.tessera.test:3000' }, BASE)).toBe('acme');
    expect(requestedSlug({ host: 'acme-corp.tessera.test' }, BASE)).toBe('acme-corp');
  });

  it('lower-cases the host', () => {
    expect(requestedSlug({ host: 'ACME.Tessera.Test' }, BASE)).toBe('acme');
  });

  it.each(['tessera.test', 'tessera.test:3000', 'acme.example.com', 'acmetessera.test', 'localhost:3000', ''])(
    'names no tenant for the host %p',
    (host) => {
      expect(requestedSlug({ host }, BASE)).toBeUndefined();
    },
  );

  it('names no tenant without header or host', () => {
    expect(requestedSlug({}, BASE)).toBeUndefined();
  });

  it.each(['a.b.tessera.test', 'www.acme.tessera.test:443', 'ab.tessera.test', 'acme_x.tessera.test'])(
    'rejects the malformed sub-domain %p with a 400',
    async (host) => {
      await expectAppException(() => requestedSlug({ host }, BASE), 400, 'invalid-tenant');
    },
  );
});

describe('schema version', () => {
  it('refuses an active tenant whose database is behind the code (503 tenant-migrating)', () => {
    for (const behind of [null, 'Migration1']) {
      const error = (() => {
        try {
          assertServable({ ...tenant('acme'), schemaVersion: behind }, 'Migration2');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toMatchObject({ status: 503, code: 'tenant-migrating' });
    }
    expect(() => assertServable(tenant('acme'), 'Migration2')).not.toThrow();
    expect(() => assertServable({ ...tenant('acme'), schemaVersion: 'Migration3' }, 'Migration2')).not.toThrow();
  });
});

describe('TenantResolver.resolve', () => {
  let find: jest.Mock<Promise<ResolvedTenant | null>, [string]>;
  let peek: jest.Mock<ResolvedTenant | null | undefined, [string]>;
  let resolver: TenantResolver;

  beforeEach(() => {
    find = jest.fn<Promise<ResolvedTenant | null>, [string]>((slug) => Promise.resolve(tenant(slug)));
    peek = jest.fn<ResolvedTenant | null | undefined, [string]>(() => undefined);
    const directory = { find, peek } as unknown as TenantDirectory;
    const config = { baseDomain: BASE } as unknown as AppConfig;
    const schema = { migrations: [{ name: 'Migration1' }, { name: 'Migration2' }] } as unknown as TenantSchema;
    resolver = new TenantResolver(directory, config, schema);
  });

  it('looks up the token tenant when the request names none', async () => {
    await expect(resolver.resolve({ tokenTenant: 'acme' })).resolves.toEqual(tenant('acme'));
    expect(find).toHaveBeenCalledTimes(1);
    expect(find).toHaveBeenCalledWith('acme');
  });

  it('accepts a header equal to the token tenant', async () => {
    await expect(resolver.resolve({ header: 'acme', tokenTenant: 'acme' })).resolves.toMatchObject({ slug: 'acme' });
    expect(find).toHaveBeenCalledWith('acme');
  });

  it('accepts a sub-domain equal to the token tenant', async () => {
    await expect(resolver.resolve({ host: 'acme.tessera.test', tokenTenant: 'acme' })).resolves.toMatchObject({
      slug: 'acme',
    });
  });

  it('rejects a header naming another tenant than the token with 403 tenant-mismatch, without a lookup', async () => {
    await expectAppException(() => resolver.resolve({ header: 'globex', tokenTenant: 'acme' }), 403, 'tenant-mismatch');
    expect(find).not.toHaveBeenCalled();
  });

  it('rejects a sub-domain naming another tenant than the token with 403, without a lookup', async () => {
    await expectAppException(
      () => resolver.resolve({ host: 'globex.tessera.test', tokenTenant: 'acme' }),
      403,
      'tenant-mismatch',
    );
    expect(find).not.toHaveBeenCalled();
  });

  it('rejects a malformed token tenant with 403, without a lookup', async () => {
    await expectAppException(() => resolver.resolve({ tokenTenant: 'NOT A SLUG' }), 403, 'tenant-mismatch');
    expect(find).not.toHaveBeenCalled();
  });

  it('rejects a malformed header with 400 before any lookup', async () => {
    await expectAppException(() => resolver.resolve({ header: 'Bad!' }), 400, 'invalid-tenant');
    expect(find).not.toHaveBeenCalled();
  });

  it('returns undefined, without a lookup, when nothing names a tenant', async () => {
    await expect(resolver.resolve({})).resolves.toBeUndefined();
    await expect(resolver.resolve({ host: 'tessera.test' })).resolves.toBeUndefined();
    expect(find).not.toHaveBeenCalled();
  });

  it('answers 404 tenant-not-found for an unknown tenant', async () => {
    find.mockResolvedValueOnce(null);
    await expectAppException(() => resolver.resolve({ header: 'ghost' }), 404, 'tenant-not-found');
    expect(find).toHaveBeenCalledWith('ghost');
  });

  it.each<[TenantStatus, number, string]>([
    ['suspended', 403, 'tenant-suspended'],
    ['provisioning', 409, 'tenant-provisioning'],
    ['failed', 409, 'tenant-failed'],
  ])('refuses a %s tenant with %i %s', async (status, httpStatus, code) => {
    find.mockResolvedValueOnce(tenant('acme', status));
    await expectAppException(() => resolver.resolve({ header: 'acme' }), httpStatus, code);
  });

  it('returns an active tenant as the directory gave it', async () => {
    const acme = tenant('acme', 'active');
    find.mockResolvedValueOnce(acme);
    await expect(resolver.resolve({ host: 'acme.tessera.test:8443' })).resolves.toBe(acme);
  });

  it('answers a tenant the directory holds in memory without looking it up, checks included', async () => {
    const acme = tenant('acme', 'active');
    peek.mockImplementation((slug) =>
      slug === 'acme' ? acme : slug === 'globex' ? tenant('globex', 'suspended') : null,
    );
    await expect(resolver.resolve({ tokenTenant: 'acme' })).resolves.toBe(acme);
    expect(resolver.resolveNow({ tokenTenant: 'acme' })).toBe(acme);
    expect(() => resolver.resolveNow({ header: 'globex' })).toThrow(expect.objectContaining({ status: 403 }) as Error);
    await expectAppException(() => resolver.resolve({ header: 'globex' }), 403, 'tenant-suspended');
    await expectAppException(() => resolver.resolve({ header: 'ghost' }), 404, 'tenant-not-found');
    expect(find).not.toHaveBeenCalled();
  });

  it('lets a directory failure through unchanged', async () => {
    const failure = new AppException({ status: 503, code: 'catalog-unavailable', detail: 'down' });
    find.mockRejectedValueOnce(failure);
    await expect(resolver.resolve({ header: 'acme' })).rejects.toBe(failure);
  });
});

describe('assertServable', () => {
  it('accepts an active tenant', () => {
    expect(() => assertServable(tenant('acme', 'active'))).not.toThrow();
  });

  it.each<[TenantStatus, number, string]>([
    ['suspended', 403, 'tenant-suspended'],
    ['provisioning', 409, 'tenant-provisioning'],
    ['failed', 409, 'tenant-failed'],
    ['offboarded', 404, 'tenant-not-found'],
  ])('refuses a %s tenant with %i %s', async (status, httpStatus, code) => {
    await expectAppException(() => assertServable(tenant('acme', status)), httpStatus, code);
  });

  it('asks the client to retry a provisioning tenant shortly', async () => {
    const error = await expectAppException(
      () => assertServable(tenant('acme', 'provisioning')),
      409,
      'tenant-provisioning',
    );
    expect(error.headers).toEqual({ 'Retry-After': '1' });
  });

  it('treats an unexpected status as an unknown tenant', async () => {
    const odd = { ...tenant('acme'), status: 'archived' as unknown as TenantStatus };
    await expectAppException(() => assertServable(odd), 404, 'tenant-not-found');
  });
});
