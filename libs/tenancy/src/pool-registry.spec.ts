import { Lease, PoolBusyError, Pooled, PoolRegistry, PoolRegistryOptions } from './pool-registry';

/** Counts the connections every fake pool may hold at once, as PostgreSQL would see them at worst. */
class Budget {
  live = 0;
  peak = 0;
  add(n: number): void {
    this.live += n;
    this.peak = Math.max(this.peak, this.live);
  }
}

/** A stand-in for one tenant's MikroORM: records connects, resizes, disconnects and closes. */
class FakePool implements Pooled {
  closeCalls = 0;
  connects = 0;
  disconnects = 0;
  size = 0;
  constructor(
    readonly key: string,
    private readonly budget = new Budget(),
  ) {}

  connect(size: number): Promise<void> {
    this.connects++;
    this.budget.add(size);
    this.size = size;
    return Promise.resolve();
  }

  resize(size: number): void {
    this.budget.add(size - this.size);
    this.size = size;
  }

  disconnect(): Promise<void> {
    this.disconnects++;
    this.budget.add(-this.size);
    this.size = 0;
    return Promise.resolve();
  }

  connections(): number {
    return this.size;
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.budget.add(-this.size);
    this.size = 0;
    return Promise.resolve();
  }
}

/** A create function that makes a new FakePool for `key` at once. */
const opens = (key: string, budget?: Budget) => () => Promise.resolve(new FakePool(key, budget));

function registry(options: Partial<PoolRegistryOptions> = {}): PoolRegistry<FakePool> {
  return new PoolRegistry<FakePool>({
    maxConnections: 2,
    poolSize: 1,
    maxInstances: 100,
    coldMs: 1_000,
    idleMs: 60_000,
    acquireTimeoutMs: 5_000,
    ...options,
  });
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

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function randomFrom(start: number): () => number {
  let seed = start;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
    expect(first.connects).toBe(1);
    expect(pools.stats()).toMatchObject({ open: 1, opening: 0, connected: 1, inUse: 1, created: 1 });
    leases.forEach((lease) => lease.release());
    expect(pools.stats().inUse).toBe(0);
    await pools.closeAll();
  });

  it('leases a connected instance synchronously, counted in use like any lease', async () => {
    const pools = registry();
    expect(pools.tryAcquire('a')).toBeUndefined();
    const first = await pools.acquire('a', opens('a'));
    first.release();
    const lease = pools.tryAcquire('a')!;
    expect(lease.value).toBe(first.value);
    expect(pools.stats()).toMatchObject({ inUse: 1, created: 1 });
    lease.release();
    lease.release();
    expect(pools.stats().inUse).toBe(0);
    await pools.closeAll();
  });

  it('leases nothing synchronously for a pool closed, evicted or still opening', async () => {
    const pools = registry({ maxConnections: 2 });
    let finish!: (pool: FakePool) => void;
    const opening = pools.acquire('slow', () => new Promise<FakePool>((resolve) => (finish = resolve)));
    expect(pools.tryAcquire('slow')).toBeUndefined();
    finish(new FakePool('slow'));
    (await opening).release();
    (await pools.acquire('a', opens('a'))).release();
    await pools.evict('a');
    expect(pools.tryAcquire('a')).toBeUndefined();
    await pools.closeAll();
    expect(pools.tryAcquire('slow')).toBeUndefined();
  });

  it('reuses a connected instance for a later acquire of the same key', async () => {
    const pools = registry();
    const create = jest.fn(opens('a'));
    const first = await pools.acquire('a', create);
    first.release();
    const second = await pools.acquire('a', create);
    expect(second.value).toBe(first.value);
    expect(create).toHaveBeenCalledTimes(1);
    expect(first.value.connects).toBe(1);
    second.release();
    await pools.closeAll();
  });

  it('past the budget, closes the least recently used idle pool but keeps its instance', async () => {
    const pools = registry({ maxConnections: 2 });
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

    expect(made.get('b')!.disconnects).toBe(1);
    expect(made.get('b')!.closeCalls).toBe(0);
    expect(made.get('a')!.disconnects).toBe(0);
    expect(c.value.key).toBe('c');
    expect(pools.stats()).toMatchObject({ open: 3, connected: 2, reserved: 2, evictions: 1, created: 3 });
    c.release();
    await pools.closeAll();
  });

  it('reconnects the kept instance of a returning key instead of creating a new one', async () => {
    const pools = registry({ maxConnections: 1 });
    const createA = jest.fn(opens('a'));
    const a = await pools.acquire('a', createA);
    a.release();
    (await pools.acquire('b', opens('b'))).release(); // pushes a's pool out

    const again = await pools.acquire('a', createA);

    expect(createA).toHaveBeenCalledTimes(1);
    expect(again.value).toBe(a.value);
    expect(a.value).toMatchObject({ connects: 2, disconnects: 1, closeCalls: 0, size: 1 });
    expect(pools.stats()).toMatchObject({ open: 2, connected: 1, reconnects: 1, created: 2 });
    again.release();
    await pools.closeAll();
  });

  it('never closes a pool in use: a new key waits, and takes the slot the first release frees', async () => {
    const pools = registry({ maxConnections: 2 });
    const a = await pools.acquire('a', opens('a'));
    const b = await pools.acquire('b', opens('b'));
    const createC = jest.fn(opens('c'));

    const c = track(pools.acquire('c', createC));
    await settle();
    expect(c.settled).toBe(false);
    expect(pools.stats()).toMatchObject({ waiting: 1, inUse: 2, evictions: 0 });
    expect(a.value.disconnects + b.value.disconnects).toBe(0);

    a.release();
    const leaseC = await c.promise;

    expect(leaseC.value.key).toBe('c');
    expect(leaseC.value.connects).toBe(1);
    expect(a.value.disconnects).toBe(1);
    expect(b.value.disconnects).toBe(0);
    expect(pools.stats()).toMatchObject({ waiting: 0, inUse: 2, connected: 2, evictions: 1 });

    b.release();
    leaseC.release();
    await pools.closeAll();
  });

  it('gives up with PoolBusyError when no connection slot is freed in time', async () => {
    const pools = registry({ maxConnections: 1, acquireTimeoutMs: 50 });
    const a = await pools.acquire('a', opens('a'));

    const started = Date.now();
    await expect(pools.acquire('b', opens('b'))).rejects.toBeInstanceOf(PoolBusyError);

    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(a.value.disconnects).toBe(0);
    expect(pools.stats()).toMatchObject({ waiting: 0, inUse: 1, connected: 1, reserved: 1 });

    a.release();
    await pools.closeAll();
  });

  it('bounds only the wait for a slot: a slow connect under way fails none of the leases waiting on it', async () => {
    const pools = registry({ maxConnections: 2, acquireTimeoutMs: 30 });
    const pool = new FakePool('a');
    const connect = pool.connect.bind(pool);
    pool.connect = async (size) => {
      await sleep(80); // a busy server: slower than the acquire bound
      return connect(size);
    };
    const create = () => Promise.resolve(pool);

    const leases = await Promise.all([pools.acquire('a', create), pools.acquire('a', create)]);

    expect(leases.map((l) => l.value)).toEqual([pool, pool]);
    expect(pool.connects).toBe(1);
    leases.forEach((l) => l.release());
    await pools.closeAll();
  });

  it('serves waiting keys first come, first served', async () => {
    const pools = registry({ maxConnections: 1 });
    const a = await pools.acquire('a', opens('a'));
    const order: string[] = [];
    const waiting = ['b', 'c', 'd'].map((key) =>
      pools.acquire(key, opens(key)).then((lease) => {
        order.push(key);
        lease.release();
      }),
    );
    await settle();
    expect(pools.stats().waiting).toBe(3);

    a.release();
    await Promise.all(waiting);

    expect(order).toEqual(['b', 'c', 'd']);
    await pools.closeAll();
  });

  it('never reserves more connections than the budget under concurrent acquire/release, and really churns', async () => {
    const maxConnections = 3;
    const budget = new Budget();
    const pools = registry({ maxConnections, poolSize: 2, acquireTimeoutMs: 10_000 });
    const random = randomFrom(0x5eed);
    const pause = () => sleep(Math.floor(random() * 4));
    const made = new Map<string, FakePool>();
    const create = (key: string) => async () => {
      await pause();
      const pool = new FakePool(key, budget);
      const { connect, disconnect } = pool;
      pool.connect = async (size) => {
        await pause();
        return connect.call(pool, size);
      };
      pool.disconnect = async () => {
        await pause();
        return disconnect.call(pool);
      };
      made.set(key, pool);
      return pool;
    };

    const leases: Array<Lease<FakePool>> = [];
    const cycle = async () => {
      const key = `t${Math.floor(random() * 12)}`;
      await pause();
      const lease = await pools.acquire(key, create(key));
      leases.push(lease);
      expect(lease.value.key).toBe(key);
      expect(lease.value.size).toBeGreaterThan(0);
      await pause();
      lease.release();
    };

    const results = await Promise.allSettled(Array.from({ length: 50 }, () => cycle()));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(leases).toHaveLength(50);
    expect(budget.peak).toBeLessThanOrEqual(maxConnections);
    expect(budget.peak).toBe(maxConnections); // the run really did fill the budget
    const disconnects = [...made.values()].reduce((n, p) => n + p.disconnects, 0);
    expect(disconnects).toBeGreaterThan(0); // and really did close pools to make room
    expect(pools.stats().created).toBe(made.size); // one instance per key, however often it reconnected
    expect(pools.stats()).toMatchObject({ inUse: 0, waiting: 0, opening: 0 });
    expect(pools.stats().reserved).toBeLessThanOrEqual(maxConnections);

    await pools.closeAll();
    expect(budget.live).toBe(0);
    expect(pools.stats().reserved).toBe(0);
  });

  it('rejects every concurrent waiter when create fails, and retries create later', async () => {
    const pools = registry({ maxConnections: 1 });
    const failure = new Error('cannot decrypt the password');
    const failing = jest.fn(async () => {
      await sleep(5);
      throw failure;
    });

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => pools.acquire('a', failing)));

    expect(failing).toHaveBeenCalledTimes(1);
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: failure });
    expect(pools.stats()).toMatchObject({ open: 0, opening: 0, inUse: 0, reserved: 0 });
    const retry = jest.fn(opens('a'));
    const leaseA = await pools.acquire('a', retry);
    expect(retry).toHaveBeenCalledTimes(1);
    leaseA.release();
    await pools.closeAll();
  });

  it('rejects every concurrent waiter when the pool cannot connect, gives its slot back and keeps the instance', async () => {
    const pools = registry({ maxConnections: 1 });
    const failure = new Error('password authentication failed');
    const pool = new FakePool('a');
    let fail = true;
    const connect = pool.connect.bind(pool);
    pool.connect = async (size) => {
      await sleep(5);
      if (fail) throw failure;
      return connect(size);
    };
    const create = jest.fn(() => Promise.resolve(pool));
    const attempts = Array.from({ length: 5 }, () => pools.acquire('a', create));
    const other = track(pools.acquire('b', opens('b'))); // waits for the only slot

    const outcomes = await Promise.allSettled(attempts);

    for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: failure });
    const leaseB = await other.promise; // the failed pool gave its slot back
    expect(leaseB.value.key).toBe('b');
    leaseB.release();
    fail = false;
    const leaseA = await pools.acquire('a', create);
    expect(leaseA.value).toBe(pool);
    expect(create).toHaveBeenCalledTimes(1);
    leaseA.release();
    await pools.closeAll();
  });

  describe('pool sizes', () => {
    it('grows a busy pool to one more connection than its users, up to poolSize, while the budget has room', async () => {
      const pools = registry({ maxConnections: 10, poolSize: 3 });
      const first = await pools.acquire('a', opens('a'));
      expect(first.value.size).toBe(2);
      const second = await pools.acquire('a', opens('a'));
      expect(first.value.size).toBe(3);
      const third = await pools.acquire('a', opens('a'));
      expect(first.value.size).toBe(3); // poolSize
      expect(pools.stats().reserved).toBe(3);
      [first, second, third].forEach((l) => l.release());
      await pools.closeAll();
    });

    it('starts a pool at one connection when the budget has no spare slot', async () => {
      const pools = registry({ maxConnections: 2, poolSize: 4 });
      const a = await pools.acquire('a', opens('a'));
      expect(a.value.size).toBe(2);
      const b = track(pools.acquire('b', opens('b')));
      await settle();
      expect(b.settled).toBe(false); // 'a' is in use: its slots stay
      a.release();
      const leaseB = await b.promise;
      expect(leaseB.value.size).toBe(2);
      expect(a.value.size).toBe(0);
      leaseB.release();
      await pools.closeAll();
    });

    it('lets a pool with more users than connections grow by closing a pool unused for coldMs, never a warmer one', async () => {
      let clock = 0;
      const pools = registry({ maxConnections: 5, poolSize: 3, coldMs: 1_000, now: () => clock });
      const hot = await pools.acquire('hot', opens('hot'));
      expect(hot.value.size).toBe(2);
      const cold = await pools.acquire('cold', opens('cold'));
      cold.release(); // 2 connections, unused since 0
      const warm = await pools.acquire('warm', opens('warm'));
      expect(warm.value.size).toBe(1); // the budget is full
      warm.release();
      clock = 900;
      (await pools.acquire('warm', opens('warm'))).release(); // unused since 900
      expect(pools.stats().reserved).toBe(5);

      clock = 1_050; // 'cold' unused for 1,050 ms, 'warm' for 150 ms
      const hot2 = await pools.acquire('hot', opens('hot'));
      await settle();
      expect(cold.value.disconnects).toBe(0); // two users, two connections: no need
      const hot3 = await pools.acquire('hot', opens('hot'));
      await settle();
      expect(cold.value.disconnects).toBe(1);
      expect(warm.value.disconnects).toBe(0);
      expect(hot.value.size).toBe(2); // the freed slots go to its next acquire
      const hot4 = await pools.acquire('hot', opens('hot'));
      expect(hot.value.size).toBe(3);
      expect(pools.stats()).toMatchObject({ reserved: 4, connected: 2 });
      [hot, hot2, hot3, hot4].forEach((l) => l.release());
      await pools.closeAll();
    });
  });

  describe('headroom', () => {
    it('keeps a tenth of the budget free: a newcomer connects at once and an idle pool closes behind it', async () => {
      const pools = registry({ maxConnections: 10, poolSize: 1 });
      const made: FakePool[] = [];
      for (let i = 0; i < 9; i++) {
        const lease = await pools.acquire(`t${i}`, opens(`t${i}`));
        made.push(lease.value);
        lease.release();
      }
      expect(pools.stats()).toMatchObject({ reserved: 9, evictions: 0 }); // one slot left: the headroom

      const newcomer = await pools.acquire('new', opens('new'));
      await settle();

      expect(newcomer.value.size).toBe(1);
      expect(made[0].disconnects).toBe(1); // the least recently used idle pool
      expect(made.slice(1).every((p) => p.disconnects === 0)).toBe(true);
      expect(pools.stats()).toMatchObject({ reserved: 9, evictions: 1, waiting: 0 });
      newcomer.release();
      await pools.closeAll();
    });

    it('stops growing pools short of the headroom', async () => {
      const pools = registry({ maxConnections: 10, poolSize: 4 });
      const leases: Array<Lease<FakePool>> = [];
      for (const key of ['a', 'b', 'c']) for (let i = 0; i < 4; i++) leases.push(await pools.acquire(key, opens(key)));
      expect([0, 4, 8].map((i) => leases[i].value.size)).toEqual([4, 4, 1]); // 'c' may not take the last slot
      expect(pools.stats().reserved).toBe(9);
      leases.forEach((l) => l.release());
      await pools.closeAll();
    });
  });

  describe('instances', () => {
    it('past maxInstances, drops the least recently used unused instance, never one in use', async () => {
      const pools = registry({ maxConnections: 10, maxInstances: 2 });
      const busy = await pools.acquire('busy', opens('busy'));
      const idle = await pools.acquire('idle', opens('idle'));
      idle.release();

      const c = await pools.acquire('c', opens('c'));
      await settle();

      expect(idle.value.closeCalls).toBe(1);
      expect(busy.value.closeCalls).toBe(0);
      expect(pools.keys().sort()).toEqual(['busy', 'c']);
      [busy, c].forEach((l) => l.release());
      await pools.closeAll();
    });
  });

  describe('sweepIdle', () => {
    it('closes only instances idle for longer than idleMs', async () => {
      let clock = 1_000;
      const pools = registry({ maxConnections: 5, idleMs: 1_000, now: () => clock });
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
      expect(pools.stats()).toMatchObject({ open: 1, inUse: 1, reserved: 1 });

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
      expect(pools.stats()).toMatchObject({ open: 0, closing: 0, reserved: 0 });

      const again = await pools.acquire('a', opens('a'));
      expect(again.value).not.toBe(a.value);
      again.release();
      await pools.closeAll();
    });

    it('does not close an instance in use; its slots stay reserved until it is closed', async () => {
      const pools = registry();
      const a = await pools.acquire('a', opens('a'));

      await pools.evict('a');
      expect(a.value.closeCalls).toBe(0);
      // Out of the map (a new acquire opens a fresh instance) but still counted until closed.
      expect(pools.stats()).toMatchObject({ open: 0, inUse: 1, closing: 1, reserved: 1 });

      a.release();
      await settle();
      expect(a.value.closeCalls).toBe(1);
      expect(pools.stats()).toMatchObject({ closing: 0, reserved: 0 });
      await pools.closeAll();
    });

    it('ignores a key it does not hold', async () => {
      const pools = registry();
      await expect(pools.evict('nobody')).resolves.toBeUndefined();
      expect(pools.stats().open).toBe(0);
    });
  });

  it('closeAll closes every instance, idle, disconnected, in use or still opening', async () => {
    const pools = registry({ maxConnections: 3 });
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
    await expect(pending).rejects.toBeInstanceOf(PoolBusyError); // never connected once closed
    expect(opening.connects).toBe(0);
  });

  it('treats a second release() of the same lease as a no-op', async () => {
    const pools = registry({ maxConnections: 1, acquireTimeoutMs: 50 });
    const create = opens('a');
    const first = await pools.acquire('a', create);
    const second = await pools.acquire('a', create);

    first.release();
    first.release(); // must not count as the second lease's release
    expect(pools.stats().inUse).toBe(1);
    await expect(pools.acquire('b', opens('b'))).rejects.toBeInstanceOf(PoolBusyError);
    expect(first.value.disconnects).toBe(0);

    second.release();
    expect(pools.stats().inUse).toBe(0);
    const b = await pools.acquire('b', opens('b'));
    expect(first.value.disconnects).toBe(1);
    b.release();
    await pools.closeAll();
  });
});

describe('PoolRegistry.drain', () => {
  it('waits for leases in use before returning, and gives up at its deadline', async () => {
    const pools = registry({ maxConnections: 2, acquireTimeoutMs: 100 });
    const lease = await pools.acquire('a', opens('a'));
    let drained = false;
    const draining = pools.drain(2_000).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 60));
    expect(drained).toBe(false);
    lease.release();
    await draining;
    expect(drained).toBe(true);
    const stuck = await pools.acquire('b', opens('b'));
    const started = Date.now();
    await pools.drain(80);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    stuck.release();
    await pools.closeAll();
    expect(lease.value.closeCalls + stuck.value.closeCalls).toBe(2);
  });
});
