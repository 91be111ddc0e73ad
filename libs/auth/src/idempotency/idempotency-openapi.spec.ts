import type { OpenAPIObject } from '@nestjs/swagger';
import { documentIdempotency } from './idempotency-openapi';

const operation = (extra: object = {}) => ({ responses: { '201': { description: 'Created' } }, ...extra });

function documentOf(paths: OpenAPIObject['paths']): OpenAPIObject {
  const document = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths } as OpenAPIObject;
  documentIdempotency(document);
  return document;
}

const headerNames = (op: { parameters?: { name: string }[] }) => (op.parameters ?? []).map((p) => p.name);

describe('documentIdempotency', () => {
  it('adds the header, the replay header and 409/422 to a POST that needs credentials', () => {
    const { paths } = documentOf({ '/leads': { post: operation({ security: [{ bearer: [] }] }) } });
    const post = paths['/leads'].post!;
    expect(headerNames(post as never)).toEqual(['Idempotency-Key']);
    expect(Object.keys((post.responses['201'] as { headers: object }).headers)).toEqual(['Idempotent-Replayed']);
    expect(Object.keys(post.responses)).toEqual(['201', '409', '422']);
  });

  it('leaves public POSTs and every other method alone', () => {
    const { paths } = documentOf({
      '/auth/login': { post: operation({ security: [{}] }) },
      '/auth/refresh': { post: operation() },
      '/leads/{id}': { patch: operation({ security: [{ bearer: [] }] }) },
    });
    expect(headerNames(paths['/auth/login'].post as never)).toEqual([]);
    expect(headerNames(paths['/auth/refresh'].post as never)).toEqual([]);
    expect(headerNames(paths['/leads/{id}'].patch as never)).toEqual([]);
  });

  it('takes the key on a @NoStore POST without promising a replay of its secret', () => {
    const { paths } = documentOf({
      '/api-keys': { post: operation({ security: [{ bearer: [] }], 'x-no-store': true }) },
    });
    const post = paths['/api-keys'].post!;
    expect(headerNames(post as never)).toEqual(['Idempotency-Key']);
    expect((post.responses['201'] as { headers?: object }).headers).toBeUndefined();
    expect(Object.keys(post.responses)).toEqual(['201', '409', '422']);
  });
});
