import {
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  NestInterceptor,
  RequestMethod,
  UseInterceptors,
} from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { problemResponse } from './api-docs';
import { entityTag, noneMatchHolds, parseEntityTags, Precondition } from './entity-tag';

const ETAG_HEADER = {
  ETag: {
    description: 'strong validator of this representation; send it back in If-Match or If-None-Match',
    required: true,
    schema: { type: 'string', example: '"3q2-7wEcBd8y9n0cKeyRTu2ZzKw"' },
  },
};

/** Sets `ETag` on the answer; a GET or HEAD whose `If-None-Match` names it gets an empty 304 instead. */
class EntityTagInterceptor implements NestInterceptor<object, object | undefined> {
  intercept(context: ExecutionContext, next: CallHandler<object>): Observable<object | undefined> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const reads = request.method === 'GET' || request.method === 'HEAD';
    const noneMatch = reads ? parseEntityTags(request.headers['if-none-match'], 'If-None-Match') : undefined;
    return next.handle().pipe(
      map((view) => {
        const tag = entityTag(view);
        void reply.header('ETag', tag);
        if (!noneMatch || noneMatchHolds(noneMatch, tag)) return view;
        void reply.status(304);
        return undefined;
      }),
    );
  }
}

const entityTagInterceptor = new EntityTagInterceptor();

/**
 * The route takes part in optimistic concurrency (API.md): an answer with one resource view
 * carries its `ETag`, and a read honours `If-None-Match` with 304; a PATCH or DELETE may be
 * refused with 412 (its handler takes `@IfMatch()`). Documents all of it in OpenAPI. Goes above
 * the route decorator (`@Get`, `@Patch`, `@HttpCode`), whose method and status it reads.
 */
export function Versioned(): MethodDecorator {
  return (target, key, descriptor) => {
    const handler = descriptor.value as object;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (method === undefined) throw new Error(`@Versioned() of ${String(key)} must be above its route decorator`);
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
      (method === RequestMethod.POST ? 201 : 200);
    const answersView = status !== 204;
    if (answersView) UseInterceptors(entityTagInterceptor)(target, key, descriptor);
    ApiResponse({ status, ...(answersView && { headers: ETAG_HEADER }) })(target, key, descriptor);
    if (method === RequestMethod.GET) {
      ApiHeader({
        name: 'If-None-Match',
        required: false,
        description: 'ETags you hold (or *): if one still matches, the answer is 304 without a body',
      })(target, key, descriptor);
      ApiResponse({ status: 304, description: 'Not Modified: your copy is current', headers: ETAG_HEADER })(
        target,
        key,
        descriptor,
      );
    }
    if (method === RequestMethod.PATCH || method === RequestMethod.DELETE) {
      ApiResponse({ status: 412, ...problemResponse(412, 'If-Match no longer matches: read again, then retry') })(
        target,
        key,
        descriptor,
      );
    }
    return descriptor;
  };
}

const ifMatchValue = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  Precondition.fromHeader(context.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);

/**
 * The request's `If-Match` as a `Precondition` for the service (undefined without the header; a
 * malformed one is a 400). The service checks it against the row it has locked, inside its
 * transaction, so two writers holding the same ETag cannot both pass. Documents the header; the
 * route's `@Versioned()` documents the 412.
 */
export function IfMatch(): ParameterDecorator {
  return (target, key, index) => {
    ifMatchValue()(target, key, index);
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'the ETag you last read (or *): the write happens only if the resource still has it',
    })(target, key!, Object.getOwnPropertyDescriptor(target, key!)!);
  };
}
