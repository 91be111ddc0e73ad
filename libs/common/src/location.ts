import { CallHandler, ExecutionContext, NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';

/** The global prefix of the REST API (api.app.ts); a `Location` is an absolute path under it. */
export const API_BASE_PATH = '/api/v1';

/** Path parameters of the request, for a resource nested under one (`/platform/tenants/:slug/…`). */
export type PathParams = Record<string, string>;

class LocationInterceptor<T> implements NestInterceptor<T, T> {
  constructor(private readonly pathOf: (created: T, params: PathParams) => string) {}

  intercept(context: ExecutionContext, next: CallHandler<T>): Observable<T> {
    const http = context.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const params = (http.getRequest<FastifyRequest>().params ?? {}) as PathParams;
    return next.handle().pipe(
      map((created) => {
        void reply.header('Location', `${API_BASE_PATH}${this.pathOf(created, params)}`);
        return created;
      }),
    );
  }
}

/**
 * The route creates a resource: its answer carries `Location: /api/v1<path>` of the new
 * resource (API.md: `201 Created` carries `Location`), e.g. `@Located((lead: LeadView) => \`/leads/${lead.id}\`)`.
 */
export const Located = <T>(pathOf: (created: T, params: PathParams) => string) =>
  UseInterceptors(new LocationInterceptor(pathOf));
