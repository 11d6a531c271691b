import { createDomainEvent, type DomainEvent } from '../../infrastructure/events';
import { errors } from '../../infrastructure/errors/error-codes';
import { loggerOver, type LogLevel } from '../../infrastructure/logging/logger';
import { RateLimitOverridesCache } from './overrides-cache';
import { NO_OVERRIDES, type RateLimitOverrides } from './rate-limit-overrides';

const ACME = '0193a1b2-0000-7000-8000-000000000001';
const GLOBEX = '0193a1b2-0000-7000-8000-000000000002';

/** What tenancy's configuration service publishes: the slot, never the value. */
function configurationEvent(type: 'tenancy.configuration.set' | 'tenancy.configuration.deleted', key: string, scope: { level: string; tenantId: string | null }): DomainEvent {
  return createDomainEvent({
    type,
    source: 'tenancy',
    aggregateType: 'Configuration',
    aggregateId: `${scope.level}:${scope.tenantId ?? 'global'}:${key}`,
    aggregateVersion: 1,
    tenantId: scope.tenantId,
    actor: { kind: 'USER', id: 'admin' },
    requestId: null,
    data: { level: scope.level, scopeId: scope.tenantId, key, version: 1 },
  });
}

/** A tenancy stand-in whose answers the test controls, counting every question per tenant. */
function fakeTenancy() {
  const pending: (() => void)[] = [];
  const fake = {
    asked: [] as string[],
    answers: new Map<string, RateLimitOverrides>([[ACME, { user: { burst: 400 } }]]),
    hold: false,
    failWith: null as Error | null,
    release: () => pending.splice(0).forEach((resolve) => resolve()),
    fetch: async (tenantId: string): Promise<RateLimitOverrides> => {
      fake.asked.push(tenantId);
      const snapshot = fake.answers.get(tenantId) ?? NO_OVERRIDES;
      if (fake.hold) await new Promise<void>((resolve) => pending.push(resolve));
      if (fake.failWith) throw fake.failWith;
      return snapshot;
    },
  };
  return fake;
}

function cacheOver(tenancy: ReturnType<typeof fakeTenancy>) {
  const clock = { now: 1_000_000 };
  const warnings: string[] = [];
  const logger = loggerOver({ write: (level: LogLevel, message) => void (level === 'warn' && warnings.push(message)) });
  const cache = new RateLimitOverridesCache(tenancy.fetch, { ttlMs: 60_000, retryMs: 5_000, maxEntries: 100, logger, now: () => clock.now });
  return { cache, clock, warnings };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the gateway rate-limit overrides cache', () => {
  it('sends one question to tenancy however many requests of a tenant wait on it', async () => {
    const tenancy = fakeTenancy();
    tenancy.hold = true;
    const { cache } = cacheOver(tenancy);
    const answers = Promise.all(Array.from({ length: 20 }, () => cache.overridesFor(ACME)));
    await tick();
    tenancy.release();
    expect(new Set(await answers)).toEqual(new Set([{ user: { burst: 400 } }]));
    expect(tenancy.asked).toEqual([ACME]);
  });

  it('keeps an answer for the TTL, then asks again', async () => {
    const tenancy = fakeTenancy();
    const { cache, clock } = cacheOver(tenancy);
    await cache.overridesFor(ACME);
    clock.now += 59_999;
    await cache.overridesFor(ACME);
    expect(tenancy.asked).toHaveLength(1);
    clock.now += 1;
    tenancy.answers.set(ACME, { user: { burst: 800 } });
    await expect(cache.overridesFor(ACME)).resolves.toEqual({ user: { burst: 800 } });
    expect(tenancy.asked).toHaveLength(2);
  });

  it.each(['tenancy.configuration.set', 'tenancy.configuration.deleted'] as const)('forgets only that tenant when %s names a gateway.rate_limit. key of it', async (type) => {
    const tenancy = fakeTenancy();
    const { cache } = cacheOver(tenancy);
    await Promise.all([cache.overridesFor(ACME), cache.overridesFor(GLOBEX)]);
    tenancy.answers.set(ACME, { user: { burst: 900 } });
    cache.apply(configurationEvent(type, 'gateway.rate_limit.user_burst', { level: 'TENANT', tenantId: ACME }));
    await expect(cache.overridesFor(ACME)).resolves.toEqual({ user: { burst: 900 } });
    await cache.overridesFor(GLOBEX);
    expect(tenancy.asked).toEqual([ACME, GLOBEX, ACME]);
  });

  it('forgets every tenant when a GLOBAL gateway.rate_limit. value changes, since it is every tenant’s fallback', async () => {
    const tenancy = fakeTenancy();
    const { cache } = cacheOver(tenancy);
    await Promise.all([cache.overridesFor(ACME), cache.overridesFor(GLOBEX)]);
    cache.apply(configurationEvent('tenancy.configuration.set', 'gateway.rate_limit.tenant_per_second', { level: 'GLOBAL', tenantId: null }));
    await Promise.all([cache.overridesFor(ACME), cache.overridesFor(GLOBEX)]);
    expect(tenancy.asked).toEqual([ACME, GLOBEX, ACME, GLOBEX]);
  });

  it('keeps what it has when another configuration key changes', async () => {
    const tenancy = fakeTenancy();
    const { cache } = cacheOver(tenancy);
    await cache.overridesFor(ACME);
    cache.apply(configurationEvent('tenancy.configuration.set', 'billing.invoice-prefix', { level: 'TENANT', tenantId: ACME }));
    cache.apply(configurationEvent('tenancy.configuration.set', 'gateway.timeouts', { level: 'GLOBAL', tenantId: null }));
    await cache.overridesFor(ACME);
    expect(tenancy.asked).toEqual([ACME]);
  });

  it('does not keep an answer read before a change arrived, and asks again on the next request', async () => {
    const tenancy = fakeTenancy();
    tenancy.hold = true;
    const { cache } = cacheOver(tenancy);
    const stale = cache.overridesFor(ACME);
    await tick();
    cache.apply(configurationEvent('tenancy.configuration.set', 'gateway.rate_limit.user_burst', { level: 'TENANT', tenantId: ACME }));
    tenancy.hold = false;
    tenancy.answers.set(ACME, { user: { burst: 900 } });
    const fresh = cache.overridesFor(ACME);
    tenancy.release();
    await expect(stale).resolves.toEqual({ user: { burst: 400 } });
    await expect(fresh).resolves.toEqual({ user: { burst: 900 } });
    await expect(cache.overridesFor(ACME)).resolves.toEqual({ user: { burst: 900 } });
    expect(tenancy.asked).toEqual([ACME, ACME]);
  });

  it('answers the defaults while tenancy cannot answer, warns, and asks again only after retryMs', async () => {
    const tenancy = fakeTenancy();
    tenancy.failWith = errors.unavailable('the tenancy service is not reachable; try again shortly');
    const { cache, clock, warnings } = cacheOver(tenancy);
    await expect(cache.overridesFor(ACME)).resolves.toBe(NO_OVERRIDES);
    await expect(cache.overridesFor(ACME)).resolves.toBe(NO_OVERRIDES);
    expect(tenancy.asked).toHaveLength(1);
    expect(warnings).toEqual([`cannot read the rate-limit overrides of tenant ${ACME}; the default limits apply for 5000 ms`]);
    tenancy.failWith = null;
    clock.now += 5_000;
    await expect(cache.overridesFor(ACME)).resolves.toEqual({ user: { burst: 400 } });
    expect(tenancy.asked).toHaveLength(2);
  });
});
