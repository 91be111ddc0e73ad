import { problemResponse } from '@app/common';
import type { OpenAPIObject } from '@nestjs/swagger';

interface Operation {
  security?: unknown[];
  parameters?: unknown[];
  responses?: Record<string, { headers?: Record<string, unknown> } & Record<string, unknown>>;
  'x-no-store'?: boolean;
}

/**
 * Documents API.md "Idempotency" on exactly the operations IdempotencyInterceptor applies to:
 * POSTs that need credentials (a signed-in caller). Those whose answer holds a secret (@NoStore,
 * marked `x-no-store`) run once too, but a retry is a 409 with the Location, never a replay.
 * Call it once the Problem schema exists.
 */
export function documentIdempotency(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    const post = operations.post as Operation | undefined;
    // Public operations declare `security: [{}]` or none: only a signed-in caller's POST counts.
    const signedIn = post?.security?.some((requirement) => Object.keys(requirement as object).length > 0);
    if (!post || !signedIn) continue;
    const secret = post['x-no-store'] === true;
    post.parameters = [
      ...(post.parameters ?? []),
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: secret
          ? 'Makes a retry safe: for 24 h the same key (per tenant and caller) with the same body runs once; the answer holds a secret shown once, so a retry is a 409 with the Location of what the first request created.'
          : 'Makes a retry safe: for 24 h the same key (per tenant and caller) with the same body replays the first answer.',
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
      },
    ];
    const responses = post.responses ?? {};
    for (const [status, response] of Object.entries(responses)) {
      if (secret || !/^2\d\d$/.test(status)) continue;
      response.headers = {
        ...response.headers,
        'Idempotent-Replayed': {
          description: '`true` when this is the replayed answer of an earlier request with the same Idempotency-Key',
          schema: { type: 'string', enum: ['true'] },
        },
      };
    }
    const running = secret
      ? 'the first request with this Idempotency-Key is still running, or succeeded (see its Location)'
      : 'the first request with this Idempotency-Key is still running, or was committed but its answer was lost (idempotency-key-committed, with the Location of what it wrote)';
    const conflict = responses['409']?.description;
    responses['409'] = problemResponse(
      409,
      typeof conflict === 'string' ? `${conflict}; or ${running}` : `Conflict: ${running}`,
    );
    responses['422'] = problemResponse(422, 'This Idempotency-Key was used with another body or route');
    post.responses = responses;
  }
}
