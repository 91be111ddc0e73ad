import 'reflect-metadata';
import type { AppConfig } from '@app/config';
import { LoginThrottle } from './login-throttle';

const config = {
  tenantDbPrefix: 'unit_',
  login: { maxFailures: 3, maxFailuresPerIp: 5, windowSeconds: 60 },
} as AppConfig;

describe('LoginThrottle without Redis', () => {
  let throttle: LoginThrottle;
  beforeEach(() => (throttle = new LoginThrottle(config)));
  afterEach(() => throttle.onApplicationShutdown());

  const settle = (attempts: Promise<void>[]) => Promise.allSettled(attempts).then((all) => all.map((a) => a.status));

  it('reserves at most maxFailures of many concurrent attempts on one account; the rest are 429 with Retry-After', async () => {
    const account = LoginThrottle.account('tenant-1', 'Victim@Example.test');
    const outcomes = await settle(Array.from({ length: 25 }, (_, i) => throttle.reserve(account, `10.0.0.${i}`)));
    expect(outcomes.filter((s) => s === 'fulfilled')).toHaveLength(3);
    await expect(throttle.reserve(account, '10.9.9.9')).rejects.toMatchObject({
      status: 429,
      headers: { 'Retry-After': expect.stringMatching(/^\d+$/) },
    });
  });

  it('treats case and Unicode spellings of one address as one account', () => {
    expect(LoginThrottle.account('t', 'ANN\u00c9@x.test')).toBe(LoginThrottle.account('t', 'anne\u0301@x.test'));
  });

  it('reserves at most maxFailuresPerIp from one IP over many accounts', async () => {
    const outcomes = await settle(
      Array.from({ length: 20 }, (_, i) => throttle.reserve(`t:user-${i}@x.test`, '10.0.0.1')),
    );
    expect(outcomes.filter((s) => s === 'fulfilled')).toHaveLength(5);
  });

  it('clears the account and gives the IP its slot back on success', async () => {
    for (let i = 0; i < 3; i++) await throttle.reserve('t:a@x.test', '10.0.0.2');
    await throttle.succeeded('t:a@x.test', '10.0.0.2');
    for (let i = 0; i < 2; i++) await throttle.reserve('t:a@x.test', '10.0.0.2'); // the account starts afresh
    await expect(throttle.reserve('t:b@x.test', '10.0.0.2')).resolves.toBeUndefined(); // a 6th attempt from the IP: the success gave a slot back
    await expect(throttle.reserve('t:c@x.test', '10.0.0.2')).rejects.toMatchObject({ status: 429 });
  });
});
