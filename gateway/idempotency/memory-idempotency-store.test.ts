import { describeIdempotencyStoreContract } from './idempotency-store.contract';
import type { IdempotencyClaim, IdempotencyRecord } from './idempotency-store';
import { MemoryIdempotencyStore } from './memory-idempotency-store';

/** A clock the test moves: expiry without waiting. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let at = 1_700_000_000_000;
  return { now: () => at, advance: (ms) => void (at += ms) };
}

describeIdempotencyStoreContract('MemoryIdempotencyStore', async () => {
  const clock = manualClock();
  const store = new MemoryIdempotencyStore({ now: clock.now });
  return { store, elapse: async (ms) => clock.advance(ms), cleanup: () => store.stop() };
});

describe('MemoryIdempotencyStore bounds', () => {
  const record: IdempotencyRecord = { fingerprint: 'f'.repeat(64), principal: 'USER:ada' };
  const answer = (body: string) => ({ status: 200, contentType: 'application/json', body });

  async function claim(store: MemoryIdempotencyStore, key: string, ttlMs = 60_000): Promise<IdempotencyClaim> {
    const outcome = await store.claim('platform', key, record, ttlMs);
    if (!('claimed' in outcome)) throw new Error(`expected ${key} to be free`);
    return outcome.claimed;
  }

  it('forgets the oldest answers first once it holds maxEntries of them', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    for (const key of ['first', 'second', 'third']) await store.complete('platform', key, await claim(store, key), answer(`{"data":"${key}"}`), 3_600);

    expect(await store.claim('platform', 'first', record, 60_000)).toEqual({ claimed: expect.anything() });
    expect(await store.claim('platform', 'third', record, 60_000)).toEqual({ stored: expect.objectContaining({ body: '{"data":"third"}' }) });
  });

  it('forgets the oldest answers first once their bodies pass maxBytes', async () => {
    const store = new MemoryIdempotencyStore({ maxBytes: 2_500 });
    for (const key of ['first', 'second', 'third']) await store.complete('platform', key, await claim(store, key), answer('x'.repeat(1_000)), 3_600);

    expect(await store.claim('platform', 'first', record, 60_000)).toEqual({ claimed: expect.anything() });
    expect(await store.claim('platform', 'second', record, 60_000)).toEqual({ stored: expect.anything() });
    expect(await store.claim('platform', 'third', record, 60_000)).toEqual({ stored: expect.anything() });
  });

  it('does not keep an answer larger than maxBytes, and says so', async () => {
    const store = new MemoryIdempotencyStore({ maxBytes: 500 });
    const held = await claim(store, 'big');

    await expect(store.complete('platform', 'big', held, answer('x'.repeat(1_000)), 3_600)).resolves.toBe(false);
  });

  it('never evicts a running claim: with maxEntries running, a further claim is refused until one ends', async () => {
    const clock = manualClock();
    const store = new MemoryIdempotencyStore({ maxEntries: 2, now: clock.now });
    const first = await claim(store, 'one', 1_000);
    await claim(store, 'two', 5_000);

    await expect(store.claim('platform', 'three', record, 1_000)).rejects.toThrow(/full: 2 requests with an Idempotency-Key are running/);
    expect(await store.claim('platform', 'one', record, 1_000)).toEqual({ pending: record });

    await store.release('platform', 'one', first);
    await expect(store.claim('platform', 'three', record, 1_000)).resolves.toEqual({ claimed: expect.anything() });
    clock.advance(1_500);
    await expect(store.claim('platform', 'four', record, 1_000)).resolves.toEqual({ claimed: expect.anything() });
  });

  it('refuses every call once stopped', async () => {
    const store = new MemoryIdempotencyStore();
    await store.stop();

    await expect(store.claim('platform', 'k', record, 1_000)).rejects.toThrow(/stopped/);
  });
});
