import { IdProperty, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { TENANT_ROLES } from '../roles';
import type { User } from '../user.entity';

/** A tenant user as the API answers it. */
export class UserView {
  @IdProperty()
  id: string;

  @ApiProperty({ format: 'email', example: 'ada@acme.test' })
  email: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name: string;

  @ApiProperty({ enum: TENANT_ROLES, enumName: 'TenantRole' })
  role: string;

  @ApiProperty({ description: 'false once deactivated: the user can no longer sign in' })
  active: boolean;

  @TimeProperty()
  createdAt: string;

  @TimeProperty()
  updatedAt: string;
}

/** What the API shows of a user: never the password hash or token version. */
export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    active: user.active,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
