import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger } from './logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logs', () => {
  it('are JSON lines with level, time and message, and never carry credentials', () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    logger.info(
      {
        reqId: 'req-1',
        tenant: 'acme',
        req: {
          headers: { authorization: 'Bearer secret-token', cookie: 'tessera_board=x', 'x-api-key': 'tsk.acme.k' },
        },
        body: { password: 'hunter2-hunter2', refreshToken: 'rt.acme.r' },
      },
      'request',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', msg: 'request', reqId: 'req-1', tenant: 'acme', service: 'tessera' });
    expect(typeof line.time).toBe('string');
    const text = JSON.stringify(line);
    for (const secret of ['secret-token', 'tessera_board=x', 'tsk.acme.k', 'hunter2-hunter2', 'rt.acme.r'])
      expect(text).not.toContain(secret);
  });

  it('carries Nest lines with their context', () => {
    const out = capture();
    new PinoNestLogger(createLogger('debug', out.stream)).warn('careful', 'Registry');
    expect(out.lines()[0]).toMatchObject({ level: 'warn', context: 'Registry', msg: 'careful' });
  });

  it('describe a logged error object or a Nest error with its trace: SQLSTATE and shape, never the SQL values', () => {
    const out = capture();
    const failed = Object.assign(
      new Error(
        `update "users" set "password_hash" = '$argon2id$v=19$secret', "email" = 'eve@secret.test' - column "email" does not exist`,
      ),
      {
        code: '42703',
      },
    );
    createLogger('info', out.stream).error({ err: failed }, 'request failed');
    new PinoNestLogger(createLogger('info', out.stream)).error(failed, failed.stack, 'Errors');
    const lines = out.lines();
    expect(lines).toHaveLength(2);
    const text = JSON.stringify(lines);
    for (const value of ['$argon2id$', 'eve@secret.test', 'secret']) expect(text).not.toContain(value);
    expect(text).toContain('42703 (update users): column \\"email\\" does not exist');
  });
});
