import { PoolBusyError } from './pool-registry';
import { ServerSlots } from './server-slots';

describe('ServerSlots', () => {
  const slots = (n: number, lingerMs = 60_000, acquireTimeoutMs = 50) =>
    new ServerSlots({ slots: n, lingerMs, acquireTimeoutMs });

  it('lets many leases of one database share its slot', async () => {
    const s = slots(1);
    const releases = await Promise.all(Array.from({ length: 20 }, () => s.acquire('acme')));
    expect(s.stats()).toMatchObject({ held: 1 });
    releases.forEach((release) => release());
  });

  it('refuses a second database while the first one is in use', async () => {
    const s = slots(1);
    const release = await s.acquire('acme');
    await expect(s.acquire('globex')).rejects.toBeInstanceOf(PoolBusyError);
    release();
  });

  it("keeps a released database's slot for the linger time, since the pooler still holds its connections", async () => {
    const s = slots(1, 60_000, 100);
    (await s.acquire('acme'))();
    await expect(s.acquire('globex')).rejects.toBeInstanceOf(PoolBusyError);
    expect(s.stats()).toMatchObject({ held: 1 });
  });

  it("frees a released database's slot once the linger time has passed", async () => {
    let clock = 1_000;
    const s = new ServerSlots({ slots: 1, lingerMs: 1_000, acquireTimeoutMs: 0, now: () => clock });
    (await s.acquire('acme'))();
    clock += 1_000;
    const release = await s.acquire('globex');
    expect(s.stats()).toMatchObject({ held: 1 });
    release();
  });

  it('gives a lingering slot straight back to its own database', async () => {
    const s = slots(1);
    (await s.acquire('acme'))();
    const again = await s.acquire('acme');
    expect(s.stats()).toMatchObject({ held: 1 });
    again();
  });

  it("lets a waiter in once a slot's linger ends", async () => {
    const s = new ServerSlots({ slots: 1, lingerMs: 30, acquireTimeoutMs: 10_000 });
    (await s.acquire('acme'))();
    const waited = s.acquire('globex');
    expect(s.stats().waiting).toBe(1);
    const release = await waited;
    expect(s.stats()).toMatchObject({ held: 1, waiting: 0 });
    release();
  });

  it('never holds more slots than allowed when 50 leases of 25 databases ask at once', async () => {
    const s = new ServerSlots({ slots: 5, lingerMs: 5, acquireTimeoutMs: 20_000 });
    let most = 0;
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const release = await s.acquire(`tenant-${i % 25}`);
        most = Math.max(most, s.stats().held);
        await new Promise((resolve) => setTimeout(resolve, 2));
        release();
      }),
    );
    expect(most).toBe(5);
  });

  it('ignores a release called twice', async () => {
    const s = slots(1);
    const first = await s.acquire('acme');
    const second = await s.acquire('acme');
    first();
    first();
    await expect(s.acquire('globex')).rejects.toBeInstanceOf(PoolBusyError);
    expect(s.stats()).toMatchObject({ held: 1 });
    second();
  });

  it('hands freed slots to waiting databases in arrival order', async () => {
    const s = new ServerSlots({ slots: 1, lingerMs: 20, acquireTimeoutMs: 10_000 });
    (await s.acquire('acme'))();
    const order: string[] = [];
    await Promise.all(
      ['globex', 'initech', 'umbrella'].map(async (key) => {
        const release = await s.acquire(key);
        order.push(key);
        release();
      }),
    );
    expect(order).toEqual(['globex', 'initech', 'umbrella']);
  });
});
