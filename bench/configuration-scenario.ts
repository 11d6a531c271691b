import type { BenchPlatform } from './platform-process';
import { summary, timed } from './stats';

/** The tenancy log line (debug) that says how many database round trips one resolution took. */
const RESOLVED = 'effective configuration resolved';
const EFFECTIVE = 'query($k: String!, $d: ID) { effectiveConfiguration(key: $k, departmentId: $d) { value level } }';

interface Answer {
  data?: Record<string, Record<string, unknown> | null> | null;
  errors?: unknown[];
}

async function request(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<{ body: Answer; requestId: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Answer;
  if (body.errors) throw new Error(`bench request failed: ${JSON.stringify(body.errors)}`);
  return { body, requestId: response.headers.get('x-request-id') ?? '' };
}

async function field<T>(url: string, token: string, name: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return (await request(url, token, query, variables)).body.data![name] as T;
}

/** A new tenant and a signed-in tenant admin of it, made by the platform admin. */
export async function freshTenantAdmin(url: string, platformToken: string): Promise<{ tenantId: string; token: string }> {
  const slug = `bench-${Date.now().toString(36)}`;
  const password = 'bench-tenant-admin-password';
  const tenant = await field<{ id: string }>(url, platformToken, 'createTenant', 'mutation($s: String!) { createTenant(input: { slug: $s, name: "Bench" }) { id } }', { s: slug });
  const email = `config-admin@${slug}.local`;
  await request(url, platformToken, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', {
    i: { tenantId: tenant.id, email, displayName: 'Bench admin', password, roles: ['tenant-admin'] },
  });
  const signIn = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', variables: { i: { email, password, tenantSlug: slug } } }),
  });
  const token = ((await signIn.json()) as { data?: { signIn?: { accessToken?: string } } }).data?.signIn?.accessToken;
  if (!token) throw new Error('bench could not sign in as the tenant admin');
  return { tenantId: tenant.id, token };
}

/**
 * `effectiveConfiguration` for a department, through the gateway, sequentially, on a warm cache. Database round trips
 * come from tenancy itself: every resolution counts the statements its DataSource sent while it ran and logs the
 * count at debug with the request id, so the bench matches each line to its request (the platform runs with
 * LOG_LEVEL=debug). The log also carries the DataSource's running total, which covers every statement tenancy sent
 * during the run, not only those made by the resolution.
 */
export async function benchEffectiveConfiguration(platform: BenchPlatform, platformToken: string, requests = 500): Promise<void> {
  const resolutions = new Map<string, { dbRoundTrips: number; dbRoundTripsTotal: number; cacheMisses: number }>();
  platform.onLog(RESOLVED, (line) =>
    resolutions.set(String(line.requestId), { dbRoundTrips: Number(line.dbRoundTrips), dbRoundTripsTotal: Number(line.dbRoundTripsTotal), cacheMisses: Number(line.cacheMisses) }),
  );
  const url = platform.graphqlUrl;
  const admin = await freshTenantAdmin(url, platformToken);
  const organization = await field<{ id: string }>(url, admin.token, 'createOrganization', 'mutation { createOrganization(input: { name: "Bench Org" }) { id } }');
  const department = await field<{ id: string }>(url, admin.token, 'createDepartment', 'mutation($o: ID!) { createDepartment(input: { organizationId: $o, name: "Bench Dept" }) { id } }', {
    o: organization.id,
  });
  const SET = 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }';
  const set = (token: string, level: string, id: string | null, key: string, value: unknown) => request(url, token, SET, { i: { scope: { level, id }, key, value } });
  // One key answered at each level, and one no level sets (a remembered absence).
  await set(platformToken, 'GLOBAL', null, 'bench.global', { region: 'eu' });
  await set(admin.token, 'TENANT', admin.tenantId, 'bench.tenant', { seats: 50 });
  await set(admin.token, 'ORGANIZATION', organization.id, 'bench.organization', 'org');
  await set(admin.token, 'TENANT', admin.tenantId, 'bench.department', 'tenant');
  await set(admin.token, 'DEPARTMENT', department.id, 'bench.department', 'department');
  const keys = ['bench.department', 'bench.organization', 'bench.tenant', 'bench.global', 'bench.unset'];

  const resolution = async (requestId: string) => {
    for (let i = 0; i < 200 && !resolutions.has(requestId); i++) await new Promise((r) => setTimeout(r, 10));
    const found = resolutions.get(requestId);
    if (!found) throw new Error(`tenancy logged no "${RESOLVED}" line for request ${requestId}; is LOG_LEVEL=debug?`);
    return found;
  };
  const read = (key: string) => request(url, admin.token, EFFECTIVE, { k: key, d: department.id });

  const cold: number[] = [];
  for (const key of keys) cold.push((await resolution((await read(key)).requestId)).dbRoundTrips);
  for (let i = 0; i < 50; i++) await read(keys[i % keys.length]!);

  const samples: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < requests; i++) {
    samples.push(
      await timed(async () => {
        ids.push((await read(keys[i % keys.length]!)).requestId);
      }),
    );
  }
  const measured = await Promise.all(ids.map(resolution));
  const perRequest = measured.reduce((sum, r) => sum + r.dbRoundTrips, 0) / measured.length;
  const misses = measured.reduce((sum, r) => sum + r.cacheMisses, 0);
  // The running total just before the first measured resolution, to the one after the last.
  const first = measured[0]!;
  const databaseWide = (measured[measured.length - 1]!.dbRoundTripsTotal - (first.dbRoundTripsTotal - first.dbRoundTrips)) / measured.length;

  console.log(`effectiveConfiguration(departmentId) through the gateway (sequential, warm cache, keys set at each level)  ${JSON.stringify(summary(samples))}`);
  console.log(`  tenancy DB round trips per request: ${perRequest.toFixed(2)} counted per resolution, ${databaseWide.toFixed(2)} over all of tenancy's statements; cache misses: ${misses}`);
  console.log(`  first read of each key after the writes (cold): ${cold.join(', ')} round trips`);
}
