import { LiveSessions, PasswordHasher, RefreshTokens, User } from '@app/auth';
import { ConflictException, normalizeEmail, NotFoundException, Page, parseSort, ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { FilterQuery, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery, USER_SORT_FIELDS } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserView, UserView } from './user.view';

/** The people of a tenant. A change of role, password or activity ends their current sessions at once. */
@Injectable()
export class UsersService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly hasher: PasswordHasher,
    private readonly sessions: LiveSessions,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  async list(query: ListUsersQuery): Promise<Page<UserView>> {
    const sort = parseSort(query.sort, USER_SORT_FIELDS, { field: 'createdAt', direction: 'asc' });
    if (!sort) throw new ValidationException([{ field: 'sort', message: `sort must be one of ${USER_SORT_FIELDS.join(', ')} (prefix - for descending)` }]);
    const where: FilterQuery<User> = {};
    if (query.role) where.role = query.role;
    if (query.active !== undefined) where.active = query.active;
    const [rows, total] = await this.tenancy.em.findAndCount(User, where, {
      orderBy: [{ [sort.field]: sort.direction }, { id: 'asc' }],
      limit: query.limit,
      offset: (query.page - 1) * query.limit,
    });
    return { data: rows.map(toUserView), meta: { page: query.page, limit: query.limit, total } };
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

  async update(id: string, dto: UpdateUserDto): Promise<UserView> {
    const user = await this.find(id);
    const endsSessions =
      (dto.role !== undefined && dto.role !== user.role) || (dto.active !== undefined && dto.active !== user.active) || dto.password !== undefined;
    if ((dto.role !== undefined && dto.role !== 'company_admin') || dto.active === false) await this.keepOneAdmin(user);
    if (dto.email !== undefined) user.email = normalizeEmail(dto.email);
    if (dto.name !== undefined) user.name = dto.name;
    if (dto.role !== undefined) user.role = dto.role;
    if (dto.active !== undefined) user.active = dto.active;
    if (dto.password !== undefined) user.passwordHash = await this.hasher.hash(dto.password);
    if (endsSessions) user.tokenVersion++;
    await this.flushUnique();
    if (endsSessions) await this.endSessions(user);
    return toUserView(user);
  }

  async deactivate(id: string): Promise<void> {
    const user = await this.find(id);
    if (!user.active) return;
    await this.keepOneAdmin(user);
    user.active = false;
    user.tokenVersion++;
    await this.tenancy.em.flush();
    await this.endSessions(user);
  }

  private async find(id: string): Promise<User> {
    const user = await this.tenancy.em.findOne(User, { id });
    if (!user) throw new NotFoundException('No such user.');
    return user;
  }

  /** A tenant never loses its last active company admin (nobody could manage it any more). */
  private async keepOneAdmin(user: User): Promise<void> {
    if (user.role !== 'company_admin' || !user.active) return;
    const admins = await this.tenancy.em.count(User, { role: 'company_admin', active: true });
    if (admins <= 1) throw new ConflictException('This is the last active company admin of the tenant.', 'last-company-admin');
  }

  private async endSessions(user: User): Promise<void> {
    await this.sessions.userChanged(this.tenancy.tenant.id, user);
    await this.refreshTokens.revokeSubject(this.tenancy.em, 'refresh_tokens', user.id);
  }

  private async flushUnique(): Promise<void> {
    try {
      await this.tenancy.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictException('A user with this email already exists in this tenant.', 'user-exists');
      throw error;
    }
  }
}
