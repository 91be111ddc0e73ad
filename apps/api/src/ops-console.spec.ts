import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountOpsConsole, OPS_CONSOLE_CSP } from './ops-console';

describe('the ops console route (/ops)', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets/console.js'), 'void 0;');
    writeFileSync(join(dir, 'assets/console.css'), 'body{}');
    app = Fastify();
    mountOpsConsole(app, dir);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /ops under the strict content security policy', async () => {
    const res = await app.inject('/ops');
    expect([res.statusCode, res.headers['content-type'], res.headers['content-security-policy']]).toEqual([
      200,
      'text/html; charset=utf-8',
      OPS_CONSOLE_CSP,
    ]);
  });

  it('serves index.html for a deep link', async () => {
    const res = await app.inject('/ops/tenants/acme');
    expect([res.statusCode, res.body]).toEqual([200, '<!doctype html><title>console</title>']);
  });

  it('serves the script and the style sheet with their types and the policy', async () => {
    const [js, css] = [await app.inject('/ops/assets/console.js'), await app.inject('/ops/assets/console.css')];
    expect([js.headers['content-type'], css.headers['content-type'], js.headers['content-security-policy']]).toEqual([
      'text/javascript; charset=utf-8',
      'text/css; charset=utf-8',
      OPS_CONSOLE_CSP,
    ]);
  });

  it('answers 404 problem+json for any other asset, a path outside the folder included', async () => {
    const res = await app.inject('/ops/assets/..%2Findex.html');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('forbids inline code, remote origins, framing and form posts', () => {
    expect(OPS_CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('answers 503 saying how to build it when the console is not built', async () => {
    const bare = Fastify();
    mountOpsConsole(bare, undefined);
    const res = await bare.inject('/ops/tenants');
    await bare.close();
    expect([res.statusCode, res.json().detail]).toEqual([503, 'The ops console is not built: run npm run build.']);
  });
});
