import { CallHandler, ExecutionContext, NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';

/** The global prefix of the REST API (api.app.ts); a `Location` is an absolute path under it. */
export const API_BASE_PATH = '/api/v1';

class LocationInterceptor<T> implements NestInterceptor<T, T> {
  constructor(private readonly pathOf: (created: T) => string) {}

  intercept(context: ExecutionContext, next: CallHandler<T>): Observable<T> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((created) => {
        void reply.header('Location', `${API_BASE_PATH}${this.pathOf(created)}`);
        return created;
      }),
    );
  }
}

/**
 * The route creates a resource: its answer carries `Location: /api/v1<path>` of the new
 * resource (API.md: `201 Created` carries `Location`), e.g. `@Located((lead: LeadView) => \`/leads/${lead.id}\`)`.
 */
export const Located = <T>(pathOf: (created: T) => string) => UseInterceptors(new LocationInterceptor(pathOf));
