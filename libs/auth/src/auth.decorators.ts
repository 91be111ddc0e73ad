import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from './roles';

export const IS_PUBLIC = 'tessera:public';
export const ROLES = 'tessera:roles';

/** The route needs no credentials. Everything else is denied unless it declares @Roles. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The roles allowed on the route (deny by default). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The verified caller of the request. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<FastifyRequest & { user: Principal }>().user,
);
