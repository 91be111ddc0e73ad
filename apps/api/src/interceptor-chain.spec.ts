import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { firstValueFrom, from, Observable, of } from 'rxjs';
import { InterceptorChain } from './interceptor-chain';

const context = {} as ExecutionContext;

describe('InterceptorChain', () => {
  it('runs the interceptors in order, each around the next and the handler', async () => {
    const seen: string[] = [];
    const named = (name: string): NestInterceptor => ({
      intercept: (_context, next) => {
        seen.push(`${name} in`);
        return new Observable((subscriber) =>
          next.handle().subscribe({
            next: (value) => subscriber.next(`${name}(${String(value)})`),
            error: (error) => subscriber.error(error),
            complete: () => {
              seen.push(`${name} out`);
              subscriber.complete();
            },
          }),
        );
      },
    });
    const handler: CallHandler = { handle: () => (seen.push('handler'), of('result')) };
    const result = await firstValueFrom(new InterceptorChain([named('a'), named('b')]).intercept(context, handler));
    expect(result).toBe('a(b(result))');
    expect(seen).toEqual(['a in', 'b in', 'handler', 'b out', 'a out']);
  });

  it('runs later interceptors and the handler inside the async context an earlier one opened', async () => {
    const storage = new AsyncLocalStorage<string>();
    const opening: NestInterceptor = {
      intercept: (_context, next) =>
        from(
          storage.run(
            'tenant-a',
            () => new Promise((resolve) => setImmediate(() => resolve(firstValueFrom(next.handle())))),
          ),
        ),
    };
    let interceptorSaw: string | undefined;
    const reading: NestInterceptor = {
      intercept: (_context, next) => {
        interceptorSaw = storage.getStore();
        return next.handle();
      },
    };
    const handler: CallHandler = { handle: () => of(`handler saw ${storage.getStore()}`) };
    const result = await firstValueFrom(new InterceptorChain([opening, reading]).intercept(context, handler));
    expect(interceptorSaw).toBe('tenant-a');
    expect(result).toBe('handler saw tenant-a');
  });

  it('turns an interceptor that throws into an error of the chain, and stops there', async () => {
    const handle = jest.fn(() => of('never'));
    const throwing: NestInterceptor = {
      intercept: () => {
        throw new Error('rate limited');
      },
    };
    const first: NestInterceptor = { intercept: (_context, next) => next.handle() };
    await expect(
      firstValueFrom(new InterceptorChain([first, throwing]).intercept(context, { handle })),
    ).rejects.toThrow('rate limited');
    expect(handle).not.toHaveBeenCalled();
  });

  it('lets an interceptor answer by itself, without the rest of the chain', async () => {
    const handle = jest.fn(() => of('handler'));
    const replaying: NestInterceptor = { intercept: () => of('replayed answer') };
    const later = { intercept: jest.fn((_context: ExecutionContext, next: CallHandler) => next.handle()) };
    const result = await firstValueFrom(new InterceptorChain([replaying, later]).intercept(context, { handle }));
    expect(result).toBe('replayed answer');
    expect(later.intercept).not.toHaveBeenCalled();
    expect(handle).not.toHaveBeenCalled();
  });
});
