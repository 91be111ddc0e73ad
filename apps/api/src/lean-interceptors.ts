import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer';
import type { CallHandler, NestInterceptor } from '@nestjs/common';
import type { Controller } from '@nestjs/common/interfaces';
import { defer, from, isObservable, mergeAll, Observable } from 'rxjs';

let installed = false;

/**
 * Nest runs interceptors through InterceptorsConsumer, which wraps each step's `defer` in
 * `AsyncResource.bind`: on Node 20 every such bind builds an AsyncResource (init hooks, with
 * AsyncLocalStorage in use) and calls `util.deprecate` twice for the bound function's
 * `asyncResource` property. Twice per request, that was 7% of a read's time (`--cpu-prof`).
 *
 * The bind carries the async context from where `handle()` is called to where its observable is
 * subscribed. Tessera's interceptors (InterceptorChain, route-scoped ones) subscribe to
 * `handle()` where they call it, inside their own context (the tenant's, the audit record's), so
 * a plain `defer` runs the next step in the same context. Same order, same observables, same
 * errors: only the bind is gone. The tenancy, audit and idempotency suites hold this.
 */
export function useLeanInterceptors(): void {
  if (installed) return;
  installed = true;
  InterceptorsConsumer.prototype.intercept = async function <TContext extends string>(
    this: InterceptorsConsumer,
    interceptors: NestInterceptor[],
    args: unknown[],
    instance: Controller,
    callback: (...args: unknown[]) => unknown,
    next: () => Promise<unknown>,
    type?: TContext,
  ): Promise<unknown> {
    if (!interceptors.length) return next();
    const context = this.createContext(args, instance, callback);
    if (type) context.setType(type);
    // Step i: the i-th interceptor around the rest, or the handler itself past the last one.
    const step = (i: number): Observable<unknown> => {
      if (i >= interceptors.length) return this.transformDeferred(next);
      const handler: CallHandler = { handle: () => defer(() => step(i + 1)) };
      const result = interceptors[i].intercept(context, handler);
      return isObservable(result) ? result : from(result).pipe(mergeAll());
    };
    return defer(() => step(0));
  };
}
