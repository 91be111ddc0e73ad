import {
  IdProperty,
  NotFoundException,
  Page,
  pageOf,
  pageWindow,
  parseSort,
  TimeProperty,
  ValidationException,
} from '@app/common';
import { isTenantSlug, ResolvedTenant, TenantCache, TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import { AuthErrors } from '../auth.exception';
import { LiveSessions } from '../live-sessions';
import { hashToken } from '../refresh-tokens';
import type { Principal } from '../roles';
import { API_SCOPES, ApiKey, type ApiScope } from './api-key.entity';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ListApiKeysQuery } from './dto/list-api-keys.query';

const SCOPES = { enum: API_SCOPES, enumName: 'ApiScope', isArray: true } as const;

/** An API key as listed: never the key itself. */
export class ApiKeyView {
  @IdProperty()
  id: string;

  @ApiProperty({ example: 'nightly sync' })
  name: string;

  @ApiProperty(SCOPES)
  scopes: ApiScope[];

  @ApiProperty({ description: 'the start of the key, to recognise it', example: 'tsk.acme.3f9a' })
  keyPrefix: string;

  @IdProperty({ description: 'the company admin who created it' })
  createdBy: string;

  @TimeProperty({ nullable: true })
  expiresAt: string | null;

  @TimeProperty({ nullable: true })
  revokedAt: string | null;

  @TimeProperty({ nullable: true })
  lastUsedAt: string | null;

  @TimeProperty()
  createdAt: string;
}

/** A new API key: the only answer that shows `key`. */
export class CreatedApiKey {
  @IdProperty()
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty(SCOPES)
  scopes: ApiScope[];

  @ApiProperty({ description: 'send as `X-API-Key`; shown once, stored only as a hash' })
  key: string;

  @TimeProperty({ nullable: true })
  expiresAt: string | null;
}

interface CachedKey {
  id: string;
  scopes: ApiScope[];
  createdBy: string;
  expiresAt: number | null;
  revoked: boolean;
}

const KEY_FORMAT = /^tsk\.([a-z][a-z0-9-]{1,38}[a-z0-9])\.[A-Za-z0-9_-]{43}$/;
const CACHE_TTL_MS = 60_000;
const TOUCH_EVERY_MS = 60_000;

/** The tenant a key names (keys are `tsk.<slug>.<secret>`), so a key is only ever tried on its own tenant. */
export function apiKeyTenant(raw: string): string | undefined {
  const slug = KEY_FORMAT.exec(raw)?.[1];
  return slug && isTenantSlug(slug) ? slug : undefined;
}

function toView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    keyPrefix: key.keyPrefix,
    createdBy: key.createdBy,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
  };
}

/** API keys of REST consumers: hashed at rest, shown once, scoped, tenant-bound, revocable, expiring. */
@Injectable()
export class ApiKeysService {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly tenancy: TenantContext,
    private readonly registry: TenantOrmRegistry,
    private readonly sessions: LiveSessions,
    private readonly cache: TenantCache,
  ) {}

  /** The tenant's keys, newest first unless `sort` says otherwise (revoked and expired ones included). */
  async list(query: ListApiKeysQuery): Promise<Page<ApiKeyView>> {
    const sort = parseSort(query.sort, { field: 'createdAt', direction: 'desc' });
    const found = await this.tenancy.em.findAndCount(
      ApiKey,
      {},
      { orderBy: [{ [sort.field]: sort.direction }, { id: 'asc' }], ...pageWindow(query) },
    );
    return pageOf(query, found, toView);
  }

  async create(principal: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new ValidationException([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const key = `tsk.${this.tenancy.tenant.slug}.${randomBytes(32).toString('base64url')}`;
    const row = this.tenancy.em.create(ApiKey, {
      name: dto.name,
      scopes: dto.scopes,
      keyHash: hashToken(key),
      keyPrefix: key.slice(0, key.lastIndexOf('.') + 7),
      createdBy: principal.sub,
      expiresAt,
    });
    await this.tenancy.em.flush();
    return { id: row.id, name: row.name, scopes: row.scopes, key, expiresAt: expiresAt?.toISOString() ?? null };
  }

  async revoke(id: string): Promise<void> {
    const row = await this.tenancy.em.findOne(ApiKey, { id });
    if (!row) throw new NotFoundException('No such API key.');
    row.revokedAt ??= new Date();
    await this.tenancy.em.flush();
    await this.cache.del(this.tenancy.tenant.id, `key:${row.keyHash}`);
  }

  /** The principal of a request made with this key on this tenant; 401 for an unknown, expired or revoked key. */
  async authenticate(tenant: ResolvedTenant, raw: string): Promise<Principal> {
    if (apiKeyTenant(raw) !== tenant.slug) throw AuthErrors.badApiKey();
    const hash = hashToken(raw);
    const cacheKey = `key:${hash}`;
    let key = await this.cache.get<CachedKey>(tenant.id, cacheKey);
    if (!key) {
      const row = await this.registry.run(tenant, () => this.tenancy.em.findOne(ApiKey, { keyHash: hash }));
      if (!row) throw AuthErrors.badApiKey();
      key = {
        id: row.id,
        scopes: row.scopes,
        createdBy: row.createdBy,
        expiresAt: row.expiresAt?.getTime() ?? null,
        revoked: !!row.revokedAt,
      };
      await this.cache.set(tenant.id, cacheKey, key, CACHE_TTL_MS);
    }
    if (key.revoked || (key.expiresAt !== null && key.expiresAt <= Date.now())) throw AuthErrors.badApiKey();
    // A key acts with its scopes and no more than its creator's current role: demoting the
    // creator clamps the key at once (routes and record-level rules follow that role), and a
    // deactivated creator's keys stop.
    const role = await this.sessions.currentRole(tenant, key.createdBy);
    if (!role) throw AuthErrors.badApiKey();
    this.touch(tenant, key.id);
    return {
      sub: key.createdBy,
      role,
      tid: tenant.slug,
      scope: 'tenant',
      jti: key.id,
      apiKey: { id: key.id, scopes: key.scopes },
    };
  }

  /** Records last use, at most once a minute per key, off the request path. */
  private touch(tenant: ResolvedTenant, id: string): void {
    const now = Date.now();
    if ((this.touched.get(id) ?? 0) > now - TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    void this.registry
      .run(tenant, () => this.tenancy.em.nativeUpdate(ApiKey, { id }, { lastUsedAt: new Date(now) }))
      .catch(() => this.touched.delete(id));
  }
}
