import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { defer, from, isObservable, mergeAll, Observable } from 'rxjs';

/**
 * The global interceptors as one, run in the order given, each around the next. Nest wraps the
 * step after every global interceptor in an AsyncResource and an rxjs merge, per request; here
 * each step is a plain `defer`, subscribed where the interceptor before it subscribes — inside
 * that interceptor's async context (the tenant's, the audit record's), as under Nest.
 */
export class InterceptorChain implements NestInterceptor {
  constructor(private readonly interceptors: readonly NestInterceptor[]) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return this.step(0, context, next);
  }

  private step(index: number, context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const interceptor = this.interceptors[index];
    if (!interceptor) return next.handle();
    const handler: CallHandler = { handle: () => defer(() => this.step(index + 1, context, next)) };
    const result = interceptor.intercept(context, handler);
    return isObservable(result) ? result : from(result).pipe(mergeAll());
  }
}
