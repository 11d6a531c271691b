import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { bearer, graphql, type GraphQLResponse } from '../support/graphql-client';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';
import { distributedAvailable } from '../support/modes';

const distributed = distributedAvailable();

const TENANCY_TIMEOUT_MS = 1_000;
const OPEN_MS = 1_000;
const CLIENTS = 8;
// identity answers `me`; tenancy its `tenant`; audit `auditEvent` (an id no event has: NOT_FOUND when audit is up).
const QUERY = '{ me { id email tenant { name } } auditEvent(id: "0190a6f2-0000-7000-8000-000000000000") { id } }';

interface Sample {
  at: number;
  ms: number;
  response: GraphQLResponse<{ me: { email: string; tenant: { name: string } | null } | null; auditEvent: unknown }>;
}

/** `CLIENTS` callers sending QUERY back to back for `ms`. */
async function load(url: string, token: string, ms: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const response = await graphql<Sample['response']['data'] & object>(url, QUERY, {}, bearer(token));
        samples.push({ at: Date.now(), ms: performance.now() - started, response });
      }
    }),
  );
  return samples;
}

const whole = (s: Sample) =>
  s.response.status === 200 && s.response.data?.me?.tenant !== null && (s.response.errors ?? []).every((e) => e.extensions?.code === 'NOT_FOUND' && e.path?.[0] === 'auditEvent');
/** A fetch that failed as a whole has no path (no field of it was answered): `extensions.service` names the subgraph. */
const reasons = (samples: Sample[], service: string) =>
  samples.flatMap((s) => (s.response.errors ?? []).filter((e) => e.extensions?.service === service).map((e) => `${String(e.extensions?.code)}/${String(e.extensions?.reason)}`));
const percentile = (samples: Sample[], p: number) => {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
};
const count = (values: string[]) => values.reduce<Record<string, number>>((all, v) => ({ ...all, [v]: (all[v] ?? 0) + 1 }), {});

(distributed ? describe : describe.skip)('the gateway under load while one subgraph is killed and another hangs (distributed mode)', () => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startDistributedPlatform({
      env: { LATTICE_SUBGRAPH_TIMEOUT_MS_TENANCY: String(TENANCY_TIMEOUT_MS), LATTICE_BREAKER_OPEN_MS: String(OPEN_MS) },
    });
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('keeps answering what the live subgraphs own, pays the hung one its timeout about once per probe, and is whole again after both return', async () => {
    const url = platform.graphqlUrl;
    const token = acme.admin.token;
    const before = await load(url, token, 2_000);

    const tenancy = platform.processes.find((p) => p.child.spawnargs.some((arg) => arg.endsWith('subgraphs/tenancy/main.js')))!;
    tenancy.child.kill('SIGSTOP');
    const auditBack = platform.restartService!('audit', { signal: 'SIGKILL', downForMs: 6_000 });
    let during: Sample[];
    try {
      during = await load(url, token, 6_000);
    } finally {
      tenancy.child.kill('SIGCONT');
    }
    await auditBack;
    const resumed = Date.now();
    const after = await load(url, token, 5_000);

    const firstWhole = after.filter((s) => after.every((later) => later.at < s.at || whole(later))).sort((a, b) => a.at - b.at)[0];
    const tenantReasons = count(reasons(during, 'tenancy'));
    const auditReasons = count(reasons(during, 'audit'));
    console.info(
      [
        `before: ${before.length} requests, ${before.filter(whole).length} whole, p50 ${percentile(before, 50)} ms, p99 ${percentile(before, 99)} ms`,
        `during (tenancy SIGSTOPped, audit SIGKILLed, 6 s, ${CLIENTS} clients): ${during.length} requests, ${during.filter((s) => s.response.status >= 500).length} with a 5xx, ` +
          `${during.filter((s) => s.response.data?.me?.email === acme.admin.email).length} with identity's fields, p50 ${percentile(during, 50)} ms, p99 ${percentile(during, 99)} ms`,
        `  errors naming tenancy: ${JSON.stringify(tenantReasons)}; naming audit: ${JSON.stringify(auditReasons)}`,
        `after: ${after.length} requests, ${after.filter(whole).length} whole, whole from ${firstWhole ? firstWhole.at - resumed : 'never'} ms after both were back, p50 ${percentile(after, 50)} ms`,
      ].join('\n'),
    );

    expect(before.every(whole)).toBe(true);
    // Partial data, never a failed request: identity's fields in every answer, the missing ones null and named.
    expect(during.every((s) => s.response.status === 200 && s.response.data?.me?.email === acme.admin.email)).toBe(true);
    expect(during.every((s) => s.response.data?.me?.tenant === null && s.response.data?.auditEvent === null)).toBe(true);
    expect(Object.keys(tenantReasons).sort()).toEqual(['SERVICE_UNAVAILABLE/CIRCUIT_OPEN', 'SERVICE_UNAVAILABLE/TIMEOUT']);
    expect(Object.keys(auditReasons).every((r) => ['SERVICE_UNAVAILABLE/CIRCUIT_OPEN', 'SERVICE_UNAVAILABLE/UNREACHABLE'].includes(r))).toBe(true);
    // The hung subgraph costs its timeout for the first wave and then once per half-open probe, not once per request.
    const timedOut = tenantReasons['SERVICE_UNAVAILABLE/TIMEOUT'] ?? 0;
    expect(timedOut).toBeLessThanOrEqual(CLIENTS + Math.ceil(6_000 / OPEN_MS) + 2);
    expect(percentile(during, 50)).toBeLessThan(TENANCY_TIMEOUT_MS);
    expect(JSON.stringify(during.map((s) => s.response.errors))).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack|at \w+ \(/);
    // Whole again with no gateway restart, once each breaker's next probe has gone through.
    expect(firstWhole).toBeDefined();
    expect(firstWhole!.at - resumed).toBeLessThan(3 * OPEN_MS + 2_000);
  }, 90_000);
});
