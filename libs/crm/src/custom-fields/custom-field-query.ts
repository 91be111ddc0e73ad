import { CallHandler, createParamDecorator, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { CustomListParams } from './custom-field-filters';

type WithCustomParams = FastifyRequest & { customListParams?: CustomListParams };

/**
 * Sets a list's `cf.*` parameters (and a `sort` on one) aside before the list's query DTO is
 * validated (interceptors run before pipes): the DTO rejects unknown parameters, and custom
 * fields are the tenant's, checked against its definitions by the service.
 */
@Injectable()
export class CustomListParamsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<WithCustomParams>();
    const query = (request.query ?? {}) as Record<string, unknown>;
    const params: CustomListParams = { filters: {} };
    for (const name of Object.keys(query)) {
      if (!name.startsWith('cf.')) continue;
      params.filters[name] = query[name];
      delete query[name];
    }
    if (typeof query.sort === 'string' && /^-?cf\./.test(query.sort)) {
      params.sort = query.sort;
      delete query.sort;
    }
    request.customListParams = params;
    return next.handle();
  }
}

/** The `cf.*` parameters CustomListParamsInterceptor set aside. */
export const CustomListQuery = createParamDecorator(
  (_data: unknown, context: ExecutionContext): CustomListParams =>
    context.switchToHttp().getRequest<WithCustomParams>().customListParams ?? { filters: {} },
);
