import { formatApiKey, type ApiKeyVerification } from '../../infrastructure/authorization/api-key';
import { errors } from '../../infrastructure/errors/error-codes';
import { ConnectivityState } from '../../infrastructure/events/bus-connectivity';
import { ApiKeyCache } from './api-key-cache';

const KEY_ID = '0193a1b2-0000-7000-8000-00000000000a';
const KEY = formatApiKey(KEY_ID, 'A'.repeat(43));
const OTHER_KEY = formatApiKey('0193a1b2-0000-7000-8000-00000000000b', 'B'.repeat(43));
const NOW = Date.parse('2030-01-01T00:00:00Z');

/** An identity stand-in whose answers the test controls, counting every question. */
function fakeIdentity(expiresAt = '2030-06-01T00:00:00Z') {
  const pending: (() => void)[] = [];
  const fake = {
    calls: 0,
    hold: false,
    revoked: false,
    failWith: null as Error | null,
    release: () => pending.splice(0).forEach((resolve) => resolve()),
    verify: async (key: string): Promise<ApiKeyVerification> => {
      fake.calls += 1;
      const revoked = fake.revoked;
      if (fake.hold) await new Promise<void>((resolve) => pending.push(resolve));
      if (fake.failWith) throw fake.failWith;
      if (key !== KEY) return { valid: false, reason: 'unknown' };
      if (revoked) return { valid: false, reason: 'revoked' };
      return { valid: true, apiKey: { id: KEY_ID, tenantId: 't1', permissions: ['users:read'], expiresAt } };
    },
  };
  return fake;
}

describe("the gateway's API key cache", () => {
  it('asks identity once, then answers from memory', async () => {
    const identity = fakeIdentity();
    const cache = new ApiKeyCache(identity.verify, { now: () => NOW });
    await expect(cache.verify(KEY)).resolves.toMatchObject({ valid: true, apiKey: { id: KEY_ID, tenantId: 't1' } });
    await expect(cache.verify(KEY)).resolves.toMatchObject({ valid: true });
    expect(identity.calls).toBe(1);
  });

  it('sends one question to identity however many requests miss on the same key at once', async () => {
    const identity = fakeIdentity();
    identity.hold = true;
    const cache = new ApiKeyCache(identity.verify, { now: () => NOW });
    const answers = Promise.all(Array.from({ length: 20 }, () => cache.verify(KEY)));
    await new Promise((r) => setImmediate(r));
    identity.release();
    expect((await answers).every((a) => a.valid)).toBe(true);
    expect(identity.calls).toBe(1);
  });

  it('asks identity again after a revocation is announced, and refuses the key from then on', async () => {
    const identity = fakeIdentity();
    const cache = new ApiKeyCache(identity.verify, { now: () => NOW });
    await cache.verify(KEY);
    identity.revoked = true;
    cache.invalidate(KEY_ID);
    await expect(cache.verify(KEY)).resolves.toEqual({ valid: false, reason: 'revoked' });
    await expect(cache.verify(KEY)).resolves.toEqual({ valid: false, reason: 'revoked' });
    expect(identity.calls).toBe(2);
  });

  it('does not keep an answer identity gave while a revocation of the same key was announced', async () => {
    const identity = fakeIdentity();
    identity.hold = true;
    const cache = new ApiKeyCache(identity.verify, { now: () => NOW });
    const answer = cache.verify(KEY);
    await new Promise((r) => setImmediate(r));
    // The first answer was read before the revocation committed; the event arrives while it travels.
    identity.revoked = true;
    identity.hold = false;
    cache.invalidate(KEY_ID);
    identity.release();
    await expect(answer).resolves.toEqual({ valid: false, reason: 'revoked' });
    expect(identity.calls).toBe(2);
  });

  it('leaves other keys cached when one is invalidated', async () => {
    const identity = fakeIdentity();
    const cache = new ApiKeyCache(identity.verify, { now: () => NOW });
    await cache.verify(KEY);
    await cache.verify(OTHER_KEY);
    cache.invalidate('0193a1b2-0000-7000-8000-00000000000b');
    await cache.verify(KEY);
    expect(identity.calls).toBe(2);
  });

  it('asks identity again once the TTL has passed, the backstop for a lost revocation event', async () => {
    const identity = fakeIdentity();
    let now = NOW;
    const cache = new ApiKeyCache(identity.verify, { ttlMs: 60_000, now: () => now });
    await cache.verify(KEY);
    identity.revoked = true;
    now += 59_000;
    await expect(cache.verify(KEY)).resolves.toMatchObject({ valid: true });
    now += 2_000;
    await expect(cache.verify(KEY)).resolves.toEqual({ valid: false, reason: 'revoked' });
  });

  it('refuses a cached key as expired the moment its expiry passes, without waiting for the TTL', async () => {
    const identity = fakeIdentity(new Date(NOW + 1_000).toISOString());
    let now = NOW;
    const cache = new ApiKeyCache(identity.verify, { now: () => now });
    await expect(cache.verify(KEY)).resolves.toMatchObject({ valid: true });
    now += 1_000;
    await expect(cache.verify(KEY)).resolves.toEqual({ valid: false, reason: 'expired' });
    expect(identity.calls).toBe(1);
  });

  it('remembers nothing when identity cannot answer, so the next request asks again', async () => {
    const identity = fakeIdentity();
    identity.failWith = errors.unavailable('identity down');
    const cache = new ApiKeyCache(identity.verify, { now: () => NOW });
    await expect(cache.verify(KEY)).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    identity.failWith = null;
    await expect(cache.verify(KEY)).resolves.toMatchObject({ valid: true });
    expect(cache.size).toBe(1);
  });
});

describe("the gateway's API key cache while the event bus is down", () => {
  const WINDOW_MS = 5_000;

  /** A cache on a bus whose connection and clock the test moves; KEY was verified at NOW. */
  async function verifiedCache() {
    const identity = fakeIdentity();
    const clock = { now: NOW };
    const bus = new ConnectivityState({ now: () => clock.now });
    const cache = new ApiKeyCache(identity.verify, { ttlMs: 60_000, now: () => clock.now, connectivity: bus, outageWindowMs: WINDOW_MS });
    await cache.verify(KEY);
    return { identity, clock, bus, cache };
  }

  it('a key revoked while the bus is down is refused within the window, long before the TTL', async () => {
    const { identity, clock, bus, cache } = await verifiedCache();
    bus.markDisconnected();
    identity.revoked = true; // revoked through another replica; the event is lost

    clock.now = NOW + WINDOW_MS;
    await expect(cache.verify(KEY)).resolves.toMatchObject({ valid: true });
    clock.now = NOW + WINDOW_MS + 1;
    await expect(cache.verify(KEY)).resolves.toEqual({ valid: false, reason: 'revoked' });
  });

  it('fails closed with SERVICE_UNAVAILABLE while the bus is down and identity cannot answer', async () => {
    const { identity, clock, bus, cache } = await verifiedCache();
    bus.markDisconnected();
    clock.now = NOW + WINDOW_MS + 1;
    identity.failWith = errors.unavailable('identity down');
    await expect(cache.verify(KEY)).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it('asks identity once more about every key after the bus reconnects, then trusts the answer again for the TTL', async () => {
    const { identity, clock, bus, cache } = await verifiedCache();
    bus.markDisconnected();
    identity.revoked = true;
    clock.now = NOW + 1_000;
    bus.markConnected();

    await expect(cache.verify(KEY)).resolves.toEqual({ valid: false, reason: 'revoked' });
    clock.now = NOW + 30_000;
    await cache.verify(KEY);
    expect(identity.calls).toBe(2);
  });
});
