import { createDomainEvent } from '../../../infrastructure/events';
import { slotId, type ConfigurationEntry, type ConfigurationSlot } from './configuration';
import { ConfigurationCache } from './configuration-cache';

const TENANT: ConfigurationSlot = { level: 'TENANT', scopeId: '0193a1b2-0000-7000-8000-000000000001', key: 'theme' };
const GLOBAL: ConfigurationSlot = { level: 'GLOBAL', scopeId: null, key: 'theme' };

/** A store stand-in whose contents the test controls, counting every load and able to hold one open. */
function fakeStore() {
  const rows = new Map<string, ConfigurationEntry>();
  let release: (() => void) | null = null;
  const store = {
    loads: 0,
    loaded: [] as string[][],
    hold: false,
    put(slot: ConfigurationSlot, value: ConfigurationEntry['value']) {
      rows.set(slotId(slot), { ...slot, tenantId: slot.scopeId, value, version: 1, updatedAt: new Date(), updatedBy: null });
    },
    remove(slot: ConfigurationSlot) {
      rows.delete(slotId(slot));
    },
    release: () => release?.(),
    load: async (slots: readonly ConfigurationSlot[]) => {
      store.loads += 1;
      store.loaded.push(slots.map(slotId));
      // Reads now, answers later: like a query whose reply is still on the wire.
      const answer = slots.map((slot) => rows.get(slotId(slot)) ?? null);
      if (store.hold) await new Promise<void>((resolve) => (release = resolve));
      return answer;
    },
  };
  return store;
}

const event = (type: string, data: Record<string, unknown>) =>
  createDomainEvent({
    type,
    source: 'tenancy',
    aggregateType: 'Configuration',
    aggregateId: 'x',
    aggregateVersion: 1,
    tenantId: null,
    actor: { kind: 'USER', id: 'u1' },
    requestId: null,
    data,
  });

const values = async (cache: ConfigurationCache, store: ReturnType<typeof fakeStore>, slots = [TENANT, GLOBAL]) =>
  (await cache.entriesAt(slots, store.load)).entries.map((e) => e?.value ?? null);

describe('the configuration cache', () => {
  it('loads only the slots it does not hold, all in one call, and remembers absent ones too', async () => {
    const store = fakeStore();
    store.put(GLOBAL, 'dark');
    const cache = new ConfigurationCache();
    expect(await cache.entriesAt([TENANT, GLOBAL], store.load)).toMatchObject({ entries: [null, { value: 'dark' }], misses: 2 });
    expect(await cache.entriesAt([TENANT, GLOBAL], store.load)).toMatchObject({ entries: [null, { value: 'dark' }], misses: 0 });
    expect(store.loaded).toEqual([[slotId(TENANT), slotId(GLOBAL)]]);
  });

  it('loads one slot again after it is invalidated, and keeps the others', async () => {
    const store = fakeStore();
    const cache = new ConfigurationCache();
    await values(cache, store);
    store.put(TENANT, 'light');
    cache.invalidate(TENANT);
    expect(await values(cache, store)).toEqual(['light', null]);
    expect(store.loaded[1]).toEqual([slotId(TENANT)]);
  });

  it('answers, but does not keep, a load that was in flight when its slot was invalidated', async () => {
    const store = fakeStore();
    store.put(TENANT, 'old');
    const cache = new ConfigurationCache();
    store.hold = true;
    const answer = values(cache, store, [TENANT]);
    await new Promise((r) => setImmediate(r));
    // The write commits and invalidates while the read's reply (the old value) is still on its way.
    store.put(TENANT, 'new');
    cache.invalidate(TENANT);
    store.release();
    expect(await answer).toEqual(['old']);
    store.hold = false;
    expect(await values(cache, store, [TENANT])).toEqual(['new']);
  });

  it('invalidates the slot a tenancy.configuration event names, and ignores other events', async () => {
    const store = fakeStore();
    const cache = new ConfigurationCache();
    await values(cache, store);
    store.put(TENANT, 'set elsewhere');
    store.put(GLOBAL, 'set elsewhere');
    cache.apply(event('tenancy.tenant.suspended', { level: 'TENANT', scopeId: TENANT.scopeId, key: 'theme' }));
    expect(await values(cache, store)).toEqual([null, null]);
    cache.apply(event('tenancy.configuration.set', { level: 'TENANT', scopeId: TENANT.scopeId, key: 'theme', version: 1 }));
    expect(await values(cache, store)).toEqual(['set elsewhere', null]);
    store.remove(GLOBAL);
    cache.apply(event('tenancy.configuration.deleted', { level: 'GLOBAL', scopeId: null, key: 'theme', version: 3 }));
    expect(await values(cache, store)).toEqual(['set elsewhere', null]);
    expect(store.loads).toBe(3);
  });

  it('forgets everything on a configuration event it cannot read', async () => {
    const store = fakeStore();
    const cache = new ConfigurationCache();
    await values(cache, store);
    cache.apply(event('tenancy.configuration.set', { level: 'PLANET', scopeId: 'p', key: 'theme' }));
    expect(cache.size).toBe(0);
    await values(cache, store);
    cache.apply(event('tenancy.configuration.set', { level: 'GLOBAL', scopeId: 'not-null', key: 'theme' }));
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, forgetting the least recently used', async () => {
    const store = fakeStore();
    const cache = new ConfigurationCache({ maxEntries: 2 });
    const slot = (key: string): ConfigurationSlot => ({ level: 'GLOBAL', scopeId: null, key });
    await values(cache, store, [slot('a')]);
    await values(cache, store, [slot('b')]);
    await values(cache, store, [slot('a')]);
    await values(cache, store, [slot('c')]);
    expect(cache.size).toBe(2);
    store.loads = 0;
    await values(cache, store, [slot('a'), slot('c')]);
    expect(store.loads).toBe(0);
    await values(cache, store, [slot('b')]);
    expect(store.loads).toBe(1);
  });

  it('loads again once an entry is older than maxAgeMs, which bounds the damage of a lost event', async () => {
    const store = fakeStore();
    let now = 1_000;
    const cache = new ConfigurationCache({ maxAgeMs: 500, now: () => now });
    await values(cache, store, [TENANT]);
    store.put(TENANT, 'changed, event lost');
    now += 499;
    expect(await values(cache, store, [TENANT])).toEqual([null]);
    now += 1;
    expect(await values(cache, store, [TENANT])).toEqual(['changed, event lost']);
  });

  it('keeps nothing from a load that failed', async () => {
    const cache = new ConfigurationCache();
    await expect(cache.entriesAt([TENANT], () => Promise.reject(new Error('connection reset')))).rejects.toThrow('connection reset');
    expect(cache.size).toBe(0);
  });
});
