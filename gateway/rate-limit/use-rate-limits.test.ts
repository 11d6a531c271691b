import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Redis } from 'ioredis';
import type { RateLimitSettings } from '../../infrastructure/config/config';
import type { Principal } from '../../infrastructure/context/request-context';
import { ANONYMOUS } from '../../infrastructure/context/request-context';
import { CONTEXT_HEADER, verifyContext } from '../../infrastructure/context/signed-context';
import { LatticeError } from '../../infrastructure/errors/error-codes';
import { createDomainEvent, InProcessEventBus, type EventBus } from '../../infrastructure/events';
import { loggerOver, type LogFields, type LogLevel } from '../../infrastructure/logging/logger';
import { freePort } from '../../test/support/processes';
import { canReachRedis } from '../../test/support/redis-reachable';
import type { GatewayFeature } from '../core/feature';
import { useRateLimits, type RateLimitsOptions } from './use-rate-limits';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);
if (!redisReachable) {
  console.warn(`Redis rate-limit feature tests SKIPPED: no Redis at ${redisUrl}`);
}
const itWithRedis = redisReachable ? it : it.skip;

const ACME = '0193a1b2-0000-7000-8000-000000000001';
const GLOBEX = '0193a1b2-0000-7000-8000-000000000002';
const SECRET = randomBytes(32).toString('base64url');

/** Small buckets, so a test spends them in a few calls and never waits for a refill. */
const SETTINGS: RateLimitSettings = {
  enabled: true,
  tenant: { perSecond: 5, burst: 15 },
  user: { perSecond: 5, burst: 10 },
  apiKey: { perSecond: 3, burst: 6 },
  overridesTtlMs: 60_000,
};

const user = (id: string, tenantId: string | null = ACME): Principal => ({ kind: 'USER', subject: id, tenantId, roles: [], permissions: [] });
const apiKey = (id: string, tenantId = ACME): Principal => ({ kind: 'API_KEY', subject: id, tenantId, roles: [], permissions: [] });
const SYSTEM: Principal = { kind: 'SYSTEM', subject: 'identity', tenantId: null, roles: [], permissions: [] };

function recordingLogger() {
  const lines: { level: LogLevel; message: string; fields: LogFields }[] = [];
  return { lines, logger: loggerOver({ write: (level, message, fields) => lines.push({ level, message, fields }) }) };
}

/** What the `context` hook did with one request: let it through, or the error it threw. */
async function send(feature: GatewayFeature, principal: Principal, options: { ipAddress?: string | null; operationCount?: number; recheck?: boolean } = {}): Promise<'ok' | LatticeError> {
  const ipAddress = options.ipAddress ?? null;
  const input = {
    credentials: {},
    requestId: randomUUID(),
    ipAddress,
    userAgent: null,
    ...(options.operationCount === undefined ? {} : { operationCount: options.operationCount }),
    ...(options.recheck === undefined ? {} : { recheck: options.recheck }),
  };
  try {
    await feature.context!(input, { request: { principal, requestId: input.requestId, ipAddress, userAgent: null } });
    return 'ok';
  } catch (error) {
    if (error instanceof LatticeError) return error;
    throw error;
  }
}

async function sendEach(feature: GatewayFeature, principal: Principal, times: number, options: { ipAddress?: string | null; operationCount?: number; recheck?: boolean } = {}) {
  const outcomes: ('ok' | LatticeError)[] = [];
  for (let i = 0; i < times; i += 1) outcomes.push(await send(feature, principal, options));
  return outcomes;
}

const passed = (outcomes: readonly ('ok' | LatticeError)[]) => outcomes.filter((o) => o === 'ok').length;
const scopeOf = (outcome: 'ok' | LatticeError | undefined) => (outcome instanceof LatticeError ? outcome.extensions.scope : outcome);

/** tenancy as the gateway meets it: answers the overrides query with the values the test sets, checking who asks. */
async function standInTenancy(secret: string) {
  const stand = {
    values: new Map<string, Record<string, unknown>>(),
    asked: [] as { tenantId: unknown; principal: Principal }[],
    server: null as Server | null,
    url: '',
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: { tenantId?: string } };
  };
  stand.server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const verified = verifyContext(req.headers[CONTEXT_HEADER] as string | undefined, secret);
      if (!verified.ok) {
        res.writeHead(401).end(JSON.stringify({ errors: [{ message: verified.reason, extensions: { code: 'UNAUTHENTICATED' } }] }));
        return;
      }
      stand.asked.push({ tenantId: body.variables.tenantId, principal: verified.context.principal });
      const values = stand.values.get(body.variables.tenantId ?? '') ?? {};
      const aliases = [...body.query.matchAll(/(\w+): effectiveConfiguration/g)].map((m) => m[1]!);
      const data = Object.fromEntries(aliases.map((alias) => [alias, alias in values ? { value: values[alias] } : null]));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => stand.server!.listen(0, '127.0.0.1', resolve));
  stand.url = `http://127.0.0.1:${(stand.server.address() as { port: number }).port}/graphql`;
  return stand;
}

function configurationSet(key: string, tenantId: string) {
  return createDomainEvent({
    type: 'tenancy.configuration.set',
    source: 'tenancy',
    aggregateType: 'Configuration',
    aggregateId: `TENANT:${tenantId}:${key}`,
    aggregateVersion: 2,
    tenantId,
    actor: { kind: 'USER', id: 'admin' },
    requestId: null,
    data: { level: 'TENANT', scopeId: tenantId, key, version: 2 },
  });
}

describe('useRateLimits', () => {
  const features: GatewayFeature[] = [];
  const buses: EventBus[] = [];
  const servers: Server[] = [];
  const connections: Redis[] = [];

  afterEach(async () => {
    for (const made of features.splice(0)) if (made.stop) await made.stop();
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(connections.splice(0).map((c) => (c.status === 'end' ? Promise.resolve() : c.quit().then(() => undefined, () => c.disconnect()))));
  });

  async function feature(options: Partial<RateLimitsOptions> = {}): Promise<GatewayFeature> {
    const bus = options.bus ?? new InProcessEventBus();
    if (!options.bus) buses.push(bus);
    const made = await useRateLimits({ settings: SETTINGS, redis: null, namespace: 'test', tenancy: null, bus, logger: recordingLogger().logger, ...options });
    features.push(made);
    return made;
  }

  async function connect(): Promise<Redis> {
    const connection = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    connections.push(connection);
    await connection.connect();
    return connection;
  }

  it('adds no hooks when rate limiting is off (LATTICE_RATE_LIMIT=off)', async () => {
    expect(await feature({ settings: { ...SETTINGS, enabled: false } })).toEqual({ name: 'rate-limits' });
  });

  it('refuses a user past their burst with RATE_LIMITED, naming the bucket, its size and when to come back', async () => {
    const limits = await feature();
    const outcomes = await sendEach(limits, user('u1'), 11);
    expect(passed(outcomes.slice(0, 10))).toBe(10);
    const refusal = outcomes[10] as LatticeError;
    expect(refusal).toBeInstanceOf(LatticeError);
    expect(refusal.message).toBe('rate limit exceeded for this user: 5 requests per second (burst 10); retry after 1 s');
    expect(refusal.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1, limit: 5, burst: 10, scope: 'user' });
  });

  it('gives two users of one tenant a budget each, and one tenant budget between them', async () => {
    const limits = await feature();
    const first = await sendEach(limits, user('u1'), 11);
    expect(passed(first)).toBe(10);
    expect(scopeOf(first[10])).toBe('user');
    // The tenant's 15 minus the first user's 10; the first user's refusal took nothing from the tenant.
    const second = await sendEach(limits, user('u2'), 6);
    expect(passed(second)).toBe(5);
    expect(second[5]).toMatchObject({ message: 'rate limit exceeded for this tenant: 5 requests per second (burst 15); retry after 1 s', extensions: { scope: 'tenant' } });
    // Another tenant's user is untouched.
    expect(passed(await sendEach(limits, user('u3', GLOBEX), 10))).toBe(10);
  });

  it('charges a JSON-array batch one token per operation', async () => {
    const limits = await feature();
    expect(await send(limits, user('u1'), { operationCount: 4 })).toBe('ok');
    expect(await send(limits, user('u1'), { operationCount: 4 })).toBe('ok');
    expect(scopeOf(await send(limits, user('u1'), { operationCount: 3 }))).toBe('user');
  });

  it("charges nothing for a subscription's re-check before each event, only for its connection", async () => {
    const limits = await feature();
    expect(passed(await sendEach(limits, user('u1'), 50, { recheck: true }))).toBe(50);
    expect(passed(await sendEach(limits, user('u1'), 11))).toBe(10);
  });

  it('counts an IPv6 client by its /64, so rotating addresses within it gets no fresh bucket', async () => {
    const limits = await feature();
    const outcomes: ('ok' | LatticeError)[] = [];
    for (let i = 0; i < 11; i += 1) outcomes.push(await send(limits, ANONYMOUS, { ipAddress: `2001:db8:1:2::${(i + 1).toString(16)}` }));
    expect(passed(outcomes)).toBe(10);
    expect(passed(await sendEach(limits, ANONYMOUS, 1, { ipAddress: '2001:db8:1:3::1' }))).toBe(1);
  });

  it('never limits SYSTEM callers', async () => {
    const limits = await feature();
    expect(passed(await sendEach(limits, SYSTEM, 100))).toBe(100);
  });

  it('limits an API key by its own id, with the API key settings', async () => {
    const limits = await feature();
    const outcomes = await sendEach(limits, apiKey('k1'), 7);
    expect(passed(outcomes)).toBe(6);
    expect(outcomes[6]).toMatchObject({ message: 'rate limit exceeded for this API key: 3 requests per second (burst 6); retry after 1 s', extensions: { scope: 'api_key', limit: 3, burst: 6 } });
  });

  it('limits anonymous callers by client address, with the user settings', async () => {
    const limits = await feature();
    const outcomes = await sendEach(limits, ANONYMOUS, 11, { ipAddress: '203.0.113.7' });
    expect(passed(outcomes)).toBe(10);
    expect(outcomes[10]).toMatchObject({ extensions: { scope: 'address', limit: 5, burst: 10 } });
    expect(passed(await sendEach(limits, ANONYMOUS, 10, { ipAddress: '203.0.113.8' }))).toBe(10);
  });

  itWithRedis("gives a user one budget across two gateway replicas on one Redis, apart from another deployment's", async () => {
    const namespace = `lattice-test-${randomUUID()}`;
    const replicas = [await feature({ redis: await connect(), namespace }), await feature({ redis: await connect(), namespace })];
    const outcomes: ('ok' | LatticeError)[] = [];
    for (let i = 0; i < 14; i += 1) outcomes.push(await send(replicas[i % 2]!, user('u1')));
    expect(passed(outcomes)).toBe(10);
    expect(outcomes.slice(10).map(scopeOf)).toEqual(['user', 'user', 'user', 'user']);
    const elsewhere = await feature({ redis: await connect(), namespace: `lattice-test-${randomUUID()}` });
    expect(passed(await sendEach(elsewhere, user('u1'), 10))).toBe(10);
  });

  it('lets requests through while Redis is unreachable, with one warning however many requests', async () => {
    const unreachable = new Redis(await freePort(), '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => undefined);
    connections.push(unreachable);
    const { logger, lines } = recordingLogger();
    const limits = await feature({ redis: unreachable, logger });
    expect(passed(await sendEach(limits, user('u1'), 10))).toBe(10);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'rate limits: Redis is not answering; each gateway replica counts the buckets in its own memory until it does',
    ]);
  });

  it("reads a tenant's overrides from tenancy as the SYSTEM caller gateway, and asks again when a gateway.rate_limit. key changes", async () => {
    const tenancy = await standInTenancy(SECRET);
    servers.push(tenancy.server!);
    tenancy.values.set(ACME, { userBurst: 20 });
    const bus = new InProcessEventBus();
    buses.push(bus);
    const limits = await feature({ bus, tenancy: { graphqlUrl: () => tenancy.url, contextSecret: SECRET }, settings: { ...SETTINGS, tenant: { perSecond: 1_000, burst: 1_000 } } });

    const raised = await sendEach(limits, user('u1'), 21);
    expect(passed(raised)).toBe(20);
    expect(raised[20]).toMatchObject({ extensions: { scope: 'user', limit: 5, burst: 20 } });
    expect(tenancy.asked).toHaveLength(1);
    expect(tenancy.asked[0]).toMatchObject({ tenantId: ACME, principal: { kind: 'SYSTEM', subject: 'gateway', tenantId: null } });
    expect([...tenancy.asked[0]!.principal.permissions].sort()).toEqual(['config:read', 'platform:admin']);

    tenancy.values.set(ACME, { userBurst: 30, userPerSecond: 10 });
    await bus.publish(configurationSet('gateway.rate_limit.user_burst', ACME));
    // Delivery is asynchronous: each probe is a new user, so only the overrides decide its budget.
    for (let probe = 0; tenancy.asked.length < 2; probe += 1) {
      expect(probe).toBeLessThan(100);
      await send(limits, user(`probe-${probe}`));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const again = await sendEach(limits, user('u2'), 31);
    expect(passed(again)).toBe(30);
    expect(again[30]).toMatchObject({ extensions: { scope: 'user', limit: 10, burst: 30 } });
  });

  it('stops hearing configuration events once stopped', async () => {
    const tenancy = await standInTenancy(SECRET);
    servers.push(tenancy.server!);
    const bus = new InProcessEventBus();
    buses.push(bus);
    const limits = await feature({ bus, tenancy: { graphqlUrl: () => tenancy.url, contextSecret: SECRET } });
    await send(limits, user('u1'));
    await limits.stop!();
    await bus.publish(configurationSet('gateway.rate_limit.user_burst', ACME));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send(limits, user('u1'));
    expect(tenancy.asked).toHaveLength(1);
  });

  it('runs on the defaults, refusing nothing for it, while tenancy cannot answer', async () => {
    const { logger, lines } = recordingLogger();
    const down = `http://127.0.0.1:${await freePort()}/graphql`;
    const limits = await feature({ logger, tenancy: { graphqlUrl: () => down, contextSecret: SECRET } });
    const outcomes = await sendEach(limits, user('u1'), 11);
    expect(passed(outcomes)).toBe(10);
    expect(outcomes[10]).toMatchObject({ extensions: { scope: 'user', burst: 10 } });
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields.tenantId)).toEqual([ACME]);
  });
});
