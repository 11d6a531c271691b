import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freshTenantAdmin } from './configuration-scenario';
import { startBenchPlatform } from './platform-process';
import { percentile } from './stats';
import { throwawayPostgres } from './throwaway-postgres';
import { testInfrastructure } from '../test/support/infrastructure';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startDistributedPlatform } from '../test/support/platform';

export interface AuditLatencyOptions {
  mutationsPerSecond: number;
  seconds: number;
  /** How often the one poller asks for every pending organization at once. */
  pollEveryMs: number;
  /** After the last commit, how long to wait for stragglers before counting them missing. */
  graceMs: number;
  /**
   * embedded: `npm start` (one process) on PostgreSQL; distributed: one process per service (`npm run start:*`), real
   * PostgreSQL and a Redis Stream, as production runs it.
   */
  mode: 'embedded' | 'distributed';
}

const DEFAULTS: AuditLatencyOptions = { mutationsPerSecond: 200, seconds: 15, pollEveryMs: 10, graceMs: 10_000, mode: 'embedded' };

const ADMIN = { email: 'bench-audit@lattice.local', password: 'bench-audit-admin-password' };
const CREATE_ORGANIZATION = 'mutation($n: String!) { createOrganization(input: { name: $n }) { id } }';

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

async function post(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<GraphqlAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlAnswer;
}

/** Which of `aggregateIds` the audit trail already holds a record for. */
type AuditProbe = (aggregateIds: readonly string[]) => Promise<Set<string>>;

/** One indexed query on the audit database (audit_records_aggregate_idx) for every pending id. */
function sqlProbe(client: Client): AuditProbe {
  return async (ids) => {
    const result = await client.query<{ aggregate_id: string }>('SELECT DISTINCT aggregate_id FROM audit_records WHERE aggregate_id = ANY($1::text[])', [ids]);
    return new Set(result.rows.map((row) => row.aggregate_id));
  };
}

/**
 * The PGlite fallback, where the bench cannot reach the platform's database: one gateway request per poll, one
 * aliased `auditEvents(filter: { aggregateId }, first: 1)` per pending id (capped, oldest first).
 */
function graphqlProbe(url: string, token: string, cap = 50): AuditProbe {
  return async (ids) => {
    const asked = ids.slice(0, cap);
    const fields = asked.map((_, i) => `a${i}: auditEvents(filter: { aggregateId: $a${i} }, first: 1) { edges { node { id } } }`);
    const query = `query(${asked.map((_, i) => `$a${i}: String!`).join(', ')}) { ${fields.join(' ')} }`;
    const body = await post(url, query, Object.fromEntries(asked.map((id, i) => [`a${i}`, id])), token);
    if (body.errors) throw new Error(`audit poll failed: ${JSON.stringify(body.errors)}`);
    const found = new Set<string>();
    asked.forEach((id, i) => {
      const page = body.data?.[`a${i}`] as { edges: unknown[] } | undefined;
      if (page && page.edges.length > 0) found.add(id);
    });
    return found;
  };
}

interface Mutation {
  scheduledAt: number;
  sentAt: number;
  committedAt?: number;
  queryableAt?: number;
  organizationId?: string;
  failure?: string;
}

/**
 * Commit-to-queryable latency of the audit trail: tenant-admin `createOrganization` mutations through the gateway at
 * a fixed rate (scheduled by the clock, not by completion), each timed from its response (the commit; tenancy wrote
 * the event to its outbox in the same transaction) to the first poll that finds its audit record. The embedded
 * platform runs in its own process: one process for gateway, subgraphs, outbox relays and the in-process stream.
 */
export async function benchAuditLatency(options: Partial<AuditLatencyOptions> = {}): Promise<void> {
  const { mutationsPerSecond, seconds, pollEveryMs, graceMs, mode: platformMode } = { ...DEFAULTS, ...options };
  if (platformMode === 'distributed') {
    const infra = await testInfrastructure();
    if (!infra.available) {
      console.log(`audit commit-to-queryable, distributed: SKIPPED (${infra.reason})`);
      return;
    }
  }
  const server = await throwawayPostgres(['identity', 'tenancy', 'audit']);
  const databases: Record<string, string> = server.available
    ? { IDENTITY_DATABASE_URL: server.databases.urls.identity, TENANCY_DATABASE_URL: server.databases.urls.tenancy, AUDIT_DATABASE_URL: server.databases.urls.audit }
    : {};
  let auditClient: Client | null = null;
  const admin0 = platformMode === 'distributed' ? { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } : ADMIN;
  const platform: { graphqlUrl: string; auditUrl?: string; stop(): Promise<void> } =
    platformMode === 'distributed'
      ? await startDistributedPlatform().then((p) => ({ graphqlUrl: p.graphqlUrl, auditUrl: p.databaseUrls!.audit, stop: () => p.destroy() }))
      : await startBenchPlatform({ LATTICE_ADMIN_EMAIL: ADMIN.email, LATTICE_ADMIN_PASSWORD: ADMIN.password, ...databases }).catch(async (error: unknown) => {
          if (server.available) await server.databases.drop();
          throw error;
        });
  try {
    const url = platform.graphqlUrl;
    const platformToken = (await post(url, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: admin0 })).data?.signIn as { accessToken?: string } | undefined;
    if (!platformToken?.accessToken) throw new Error('bench could not sign in to the audit-latency platform');
    const admin = await freshTenantAdmin(url, platformToken.accessToken);
    let probe: AuditProbe;
    let mode: string;
    if (platform.auditUrl) {
      auditClient = new Client({ connectionString: platform.auditUrl });
      await auditClient.connect();
      probe = sqlProbe(auditClient);
      mode = 'distributed platform (gateway, identity, tenancy, audit processes; PostgreSQL 15; Redis Stream); polled in the audit database, one query for all pending ids';
    } else if (server.available) {
      auditClient = new Client({ connectionString: server.databases.urls.audit });
      await auditClient.connect();
      probe = sqlProbe(auditClient);
      mode = 'embedded platform on PostgreSQL 15 (three throwaway databases, in-process event stream); polled in the audit database, one query for all pending ids';
    } else {
      probe = graphqlProbe(url, admin.token);
      mode = `embedded platform on PGlite (${server.reason}; in-process event stream); polled through the gateway, one request of aliased auditEvents per poll`;
    }

    const run = Date.now().toString(36);
    const create = async (mutation: Mutation, name: string): Promise<void> => {
      try {
        const body = await post(url, CREATE_ORGANIZATION, { n: name }, admin.token);
        const id = (body.data?.createOrganization as { id?: string } | null | undefined)?.id;
        const error = body.errors?.[0];
        // An internal error's message is kept (shortened): it names the fault, which the code alone does not.
        const code = error?.extensions?.code === 'INTERNAL_SERVER_ERROR' ? `INTERNAL_SERVER_ERROR: ${error.message?.slice(0, 60)}` : error?.extensions?.code;
        if (body.errors || !id) mutation.failure = code ?? error?.message ?? 'no id';
        else {
          mutation.committedAt = performance.now();
          mutation.organizationId = id;
        }
      } catch (error) {
        // undici says only "fetch failed"; the cause says whether the server closed, reset or timed out.
        const cause = error instanceof Error && error.cause instanceof Error ? ((error.cause as Error & { code?: string }).code ?? error.cause.message) : undefined;
        mutation.failure = `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ''}`;
      }
    };

    // One poller for everything pending, never overlapping itself, every pollEveryMs.
    const pending = new Map<string, Mutation>();
    let polls = 0;
    let pollFailures = 0;
    let firstPollFailure: string | undefined;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        if (pending.size > 0) {
          // A failed poll (an overloaded gateway) is counted and retried; it must not end the run.
          const found = await probe([...pending.keys()]).catch((error: unknown) => {
            pollFailures += 1;
            firstPollFailure ??= error instanceof Error ? error.message.slice(0, 200) : String(error);
            return new Set<string>();
          });
          polls += 1;
          const answeredAt = performance.now();
          for (const id of found) {
            const mutation = pending.get(id);
            if (mutation) mutation.queryableAt = answeredAt;
            pending.delete(id);
          }
        }
        await sleep(Math.max(0, pollEveryMs - (performance.now() - started)));
      }
    })();
    const track = (mutation: Mutation) => {
      if (mutation.organizationId && mutation.queryableAt === undefined) pending.set(mutation.organizationId, mutation);
    };

    // Warm-up: the query plans, pools and the audit consumer, sequentially; not counted in the load, but the
    // sequential round trip says what one client in a loop gets from this machine now.
    const sequential: number[] = [];
    for (let i = 0; i < 40; i++) {
      const mutation: Mutation = { scheduledAt: 0, sentAt: performance.now() };
      await create(mutation, `Bench warm-up ${run}-${i}`);
      if (mutation.failure) throw new Error(`audit-latency warm-up mutation failed: ${mutation.failure}`);
      if (i >= 10) sequential.push(mutation.committedAt! - mutation.sentAt);
      track(mutation);
    }
    for (let i = 0; i < 500 && pending.size > 0; i++) await sleep(10);
    if (pending.size > 0) throw new Error('audit-latency warm-up: the audit trail never showed the warm-up organizations');

    const total = Math.round(mutationsPerSecond * seconds);
    const interval = 1000 / mutationsPerSecond;
    const mutations: Mutation[] = [];
    const inFlight: Promise<void>[] = [];
    let open = 0;
    let mostOpen = 0;
    const start = performance.now() + 50;
    for (let i = 0; i < total; i++) {
      const scheduledAt = start + i * interval;
      const wait = scheduledAt - performance.now();
      if (wait > 1) await sleep(wait);
      const mutation: Mutation = { scheduledAt, sentAt: performance.now() };
      mutations.push(mutation);
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      inFlight.push(
        create(mutation, `Bench ${run}-${i}`).then(() => {
          open -= 1;
          track(mutation);
        }),
      );
    }
    await Promise.all(inFlight);
    const lastCommit = performance.now();
    while (pending.size > 0 && performance.now() - lastCommit < graceMs) await sleep(pollEveryMs);
    polling = false;
    await poller;

    const committed = mutations.filter((m) => m.committedAt !== undefined);
    const failed = mutations.filter((m) => m.failure !== undefined);
    const seen = committed.filter((m) => m.queryableAt !== undefined);
    const lags = seen.map((m) => m.queryableAt! - m.committedAt!);
    const roundTrips = committed.map((m) => m.committedAt! - m.sentAt);
    const sendLag = mutations.map((m) => m.sentAt - m.scheduledAt);
    const firstSent = mutations[0]?.sentAt ?? 0;
    const lastCommitted = Math.max(...committed.map((m) => m.committedAt!));
    const failures = new Map<string, number>();
    for (const m of failed) failures.set(m.failure!, (failures.get(m.failure!) ?? 0) + 1);
    const ms = (v: number) => Math.round(v * 10) / 10;

    console.log(`audit commit-to-queryable, createOrganization as a tenant admin through the gateway, ${mode}`);
    console.log(
      `  offered ${mutationsPerSecond}/s for ${seconds} s (${total} mutations); achieved ${(committed.length / ((lastCommitted - firstSent) / 1000)).toFixed(1)} commits/s; ` +
        `failed ${failed.length}${failures.size > 0 ? ` ${JSON.stringify(Object.fromEntries(failures))}` : ''}; send lag behind schedule p99 ${ms(percentile(sendLag, 99))} ms`,
    );
    console.log(
      `  mutation round trip (send to commit)  ${JSON.stringify({ n: roundTrips.length, p50: ms(percentile(roundTrips, 50)), p99: ms(percentile(roundTrips, 99)) })} ms; ` +
        `at most ${mostOpen} in flight; one sequential client beforehand: p50 ${ms(percentile(sequential, 50))} ms`,
    );
    console.log(
      `  committed to queryable                ${JSON.stringify({ n: lags.length, p50: ms(percentile(lags, 50)), p99: ms(percentile(lags, 99)), max: ms(Math.max(...lags)) })} ms (target p99 < 250)`,
    );
    console.log(
      `  never queryable within ${graceMs / 1000} s: ${committed.length - seen.length}; ${polls} polls (one every >= ${pollEveryMs} ms, all pending ids at once; times include up to one poll interval)` +
        (pollFailures > 0 ? `; ${pollFailures} polls failed, first: ${firstPollFailure}` : ''),
    );
  } finally {
    await auditClient?.end();
    await platform.stop();
    if (server.available) await server.databases.drop();
  }
}
