import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { AuthErrors } from './auth.exception';
import { LoginDto } from './dto/login.dto';
import { PasswordHasher } from './password-hasher';
import type { Principal } from './roles';
import { TokenPair, TokenService } from './token.service';
import { User } from './user.entity';

export interface Me {
  id: string;
  email: string;
  name: string;
  role: string;
  tenant: string;
}

/** Sign-in of tenant users, against the tenant's own database. */
@Injectable()
export class AuthService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async login(dto: LoginDto): Promise<TokenPair> {
    const user = await this.tenancy.em.getRepository(User).findForLogin(dto.email);
    const ok = user ? await this.hasher.verify(user.passwordHash, dto.password) : await this.hasher.verifyNobody(dto.password);
    if (!user || !ok || !user.active) throw AuthErrors.badCredentials();
    return this.tokens.issue({ sub: user.id, role: user.role, tid: this.tenancy.tenant.slug, ver: user.tokenVersion });
  }

  async me(principal: Principal): Promise<Me> {
    const user = await this.tenancy.em.findOne(User, { id: principal.sub, active: true });
    if (!user) throw AuthErrors.badToken();
    return { id: user.id, email: user.email, name: user.name, role: user.role, tenant: this.tenancy.tenant.slug };
  }
}
