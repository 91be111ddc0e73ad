import { createHash } from 'node:crypto';
import { PreconditionFailedException, ValidationException } from './app.exception';

/**
 * The strong validator of a resource: a hash of its view as the API sends it. The same function
 * makes the `ETag` header and checks `If-Match` against the locked row, so a version needs no
 * column of its own; any change of a shown field (and `updatedAt` moves with every write) is a
 * new tag.
 */
export function entityTag(view: object): string {
  return `"${createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 27)}"`;
}

/** One entry of an `If-Match` / `If-None-Match` list (RFC 9110 §8.8.3): `"opaque"` or `W/"opaque"`. */
interface ListedTag {
  weak: boolean;
  /** The quoted form, quotes included, as `entityTag` writes it. */
  opaque: string;
}

/** `*` (any current version) or the tags the client holds. */
export type EntityTagList = '*' | ListedTag[];

/** An entity-tag (etagc: `!`, `#`–`~`, obs-text) and the comma that may follow, with optional white space. */
const LISTED_TAG = /[ \t]*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)/y;
const EMPTY_ELEMENT = /[ \t]*,/y;

/**
 * An `If-Match` or `If-None-Match` header as RFC 9110 writes it; absent → undefined. Anything
 * else (an unquoted tag, `*` inside a list, stray characters) is a 400: a precondition the server
 * cannot read must not be taken as "no precondition".
 */
export function parseEntityTags(header: string | string[] | undefined, name: string): EntityTagList | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(', ') : header).trim();
  if (value === '*') return '*';
  const tags: ListedTag[] = [];
  let at = 0;
  while (at < value.length) {
    EMPTY_ELEMENT.lastIndex = at;
    if (EMPTY_ELEMENT.test(value)) {
      at = EMPTY_ELEMENT.lastIndex; // an empty list element (RFC 9110 §5.6.1): allowed, ignored
      continue;
    }
    LISTED_TAG.lastIndex = at;
    const match = LISTED_TAG.exec(value);
    if (!match) break;
    tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    at = LISTED_TAG.lastIndex;
  }
  if (at < value.length || tags.length === 0) {
    throw new ValidationException(
      [{ field: name, message: `${name} must be * or a comma-separated list of entity tags such as "abc"` }],
      `The ${name} header is not valid.`,
    );
  }
  return tags;
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`. */
export function noneMatchHolds(list: EntityTagList, current: string): boolean {
  return list !== '*' && !list.some((tag) => tag.opaque === current);
}

/**
 * The `If-Match` of a write, checked by the service against the row it has locked: the strong
 * comparison (RFC 9110 §13.1.1), so a weak tag never matches, and `*` matches any existing
 * resource. A failed check throws 412 before anything is written.
 */
export class Precondition {
  constructor(private readonly list: EntityTagList) {}

  static fromHeader(header: string | string[] | undefined): Precondition | undefined {
    const list = parseEntityTags(header, 'If-Match');
    return list && new Precondition(list);
  }

  assertMatches(view: object): void {
    if (this.list === '*') return;
    const current = entityTag(view);
    if (!this.list.some((tag) => !tag.weak && tag.opaque === current)) throw new PreconditionFailedException();
  }
}
