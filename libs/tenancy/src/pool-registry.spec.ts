import { Closable, Lease, PoolBusyError, PoolRegistry, PoolRegistryOptions } from './pool-registry';

/** A stand-in for one MikroORM instance: records whether and how often it was closed. */
class FakePool implements Closable {
  closeCalls = 0;
  constructor(readonly key: string) {}

  close(): Promise<void> {
    this.closeCalls++;
    return Promise.resolve();
  }
}

/** A create function that opens a new FakePool for `key` at once. */
const opens = (key: string) => () => Promise.resolve(new FakePool(key));

function registry(options: Partial<PoolRegistryOptions> = {}): PoolRegistry<FakePool> {
  return new PoolRegistry<FakePool>({ maxPools: 2, idleMs: 60_000, acquireTimeoutMs: 5_000, ...options });
}

/** Lets pending promise callbacks (and the registry's internal awaits) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Tracks whether a promise has settled yet without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('PoolRegistry', () => {
  it('creates an instance once for concurrent acquires of the same key (single flight)', async () => {
    const pools = registry();
    const create = jest.fn(async () => {
      await sleep(5);
      return new FakePool('a');
    });

    const leases = await Promise.all(Array.from({ length: 10 }, () => pools.acquire('a', create)));

    expect(create).toHaveBeenCalledTimes(1);
    const first = leases[0]!.value;
    for (const lease of leases) expect(lease.value).toBe(first);
    expect(pools.stats()).toMatchObject({ open: 1, opening: 0, inUse: 1, created: 1 });
    leases.forEach((lease) => lease.release());
    expect(pools.stats().inUse).toBe(0);
    await pools.closeAll();
  });

  it('reuses an open instance for a later acquire of the same key', async () => {
    const pools = registry();
    const create = jest.fn(opens('a'));
    const first = await pools.acquire('a', create);
    first.release();
    const second = await pools.acquire('a', create);
    expect(second.value).toBe(first.value);
    expect(create).toHaveBeenCalledTimes(1);
    second.release();
    await pools.closeAll();
  });

  it('closes the least recently used idle instance when every slot is taken', async () => {
    const pools = registry({ maxPools: 2 });
    const made = new Map<string, FakePool>();
    const create = (key: string) => () => {
      const pool = new FakePool(key);
      made.set(key, pool);
      return Promise.resolve(pool);
    };

    (await pools.acquire('a', create('a'))).release();
    (await pools.acquire('b', create('b'))).release();
    (await pools.acquire('a', create('a'))).release(); // 'a' used again: 'b' is now the least recently used
    const c = await pools.acquire('c', create('c'));

    expect(made.get('b')!.closeCalls).toBe(1);
    expect(made.get('a')!.closeCalls).toBe(0);
    expect(c.value.key).toBe('c');
    expect(pools.stats()).toMatchObject({ open: 2, evictions: 1, created: 3, closing: 0 });

    c.release();
    await pools.closeAll();
  });

  it('never closes an instance in use: a new key waits, and takes the slot the first release frees', async () => {
    const pools = registry({ maxPools: 2 });
    const a = await pools.acquire('a', opens('a'));
    const b = await pools.acquire('b', opens('b'));
    const createC = jest.fn(opens('c'));

    const c = track(pools.acquire('c', createC));
    await settle();
    expect(c.settled).toBe(false);
    expect(createC).not.toHaveBeenCalled();
    expect(pools.stats()).toMatchObject({ waiting: 1, inUse: 2, evictions: 0 });
    expect(a.value.closeCalls + b.value.closeCalls).toBe(0);

    a.release();
    const leaseC = await c.promise;

    expect(leaseC.value.key).toBe('c');
    expect(a.value.closeCalls).toBe(1);
    expect(b.value.closeCalls).toBe(0);
    expect(createC).toHaveBeenCalledTimes(1);
    expect(pools.stats()).toMatchObject({ waiting: 0, inUse: 2, open: 2, evictions: 1 });

    b.release();
    leaseC.release();
    await pools.closeAll();
  });

  it('gives up with PoolBusyError when no slot is released in time', async () => {
    const pools = registry({ maxPools: 1, acquireTimeoutMs: 50 });
    const a = await pools.acquire('a', opens('a'));
    const createB = jest.fn(opens('b'));

    const started = Date.now();
    await expect(pools.acquire('b', createB)).rejects.toBeInstanceOf(PoolBusyError);

    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(createB).not.toHaveBeenCalled();
    expect(a.value.closeCalls).toBe(0);
    expect(pools.stats()).toMatchObject({ waiting: 0, inUse: 1, open: 1 });

    a.release();
    await pools.closeAll();
  });

  it('never has more instances alive than maxPools under concurrent acquire/release', async () => {
    const maxPools = 3;
    const pools = registry({ maxPools, acquireTimeoutMs: 10_000 });
    // Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pause = () => sleep(Math.floor(random() * 4));

    let live = 0;
    let peak = 0;
    let creates = 0;
    let closes = 0;
    const seenAtCreate: number[] = [];
    const create = (key: string) => async () => {
      creates++;
      live++;
      peak = Math.max(peak, live);
      seenAtCreate.push(live);
      await pause();
      const pool = new FakePool(key);
      pool.close = async () => {
        await pause();
        closes++;
        live--;
      };
      return pool;
    };

    const leases: Array<Lease<FakePool>> = [];
    const cycle = async (i: number) => {
      const key = `t${Math.floor(random() * 12)}`;
      await pause();
      const lease = await pools.acquire(key, create(key));
      leases.push(lease);
      expect(lease.value.key).toBe(key);
      await pause();
      lease.release();
      return i;
    };

    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => cycle(i)));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(leases).toHaveLength(40);
    expect(seenAtCreate.length).toBe(creates);
    expect(Math.max(...seenAtCreate)).toBeLessThanOrEqual(maxPools);
    expect(peak).toBeLessThanOrEqual(maxPools);
    expect(peak).toBe(maxPools); // the run really did fill the budget
    expect(creates).toBeGreaterThan(maxPools); // and really did evict
    expect(pools.stats()).toMatchObject({ inUse: 0, waiting: 0, opening: 0 });
    expect(pools.stats().open).toBeLessThanOrEqual(maxPools);
    expect(pools.stats().created).toBe(creates);

    await pools.closeAll();
    expect(live).toBe(0);
    expect(closes).toBe(creates);
  });

  it('rejects every concurrent waiter when create fails, frees the slot, and retries create later', async () => {
    const pools = registry({ maxPools: 1 });
    const failure = new Error('password authentication failed');
    const failing = jest.fn(async () => {
      await sleep(5);
      throw failure;
    });

    const attempts = Array.from({ length: 5 }, () => pools.acquire('a', failing));
    const other = track(pools.acquire('b', opens('b'))); // waits for the only slot
    const outcomes = await Promise.allSettled(attempts);

    expect(failing).toHaveBeenCalledTimes(1);
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: failure });

    const leaseB = await other.promise; // the failed instance gave its slot back
    expect(leaseB.value.key).toBe('b');
    expect(pools.stats()).toMatchObject({ open: 1, opening: 0, inUse: 1, created: 1 });
    leaseB.release();

    const retry = jest.fn(opens('a'));
    const leaseA = await pools.acquire('a', retry);
    expect(retry).toHaveBeenCalledTimes(1);
    expect(leaseA.value.key).toBe('a');
    leaseA.release();
    await pools.closeAll();
  });

  describe('sweepIdle', () => {
    it('closes only instances idle for longer than idleMs', async () => {
      let clock = 1_000;
      const pools = registry({ maxPools: 5, idleMs: 1_000, now: () => clock });
      const a = await pools.acquire('a', opens('a'));
      const held = await pools.acquire('held', opens('held'));
      a.release(); // idle since 1000
      clock = 1_500;
      const b = await pools.acquire('b', opens('b'));
      b.release(); // idle since 1500

      clock = 2_000; // 'a' idle for exactly idleMs: not longer
      await expect(pools.sweepIdle()).resolves.toBe(0);

      clock = 2_001;
      await expect(pools.sweepIdle()).resolves.toBe(1);
      expect(a.value.closeCalls).toBe(1);
      expect(b.value.closeCalls).toBe(0);
      expect(held.value.closeCalls).toBe(0);

      clock = 100_000;
      await expect(pools.sweepIdle()).resolves.toBe(1);
      expect(b.value.closeCalls).toBe(1);
      expect(held.value.closeCalls).toBe(0); // in use, however old
      expect(pools.stats()).toMatchObject({ open: 1, inUse: 1 });

      held.release();
      await pools.closeAll();
    });

    it('counts use from the release, not the acquire', async () => {
      let clock = 0;
      const pools = registry({ idleMs: 1_000, now: () => clock });
      const a = await pools.acquire('a', opens('a'));
      clock = 5_000;
      a.release();
      clock = 5_500;
      await expect(pools.sweepIdle()).resolves.toBe(0);
      expect(a.value.closeCalls).toBe(0);
      await pools.closeAll();
    });
  });

  describe('evict', () => {
    it('closes an idle instance at once, and the next acquire creates a new one', async () => {
      const pools = registry();
      const a = await pools.acquire('a', opens('a'));
      a.release();

      await pools.evict('a');
      expect(a.value.closeCalls).toBe(1);
      expect(pools.stats()).toMatchObject({ open: 0, closing: 0 });

      const again = await pools.acquire('a', opens('a'));
      expect(again.value).not.toBe(a.value);
      again.release();
      await pools.closeAll();
    });

    it('does not close an instance in use', async () => {
      const pools = registry();
      const a = await pools.acquire('a', opens('a'));

      await pools.evict('a');
      expect(a.value.closeCalls).toBe(0);
      // Out of the map (a new acquire opens a fresh instance) but still counted until closed.
      expect(pools.stats()).toMatchObject({ open: 0, inUse: 0, closing: 1 });

      a.release();
      await pools.closeAll();
      expect(a.value.closeCalls).toBe(1);
    });

    it('closes an instance evicted while in use once it is released (by the next sweep at the latest)', async () => {
      const clock = 1_000;
      const pools = registry({ idleMs: 60_000, now: () => clock });
      const a = await pools.acquire('a', opens('a'));

      await pools.evict('a');
      a.release();
      await settle();
      await pools.sweepIdle();

      expect(a.value.closeCalls).toBe(1);
      await pools.closeAll();
    });

    it('ignores a key it does not hold', async () => {
      const pools = registry();
      await expect(pools.evict('nobody')).resolves.toBeUndefined();
      expect(pools.stats().open).toBe(0);
    });
  });

  it('closeAll closes every instance, idle, in use or still opening', async () => {
    const pools = registry({ maxPools: 3 });
    const idle = await pools.acquire('idle', opens('idle'));
    idle.release();
    const busy = await pools.acquire('busy', opens('busy'));
    let finishOpening: (pool: FakePool) => void = () => undefined;
    const opening = new FakePool('opening');
    const pending = pools.acquire('opening', () => new Promise<FakePool>((resolve) => (finishOpening = resolve)));
    await settle();
    expect(pools.stats()).toMatchObject({ open: 2, opening: 1 });

    const closed = pools.closeAll();
    finishOpening(opening);
    await closed;

    expect(idle.value.closeCalls).toBe(1);
    expect(busy.value.closeCalls).toBe(1);
    expect(opening.closeCalls).toBe(1);
    expect(pools.stats()).toMatchObject({ open: 0, opening: 0, closing: 0 });
    busy.release();
    (await pending).release();
  });

  it('treats a second release() of the same lease as a no-op', async () => {
    const pools = registry({ maxPools: 1, acquireTimeoutMs: 50 });
    const create = opens('a');
    const first = await pools.acquire('a', create);
    const second = await pools.acquire('a', create);

    first.release();
    first.release(); // must not count as the second lease's release
    expect(pools.stats().inUse).toBe(1);
    await expect(pools.acquire('b', opens('b'))).rejects.toBeInstanceOf(PoolBusyError);
    expect(first.value.closeCalls).toBe(0);

    second.release();
    expect(pools.stats().inUse).toBe(0);
    const b = await pools.acquire('b', opens('b'));
    expect(first.value.closeCalls).toBe(1);
    b.release();
    await pools.closeAll();
  });
});

describe('PoolRegistry.drain', () => {
  it('waits for leases in use before returning, and gives up at its deadline', async () => {
    const closed: string[] = [];
    const recording = (key: string) => () => {
      const close = () => {
        closed.push(key);
        return Promise.resolve();
      };
      return Promise.resolve({ close });
    };
    const pools = new PoolRegistry<{ close(): Promise<void> }>({ maxPools: 2, idleMs: 1000, acquireTimeoutMs: 100 });
    const lease = await pools.acquire('a', recording('a'));
    let drained = false;
    const draining = pools.drain(2_000).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 60));
    expect(drained).toBe(false);
    lease.release();
    await draining;
    expect(drained).toBe(true);
    const stuck = await pools.acquire('b', recording('b'));
    const started = Date.now();
    await pools.drain(80);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    stuck.release();
    await pools.closeAll();
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
