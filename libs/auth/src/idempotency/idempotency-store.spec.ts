import { MemoryIdempotencyStore } from './idempotency-store';

describe('MemoryIdempotencyStore', () => {
  let now: number;
  let store: MemoryIdempotencyStore;
  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryIdempotencyStore(3, () => now);
  });
  afterEach(() => store.close());

  it('lets exactly one of 50 concurrent claims of one key win; the others see its value', async () => {
    const held = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim('k', `claim-${i}`, 1000)));
    expect(held.filter((value) => value === undefined)).toHaveLength(1);
    expect(new Set(held.filter((value) => value !== undefined))).toEqual(new Set([`claim-${held.indexOf(undefined)}`]));
  });

  it('frees a claim when its time to live ends', async () => {
    await store.claim('k', 'first', 1000);
    now += 1000;
    await expect(store.claim('k', 'second', 1000)).resolves.toBeUndefined();
  });

  it('replaces only its own claim', async () => {
    await store.claim('k', 'mine', 1000);
    await store.replace('k', 'not-mine', 'stolen', 1000);
    await expect(store.claim('k', 'probe', 1000)).resolves.toBe('mine');
  });

  it('keeps a replaced value for its new time to live', async () => {
    await store.claim('k', 'mine', 1000);
    await store.replace('k', 'mine', 'answer', 86_400_000);
    now += 1000;
    await expect(store.claim('k', 'probe', 1000)).resolves.toBe('answer');
  });

  it('stores the answer of a claim whose lease ended while no one claimed the key', async () => {
    await store.claim('k', 'mine', 1000);
    now += 1000;
    await store.replace('k', 'mine', 'answer', 1000);
    await expect(store.claim('k', 'probe', 1000)).resolves.toBe('answer');
  });

  it('renews its own claim for a new time to live', async () => {
    await store.claim('k', 'mine', 1000);
    now += 900;
    await expect(store.renew('k', 'mine', 1000)).resolves.toBe(true);
    now += 900;
    await expect(store.claim('k', 'probe', 1000)).resolves.toBe('mine');
  });

  it('renews no claim but its own, nor one whose time to live ended', async () => {
    await store.claim('k', 'mine', 1000);
    await expect(store.renew('k', 'not-mine', 5000)).resolves.toBe(false);
    now += 1000;
    await expect(store.renew('k', 'mine', 5000)).resolves.toBe(false);
    await expect(store.claim('k', 'probe', 1000)).resolves.toBeUndefined();
  });

  it('releases only its own claim', async () => {
    await store.claim('k', 'mine', 1000);
    await store.release('k', 'not-mine');
    await expect(store.claim('k', 'probe', 1000)).resolves.toBe('mine');
    await store.release('k', 'mine');
    await expect(store.claim('k', 'probe', 1000)).resolves.toBeUndefined();
  });

  it('drops the oldest entries beyond its bound', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await store.claim(key, key, 1000);
    expect(store.size).toBe(3);
    await expect(store.claim('a', 'again', 1000)).resolves.toBeUndefined();
    await expect(store.claim('d', 'probe', 1000)).resolves.toBe('d');
  });

  it('sweeps expired entries before dropping live ones', async () => {
    await store.claim('short', 'short', 10);
    await store.claim('b', 'b', 1000);
    await store.claim('c', 'c', 1000);
    now += 10;
    await store.claim('d', 'd', 1000);
    await expect(store.claim('b', 'probe', 1000)).resolves.toBe('b');
  });
});
