import { errors } from '../../infrastructure/errors/error-codes';
import { createDomainEvent, type DomainEvent } from '../../infrastructure/events';
import { ConnectivityState } from '../../infrastructure/events/bus-connectivity';
import { requireActiveTenant } from './require-active-tenant';
import { TenantStatusCache, type TenantStatusEntry } from './tenant-status-cache';

const ACME = '0193a1b2-0000-7000-8000-000000000001';
const GLOBEX = '0193a1b2-0000-7000-8000-000000000002';

function tenantEvent(type: string, tenantId: string, version: number, data: Record<string, unknown> = { slug: 'acme' }): DomainEvent {
  return createDomainEvent({
    type,
    source: 'tenancy',
    aggregateType: 'Tenant',
    aggregateId: tenantId,
    aggregateVersion: version,
    tenantId,
    actor: { kind: 'USER', id: 'admin' },
    requestId: null,
    data,
  });
}

/** A tenancy stand-in whose answers the test controls, counting every question. */
function fakeTenancy(initial: Record<string, TenantStatusEntry['status']> = { [ACME]: 'ACTIVE' }) {
  const statuses = new Map(Object.entries(initial));
  const pending: (() => void)[] = [];
  const fake = {
    calls: 0,
    hold: false,
    failWith: null as Error | null,
    statuses,
    release: () => pending.splice(0).forEach((resolve) => resolve()),
    fetch: async (id: string): Promise<TenantStatusEntry | null> => {
      fake.calls += 1;
      const snapshot = statuses.get(id);
      if (fake.hold) await new Promise<void>((resolve) => pending.push(resolve));
      if (fake.failWith) throw fake.failWith;
      return snapshot ? { id, slug: id === ACME ? 'acme' : 'globex', status: snapshot } : null;
    },
  };
  return fake;
}

const user = (tenantId: string | null) => ({ kind: 'USER' as const, subject: 'u1', tenantId, roles: [], permissions: [] });

describe('the gateway tenant status cache', () => {
  it('asks tenancy once, then answers from memory', async () => {
    const tenancy = fakeTenancy();
    const cache = new TenantStatusCache(tenancy.fetch);
    await expect(cache.statusOf(ACME)).resolves.toEqual({ id: ACME, slug: 'acme', status: 'ACTIVE' });
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'ACTIVE' });
    expect(tenancy.calls).toBe(1);
  });

  it('sends one question to tenancy however many requests miss on the same tenant at once', async () => {
    const tenancy = fakeTenancy();
    tenancy.hold = true;
    const cache = new TenantStatusCache(tenancy.fetch);
    const answers = Promise.all(Array.from({ length: 20 }, () => cache.statusOf(ACME)));
    await new Promise((r) => setImmediate(r));
    tenancy.release();
    expect((await answers).map((a) => a?.status)).toEqual(Array(20).fill('ACTIVE'));
    expect(tenancy.calls).toBe(1);
  });

  it('fails closed with SERVICE_UNAVAILABLE when tenancy cannot answer, and asks again next time', async () => {
    const tenancy = fakeTenancy();
    tenancy.failWith = new Error('connect ECONNREFUSED 10.0.0.7:4002');
    const cache = new TenantStatusCache(tenancy.fetch);
    const refusal = cache.statusOf(ACME);
    await expect(refusal).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    // The internal address never reaches the caller.
    await expect(refusal).rejects.not.toMatchObject({ message: expect.stringContaining('10.0.0.7') });
    tenancy.failWith = null;
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'ACTIVE' });
    expect(tenancy.calls).toBe(2);
  });

  it('keeps the message of a SERVICE_UNAVAILABLE the fetcher already shaped', async () => {
    const tenancy = fakeTenancy();
    tenancy.failWith = errors.unavailable('the tenancy service could not answer; try again shortly');
    await expect(new TenantStatusCache(tenancy.fetch).statusOf(ACME)).rejects.toThrow('the tenancy service could not answer; try again shortly');
  });

  it('turns a suspended event into SUSPENDED and a reactivated event back into ACTIVE, without asking tenancy', async () => {
    const tenancy = fakeTenancy();
    const cache = new TenantStatusCache(tenancy.fetch);
    await cache.statusOf(ACME);
    cache.apply(tenantEvent('tenancy.tenant.suspended', ACME, 2));
    await expect(cache.statusOf(ACME)).resolves.toEqual({ id: ACME, slug: 'acme', status: 'SUSPENDED' });
    cache.apply(tenantEvent('tenancy.tenant.reactivated', ACME, 3));
    await expect(cache.statusOf(ACME)).resolves.toEqual({ id: ACME, slug: 'acme', status: 'ACTIVE' });
    expect(tenancy.calls).toBe(1);
  });

  it('learns a new tenant from its created event', async () => {
    const tenancy = fakeTenancy({});
    const cache = new TenantStatusCache(tenancy.fetch);
    cache.apply(tenantEvent('tenancy.tenant.created', GLOBEX, 1, { slug: 'globex', name: 'Globex', status: 'ACTIVE' }));
    await expect(cache.statusOf(GLOBEX)).resolves.toEqual({ id: GLOBEX, slug: 'globex', status: 'ACTIVE' });
    expect(tenancy.calls).toBe(0);
  });

  it('lets an event that arrives while a fetch is out win over what the fetch read', async () => {
    const tenancy = fakeTenancy();
    tenancy.hold = true;
    const cache = new TenantStatusCache(tenancy.fetch);
    const answer = cache.statusOf(ACME);
    await new Promise((r) => setImmediate(r));
    // The fetch read ACTIVE; the suspension commits and its event overtakes the reply.
    cache.apply(tenantEvent('tenancy.tenant.suspended', ACME, 2));
    tenancy.release();
    await expect(answer).resolves.toMatchObject({ status: 'SUSPENDED' });
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
  });

  it('ignores an older event delivered after a newer one', async () => {
    const cache = new TenantStatusCache(fakeTenancy().fetch);
    cache.apply(tenantEvent('tenancy.tenant.suspended', ACME, 4));
    cache.apply(tenantEvent('tenancy.tenant.reactivated', ACME, 3));
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
  });

  it('forgets a tenant on a tenant event it cannot read, and ignores events of other aggregates', async () => {
    const tenancy = fakeTenancy();
    const cache = new TenantStatusCache(tenancy.fetch);
    await cache.statusOf(ACME);
    cache.apply(tenantEvent('identity.user.created', ACME, 9, { slug: 'acme' }));
    await cache.statusOf(ACME);
    expect(tenancy.calls).toBe(1);
    cache.apply(tenantEvent('tenancy.tenant.renamed', ACME, 2, { slug: 'acme', name: 'New' }));
    tenancy.statuses.set(ACME, 'SUSPENDED');
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
    expect(tenancy.calls).toBe(2);
  });

  it('asks tenancy again after invalidate', async () => {
    const tenancy = fakeTenancy();
    const cache = new TenantStatusCache(tenancy.fetch);
    await cache.statusOf(ACME);
    tenancy.statuses.set(ACME, 'SUSPENDED');
    cache.invalidate(ACME);
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
  });

  it('does not remember a tenant tenancy does not know', async () => {
    const tenancy = fakeTenancy({});
    const cache = new TenantStatusCache(tenancy.fetch);
    await expect(cache.statusOf(GLOBEX)).resolves.toBeNull();
    await expect(cache.statusOf(GLOBEX)).resolves.toBeNull();
    expect(tenancy.calls).toBe(2);
  });

  it('holds at most maxEntries tenants, evicting the least recently used', async () => {
    const ids = ['a', 'b', 'c'].map((n) => `0193a1b2-0000-7000-8000-00000000000${n}`);
    const tenancy = fakeTenancy(Object.fromEntries(ids.map((id) => [id, 'ACTIVE'])));
    const cache = new TenantStatusCache(tenancy.fetch, { maxEntries: 2 });
    await cache.statusOf(ids[0]!);
    await cache.statusOf(ids[1]!);
    await cache.statusOf(ids[0]!); // a is now the most recently used
    await cache.statusOf(ids[2]!); // evicts b
    expect(cache.size).toBe(2);
    tenancy.calls = 0;
    await cache.statusOf(ids[0]!);
    expect(tenancy.calls).toBe(0);
    await cache.statusOf(ids[1]!);
    expect(tenancy.calls).toBe(1);
  });
});

describe('the gateway tenant status cache while the event bus is down', () => {
  const WINDOW_MS = 5_000;

  /** A cache on a bus whose connection and clock the test moves; ACME was confirmed ACTIVE at t = 0. */
  async function confirmedCache(tenancy = fakeTenancy()) {
    const clock = { now: 0 };
    const bus = new ConnectivityState({ now: () => clock.now });
    const cache = new TenantStatusCache(tenancy.fetch, { connectivity: bus, outageWindowMs: WINDOW_MS, now: () => clock.now });
    await cache.statusOf(ACME);
    return { cache, bus, clock, tenancy };
  }

  it('a suspended tenant is refused within the window while the bus is down, though the event never came', async () => {
    const { cache, bus, clock, tenancy } = await confirmedCache();
    clock.now = 1_000;
    bus.markDisconnected();
    tenancy.statuses.set(ACME, 'SUSPENDED'); // suspended on another replica; its event is lost

    clock.now = WINDOW_MS; // still within the window of the last confirmation: served from memory
    await expect(requireActiveTenant(user(ACME), cache)).resolves.toBeUndefined();
    clock.now = WINDOW_MS + 1;
    await expect(requireActiveTenant(user(ACME), cache)).rejects.toMatchObject({ extensions: { code: 'TENANT_SUSPENDED' } });
    expect(tenancy.calls).toBe(2);
  });

  it('fails closed with SERVICE_UNAVAILABLE while the bus is down and tenancy cannot answer, never answering from old memory', async () => {
    const { cache, bus, clock, tenancy } = await confirmedCache();
    bus.markDisconnected();
    clock.now = WINDOW_MS + 1;
    tenancy.failWith = new Error('connect ECONNREFUSED');
    await expect(cache.statusOf(ACME)).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it('asks tenancy once per tenant and window while the bus is down, however many requests wait', async () => {
    const { cache, bus, clock, tenancy } = await confirmedCache();
    bus.markDisconnected();
    clock.now = WINDOW_MS + 1;
    tenancy.hold = true;
    const answers = Promise.all(Array.from({ length: 10 }, () => cache.statusOf(ACME)));
    await new Promise((r) => setImmediate(r));
    tenancy.release();
    expect((await answers).map((a) => a?.status)).toEqual(Array(10).fill('ACTIVE'));
    clock.now = 2 * WINDOW_MS; // the fresh answer is trusted for its own window
    await cache.statusOf(ACME);
    expect(tenancy.calls).toBe(2);
  });

  it('asks tenancy again about every tenant it knew once the bus reconnects, since events of the gap may be lost', async () => {
    const { cache, bus, clock, tenancy } = await confirmedCache();
    clock.now = 1_000;
    bus.markDisconnected();
    tenancy.statuses.set(ACME, 'SUSPENDED');
    clock.now = 2_000; // back before the window ran out, so nothing was asked during the outage
    bus.markConnected();

    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
    clock.now = 10 * WINDOW_MS; // connected again: trusted until an event says otherwise
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
    expect(tenancy.calls).toBe(2);
  });

  it('trusts what an event says after the reconnect without asking', async () => {
    const { cache, bus, clock, tenancy } = await confirmedCache();
    bus.markDisconnected();
    clock.now = 3_000;
    bus.markConnected();
    cache.apply(tenantEvent('tenancy.tenant.suspended', ACME, 2));
    await expect(cache.statusOf(ACME)).resolves.toMatchObject({ status: 'SUSPENDED' });
    expect(tenancy.calls).toBe(1);
  });
});

describe('the active-tenant check', () => {
  it('lets platform users and anonymous callers through without asking', async () => {
    const tenancy = fakeTenancy();
    await expect(requireActiveTenant(user(null), new TenantStatusCache(tenancy.fetch))).resolves.toBeUndefined();
    expect(tenancy.calls).toBe(0);
  });

  it('refuses a suspended tenant with TENANT_SUSPENDED naming its slug', async () => {
    const cache = new TenantStatusCache(fakeTenancy({ [ACME]: 'SUSPENDED' }).fetch);
    await expect(requireActiveTenant(user(ACME), cache)).rejects.toMatchObject({
      message: expect.stringContaining('"acme" is suspended'),
      extensions: { code: 'TENANT_SUSPENDED' },
    });
  });

  it('refuses a token naming a tenant that does not exist with UNAUTHENTICATED', async () => {
    const cache = new TenantStatusCache(fakeTenancy({}).fetch);
    await expect(requireActiveTenant(user(GLOBEX), cache)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});
