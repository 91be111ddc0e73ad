import {
  normalizeEmail,
  NotFoundException,
  Page,
  pageOf,
  pageWindow,
  parseSort,
  postgresTimestamp,
  type Precondition,
} from '@app/common';
import { TenantContext } from '@app/tenancy';
import { FilterQuery, raw, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { LiveSessions } from '../live-sessions';
import { PasswordHasher } from '../password-hasher';
import { RefreshTokens } from '../refresh-tokens';
import { type EndedSessions, SupportSessionsService } from '../support-access/support-sessions.service';
import { User } from '../user.entity';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserView, UserView } from './user.view';
import { UsersErrors } from './users.exception';

/**
 * The people of a tenant. A change of role, password or activity ends their current sessions at
 * once; deactivating a user also ends the support sessions acting as them.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly hasher: PasswordHasher,
    private readonly sessions: LiveSessions,
    private readonly refreshTokens: RefreshTokens,
    private readonly support: SupportSessionsService,
  ) {}

  async list(query: ListUsersQuery): Promise<Page<UserView>> {
    const sort = parseSort(query.sort, { field: 'createdAt', direction: 'asc' });
    const where: FilterQuery<User> = {};
    if (query.role) where.role = query.role;
    if (query.active !== undefined) where.active = query.active;
    // The ORM inlines a Date as toISOString(): year 0000 for an instant in 1 BC, which PostgreSQL refuses.
    if (query.updatedSince) where.updatedAt = { $gte: raw('?', [postgresTimestamp(new Date(query.updatedSince))]) };
    const found = await this.tenancy.em.findAndCount(User, where, {
      orderBy: [{ [sort.field]: sort.direction }, { id: 'asc' }],
      ...pageWindow(query),
    });
    return pageOf(query, found, toUserView);
  }

  async get(id: string): Promise<UserView> {
    return toUserView(await this.find(id));
  }

  async create(dto: CreateUserDto): Promise<UserView> {
    const user = this.tenancy.em.create(User, {
      email: normalizeEmail(dto.email),
      name: dto.name,
      role: dto.role,
      passwordHash: await this.hasher.hash(dto.password),
    });
    await this.flushUnique();
    return toUserView(user);
  }

  async update(id: string, dto: UpdateUserDto, precondition?: Precondition): Promise<UserView> {
    const passwordHash = dto.password === undefined ? undefined : await this.hasher.hash(dto.password);
    const removesAdmin = (dto.role !== undefined && dto.role !== 'company_admin') || dto.active === false;
    const { user, endsSessions } = await this.change(id, removesAdmin, precondition, (user) => {
      const endsSessions =
        (dto.role !== undefined && dto.role !== user.role) ||
        (dto.active !== undefined && dto.active !== user.active) ||
        passwordHash !== undefined;
      if (dto.email !== undefined) user.email = normalizeEmail(dto.email);
      if (dto.name !== undefined) user.name = dto.name;
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.active !== undefined) user.active = dto.active;
      if (passwordHash !== undefined) user.passwordHash = passwordHash;
      if (endsSessions) user.tokenVersion++;
      return endsSessions;
    });
    if (endsSessions) await this.endSessions(user);
    return toUserView(user);
  }

  async deactivate(id: string, precondition?: Precondition): Promise<void> {
    const { user, endsSessions } = await this.change(id, true, precondition, (user) => {
      if (!user.active) return false;
      user.active = false;
      user.tokenVersion++;
      return true;
    });
    if (endsSessions) await this.endSessions(user);
  }

  private async find(id: string): Promise<User> {
    const user = await this.tenancy.em.findOne(User, { id });
    if (!user) throw new NotFoundException('No such user.');
    return user;
  }

  /**
   * Applies a change to one user in its own transaction, audit entry included, under the user's
   * row lock (`FOR UPDATE`); `If-Match` is checked against that row, so of writers holding the
   * same ETag the first wins and the rest get 412. A change that may take away a company admin
   * locks every active admin row with it: two admins demoting or deactivating each other at once
   * run one after the other, and the second sees the first's commit, so the tenant never loses
   * its last active company admin.
   */
  private async change(
    id: string,
    removesAdmin: boolean,
    precondition: Precondition | undefined,
    apply: (user: User) => boolean,
  ): Promise<{ user: User; endsSessions: boolean }> {
    let support: EndedSessions | undefined;
    try {
      const changed = await this.tenancy.em.transactional(
        async (em) => {
          const locked = await em.getRepository(User).lockForChange(id, removesAdmin);
          const admins = locked.filter((other) => other.role === 'company_admin' && other.active);
          const user = locked.find((other) => other.id === id);
          if (!user) throw new NotFoundException('No such user.');
          precondition?.assertMatches(toUserView(user));
          const wasAdmin = user.role === 'company_admin' && user.active;
          const wasActive = user.active;
          const endsSessions = apply(user);
          const isAdmin = user.role === 'company_admin' && user.active;
          if (wasAdmin && !isAdmin && admins.filter((a) => a.id !== user.id).length === 0) {
            throw UsersErrors.lastCompanyAdmin();
          }
          await em.flush();
          // Sessions end in the change's own transaction: a committed role, password or activity change never leaves a live refresh token.
          if (endsSessions) await this.refreshTokens.revokeSubject(em, 'refresh_tokens', user.id);
          if (wasActive && !user.active)
            support = await this.support.endLive(em, 'user-deactivated', { id: null, role: 'system' }, user.id);
          return { user, endsSessions };
        },
        { clear: true },
      );
      if (support) await this.support.ended(support);
      return changed;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw UsersErrors.emailTaken();
      throw error;
    }
  }

  /** After the commit: every instance stops accepting the user's access tokens at once. */
  private async endSessions(user: User): Promise<void> {
    await this.sessions.userChanged(this.tenancy.tenant.id, user);
  }

  private async flushUnique(): Promise<void> {
    try {
      await this.tenancy.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw UsersErrors.emailTaken();
      throw error;
    }
  }
}
