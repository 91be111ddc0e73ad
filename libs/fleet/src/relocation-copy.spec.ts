import { quoteIdent, quoteLiteral } from '@app/catalog';
import { versionRefusal } from './relocation-copy';

describe('relocation copy helpers', () => {
  it('refuses a target of an older PostgreSQL major version', () => {
    expect(versionRefusal(160004, 150010)).toBe("the target runs PostgreSQL 15, older than the source's 16");
  });

  it('accepts the same major version whatever the minor, and a newer one', () => {
    expect([versionRefusal(150018, 150002), versionRefusal(150018, 170000)]).toEqual([null, null]);
  });

  it('quotes identifiers and literals, doubling the quote character', () => {
    expect([quoteIdent('a"b'), quoteLiteral("it's")]).toEqual(['"a""b"', "'it''s'"]);
  });
});
