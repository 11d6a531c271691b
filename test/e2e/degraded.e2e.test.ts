import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ADMIN_PASSWORD, startDistributedPlatform, type RunningPlatform } from '../support/platform';
import type { ServiceProcess } from '../support/processes';
import { testInfrastructure } from '../support/infrastructure';
import { bearer, codesOf, graphql } from '../support/graphql-client';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';
import { distributedAvailable } from '../support/modes';

const distributed = distributedAvailable();

(distributed ? describe : describe.skip)('the gateway when a subgraph is down (distributed mode)', () => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  const namespace = `test-${randomBytes(4).toString('hex')}`;

  /** The JSON log lines a process wrote so far. */
  const logLines = (process: ServiceProcess): Record<string, unknown>[] =>
    process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  /** Waits for the log line `match` picks (a line reaches the harness a moment after the answer it describes). */
  const waitForLine = async (process: ServiceProcess, match: (line: Record<string, unknown>) => boolean, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logLines(process).filter(match);
      if (found.length > 0 || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const serviceProcess = (entry: string) => platform.processes.find((p) => p.child.spawnargs.some((arg) => arg.endsWith(entry)))!;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ env: { LATTICE_EVENT_NAMESPACE: namespace } });
    const adminToken = await signInAsAdmin(platform.graphqlUrl);
    [acme, globex] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, adminToken), createTenantWithAdmin(platform.graphqlUrl, adminToken)]);
    // A restarted gateway knows no tenant's status; acme's is learnt again before tenancy goes down, globex's is not.
    platform = await platform.restart();
    expect((await graphql(platform.graphqlUrl, '{ me { email } }', {}, bearer(acme.admin.token))).status).toBe(200);
    const tenancy = platform.processes.find((p) => p.child.spawnargs.some((arg) => arg.endsWith('subgraphs/tenancy/main.js')));
    expect(await tenancy!.stop()).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  // First, while tenancy's circuit is still closed: this request's fetch really goes out and fails.
  it('logs one access line for the request (subgraphs called, outcome, codes) and the failed fetch once, with its cause', async () => {
    const requestId = randomUUID();
    const response = await graphql(platform.graphqlUrl, 'query Dashboard { me { email tenant { name } } }', {}, { ...bearer(acme.admin.token), 'x-request-id': requestId });
    expect(codesOf(response)).toEqual(['SERVICE_UNAVAILABLE']);
    const gateway = serviceProcess('gateway/main.js');
    const access = await waitForLine(gateway, (line) => line.requestId === requestId && line.msg === 'request');
    const lines = logLines(gateway).filter((line) => line.requestId === requestId);
    expect(access).toEqual([
      expect.objectContaining({
        level: 30,
        component: 'access',
        operationName: 'Dashboard',
        operationType: 'query',
        status: 200,
        tenantId: acme.tenant.id,
        principal: 'USER',
        errorCodes: ['SERVICE_UNAVAILABLE'],
        subgraphs: [expect.objectContaining({ name: 'identity', outcome: 'ok' }), expect.objectContaining({ name: 'tenancy', outcome: 'unreachable' })],
        durationMs: expect.any(Number),
      }),
    ]);
    const failures = lines.filter((line) => line.msg === 'subgraph fetch failed');
    expect(failures).toEqual([expect.objectContaining({ level: 40, subgraph: 'tenancy', outcome: 'unreachable', error: expect.objectContaining({ code: 'ECONNREFUSED' }) })]);
  });

  it('logs a dead-lettered event with its reason, and not its payload', async () => {
    const infra = await testInfrastructure();
    const redis = new Redis(infra.available ? infra.redisUrl : '');
    try {
      const marker = `not-an-envelope-${randomUUID()}`;
      const entryId = await redis.xadd(`${namespace}:stream:events`, '*', 'event', marker);
      const audit = serviceProcess('subgraphs/audit/main.js');
      const line = await audit.waitForLog(/^event dead-lettered/, 15_000);
      expect(line).toMatchObject({ level: 50, entryId, group: 'audit', reason: expect.stringMatching(/^malformed: payload is not JSON/), deliveries: 1 });
      expect(audit.output()).not.toContain(marker);
    } finally {
      redis.disconnect();
    }
  });

  it('still answers the fields other subgraphs own, and names the missing one with SERVICE_UNAVAILABLE', async () => {
    const response = await graphql(platform.graphqlUrl, '{ me { email tenant { name } } }', {}, bearer(acme.admin.token));
    expect(response.data).toEqual({ me: { email: acme.admin.email, tenant: null } });
    expect(codesOf(response)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(response.errors?.[0]?.message).toBe('the tenancy service is not reachable; try again shortly');
    expect(JSON.stringify(response)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it('refuses a user whose tenant status it cannot check with 503 SERVICE_UNAVAILABLE rather than let them through', async () => {
    const response = await graphql(platform.graphqlUrl, '{ me { email } }', {}, bearer(globex.admin.token));
    expect(response.status).toBe(503);
    expect(codesOf(response)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(response.data).toBeUndefined();
    expect(JSON.stringify(response)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it('stays ready for a load balancer (200, degraded), naming the unreachable subgraph; strict readiness is 503', async () => {
    const plain = await fetch(`${platform.baseUrl}/health/ready`);
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ status: 'degraded', strict: false, checks: { supergraph: 'ok', tenancy: 'unreachable', identity: 'ok' }, failingSubgraphs: ['tenancy'], stores: { redis: 'ok' } });
    const strict = await fetch(`${platform.baseUrl}/health/ready?strict=1`);
    expect(strict.status).toBe(503);
    expect(await strict.json()).toMatchObject({ status: 'not ready', strict: true, checks: { tenancy: 'unreachable', identity: 'ok' }, failingSubgraphs: ['tenancy'] });
  });

  it('shows the subgraph as down in lattice_gateway_subgraph_ready', async () => {
    const text = await (await fetch(`${platform.baseUrl}/metrics`)).text();
    expect(text).toMatch(/^lattice_gateway_subgraph_ready\{subgraph="tenancy"\} 0$/m);
    expect(text).toMatch(/^lattice_gateway_subgraph_ready\{subgraph="identity"\} 1$/m);
  });

  it('writes no password, token or secret into any service log', async () => {
    // A sign-in (password as a variable), requests with bearer tokens, refusals and failures have all been logged by now.
    const requestId = randomUUID();
    const signIn = await graphql(
      platform.graphqlUrl,
      'mutation SignIn($email: String!, $password: String!) { signIn(input: { email: $email, password: $password }) { accessToken } }',
      { email: `nobody-${requestId}@lattice.test`, password: 'a-wrong-password-for-the-log-test' },
      { 'x-request-id': requestId },
    );
    expect(codesOf(signIn)).toEqual(['UNAUTHENTICATED']);
    // Which subgraph refused is not the caller's business.
    expect(signIn.errors?.[0]?.extensions).not.toHaveProperty('serviceName');
    expect(await waitForLine(serviceProcess('gateway/main.js'), (line) => line.requestId === requestId && line.msg === 'request')).toHaveLength(1);
    const everything = platform.processes.map((p) => p.output()).join('\n');
    for (const secret of [ADMIN_PASSWORD, 'a-wrong-password-for-the-log-test', acme.admin.token, globex.admin.token, platform.contextSecret]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
