import { randomUUID } from 'node:crypto';
import { ACCESS_CHECK_ROUTE } from '../../infrastructure/authorization/access-check';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { TEST_REDIS_URL } from '../support/infrastructure';
import { distributedAvailable } from '../support/modes';
import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import type { ServiceProcess } from '../support/processes';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const ME = '{ me { email } }';
const SUSPEND = 'mutation($input: SuspendTenantInput!) { suspendTenant(input: $input) { status } }';
const REACTIVATE = 'mutation($input: ReactivateTenantInput!) { reactivateTenant(input: $input) { status } }';

/** Gateway B's LATTICE_BUS_OUTAGE_WINDOW_MS: shorter than the default so the file stays fast. */
const WINDOW_MS = 2_000;
/** A cut connection is noticed at once ('close'); a stalled one within the heartbeat's 1 s. */
const DETECTION_BOUND_MS = 1_000;
const POLL_MS = 150;

const DISCONNECTED_LOG = 'event bus subscriber disconnected; caches built on its events re-check with their owners';
const RECONNECTED_LOG = 'event bus subscriber reconnected; events published during the gap may have been lost';

const distributed = distributedAvailable();

(distributed ? describe : describe.skip)("a gateway whose event bus is down (distributed mode, gateway B's Redis through a proxy)", () => {
  let proxy: TcpProxy;
  let platform: RunningPlatform;
  let gatewayA: string;
  let gatewayB: string;
  let processB: ServiceProcess;
  let admin: string;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    platform = await startDistributedPlatform({
      extraGateways: 1,
      extraGatewayEnv: [{ REDIS_URL: proxy.url(TEST_REDIS_URL), LATTICE_BUS_OUTAGE_WINDOW_MS: String(WINDOW_MS) }],
    });
    [gatewayA, gatewayB] = [platform.graphqlUrl, platform.extraGateways![0]!];
    // The platform's processes end with its gateways: B is the last.
    processB = platform.processes[platform.processes.length - 1]!;
    admin = await signInAsAdmin(gatewayA);
    acme = await createTenantWithAdmin(gatewayA, admin);
  }, 120_000);

  afterAll(async () => {
    proxy?.restore();
    await platform?.destroy();
    await proxy?.close();
  });

  /** How many times B logged `msg`: each outage logs one disconnect and one reconnect. */
  const logCount = (msg: string) => processB.output().split('\n').filter((line) => line.includes(`"msg":"${msg}"`)).length;
  const eventually = async (condition: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Cuts B's Redis and waits until B says so, resolving with when the cut was made. */
  const cutB = async () => {
    const disconnects = logCount(DISCONNECTED_LOG);
    const at = Date.now();
    proxy.cut();
    await eventually(() => logCount(DISCONNECTED_LOG) > disconnects, DETECTION_BOUND_MS + 1_000, 'gateway B to notice the cut');
    return at;
  };
  const restoreB = async () => {
    const reconnects = logCount(RECONNECTED_LOG);
    proxy.restore();
    await eventually(() => logCount(RECONNECTED_LOG) > reconnects, 10_000, 'gateway B to reconnect to Redis');
  };

  afterEach(async () => {
    // A test that failed mid-outage leaves B reconnected for the next one.
    if (logCount(DISCONNECTED_LOG) > logCount(RECONNECTED_LOG)) await restoreB();
  });

  /** Asks B every POLL_MS until `done`, for at most `boundMs`; the answer and how long after `since` it came. */
  const pollB = async (token: string, done: (r: GraphQLResponse) => boolean, since: number, boundMs: number) => {
    for (;;) {
      const response = await graphql(gatewayB, ME, {}, bearer(token));
      const elapsedMs = Date.now() - since;
      if (done(response) || elapsedMs > boundMs) return { response, elapsedMs };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };

  it('refuses a tenant suspended while its Redis connection is down within the window, not after Redis returns, and resynchronizes on reconnect', async () => {
    const served = await graphql(gatewayB, ME, {}, bearer(acme.admin.token));
    expect(served.data).toEqual({ me: { email: acme.admin.email } });

    const cutAt = await cutB();
    const suspended = await graphql(gatewayA, SUSPEND, { input: { id: acme.tenant.id, reason: 'unpaid invoices' } }, bearer(admin));
    expect(suspended.data).toEqual({ suspendTenant: { status: 'SUSPENDED' } });
    const suspendedAt = Date.now();

    const { response, elapsedMs } = await pollB(acme.admin.token, (r) => codesOf(r).includes('TENANT_SUSPENDED'), suspendedAt, WINDOW_MS + DETECTION_BOUND_MS);
    console.log(`gateway B refused the tenant suspended during its Redis outage ${elapsedMs} ms after suspendTenant returned (${Date.now() - cutAt} ms into the outage; window ${WINDOW_MS} ms)`);
    expect(response.status).toBe(403);
    expect(codesOf(response)).toEqual(['TENANT_SUSPENDED']);
    expect(elapsedMs).toBeLessThanOrEqual(WINDOW_MS + DETECTION_BOUND_MS);
    expect(logCount(RECONNECTED_LOG)).toBe(0); // Redis was still away: the window did it, not the event

    // Reactivated while B is still cut: its event is lost, and B, asked nothing meanwhile, still holds SUSPENDED.
    const reactivated = await graphql(gatewayA, REACTIVATE, { input: { id: acme.tenant.id } }, bearer(admin));
    expect(reactivated.data).toEqual({ reactivateTenant: { status: 'ACTIVE' } });
    await restoreB();
    // Connected again, nothing would ever correct B's memory but the reconnect: it re-checks what it knew before.
    const afterReconnect = await pollB(acme.admin.token, (r) => r.status === 200, Date.now(), 1_000);
    expect(afterReconnect.response.data).toEqual({ me: { email: acme.admin.email } });
  });

  it("refuses a session signed out through another gateway while its Redis connection is down, and keeps serving the user's other session", async () => {
    const email = `${unique('member')}@example.test`;
    const created = await graphql(gatewayA, CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'Member', password: PASSWORD } }, bearer(acme.admin.token));
    expect(created.errors).toBeUndefined();
    const [leaving, staying] = [await signIn(gatewayA, email, PASSWORD, acme.tenant.slug), await signIn(gatewayA, email, PASSWORD, acme.tenant.slug)];
    expect((await graphql(gatewayB, ME, {}, bearer(leaving))).status).toBe(200);

    await cutB();
    expect((await graphql(gatewayA, 'mutation { signOut }', {}, bearer(leaving))).data).toEqual({ signOut: true });
    const signedOutAt = Date.now();

    const { response, elapsedMs } = await pollB(leaving, (r) => codesOf(r).includes('UNAUTHENTICATED'), signedOutAt, WINDOW_MS + DETECTION_BOUND_MS);
    console.log(`gateway B refused the session signed out during its Redis outage ${elapsedMs} ms after signOut returned`);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.message).toBe('this session has ended; sign in again');
    expect((await graphql(gatewayB, ME, {}, bearer(staying))).data).toEqual({ me: { email } });
    await restoreB();
  });

  it("answers identity's access check only to a Lattice service", async () => {
    const ask = (headers: Record<string, string>, body: unknown) =>
      fetch(`${platform.subgraphs.identity}${ACCESS_CHECK_ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const ids = { userId: acme.admin.id, sessionId: randomUUID() };
    expect((await ask({}, ids)).status).toBe(401);
    const system = signContext({ principal: { kind: 'SYSTEM', subject: 'gateway', tenantId: null, roles: [], permissions: [] }, requestId: randomUUID(), ipAddress: null, userAgent: 'test' }, platform.contextSecret);
    const unknownSession = await ask({ [CONTEXT_HEADER]: system }, ids);
    expect(await unknownSession.json()).toEqual({ live: false, reason: 'session-ended' });
    const malformed = await ask({ [CONTEXT_HEADER]: system }, { userId: 'me', sessionId: ids.sessionId });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });
});
