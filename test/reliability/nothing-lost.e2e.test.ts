import { distributedAvailable } from '../support/modes';
import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/processes';
import { createTenantWithAdmin, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';
import { outOfOrder, readAuditRecords, readOutboxes, verifyChains, waitForAuditToSettle, type AuditLedgerRow, type LedgerEvent, type RecoveryTrace } from './event-ledger';
import { runClient, WorkloadProgress, type OrganizationState, type SentMutation, type WorkloadClient } from './mutation-workload';

const CLIENTS_PER_TENANT = 4;
const MUTATIONS_PER_CLIENT = 256;
const RECOVERY_TIMEOUT_MS = 90_000;

const distributed = distributedAvailable();
if (!distributed) {
  process.stdout.write(`nothing-lost reliability test SKIPPED: it needs the distributed platform (${process.env.LATTICE_TEST_DISTRIBUTED ?? 'global setup did not run'})\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const firstFew = (items: readonly string[]) => (items.length > 10 ? [...items.slice(0, 10), `… and ${items.length - 10} more`] : items);

/**
 * Eight clients of two tenants send ~2,000 mutations through the gateway while Redis (without persistence) is killed
 * and restarted a third of the way in, and the audit subgraph is killed and restarted two thirds in. Afterwards the
 * audit trail must hold exactly the events identity and tenancy committed: none lost, none twice, none invented, in
 * aggregate order, with verifiable chains. Each mutation carries its own x-request-id, so its events can be told apart.
 */
(distributed ? describe : describe.skip)('nothing is lost when Redis and the audit subgraph crash mid-traffic (distributed mode)', () => {
  let redis: ThrowawayRedis | undefined;
  let platform: RunningPlatform | undefined;
  let tenants: TenantWithAdmin[] = [];
  let sent: SentMutation[] = [];
  let organizations: OrganizationState[] = [];
  let outbox: LedgerEvent[] = [];
  let audit: AuditLedgerRow[] = [];
  let chains = new Map<string | null, boolean>();
  let recovery: RecoveryTrace | undefined;
  const disruptions: string[] = [];
  /** How many mutations had been sent when each crash happened (the clients send `total` in all). */
  const crashedAt = { redis: -1, audit: -1, total: 0 };

  const auditByRequest = () => {
    const map = new Map<string, AuditLedgerRow[]>();
    for (const record of audit) if (record.request_id) map.set(record.request_id, [...(map.get(record.request_id) ?? []), record]);
    return map;
  };

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    platform = await startDistributedPlatform({ env: { REDIS_URL: redis.url } });
    const running = platform;
    const throwaway = redis;
    const url = running.graphqlUrl;
    const admin = await signInAsAdmin(url);
    tenants = await Promise.all([createTenantWithAdmin(url, admin), createTenantWithAdmin(url, admin)]);
    const clients: WorkloadClient[] = tenants.flatMap((t, i) =>
      Array.from({ length: CLIENTS_PER_TENANT }, (_, k) => ({ index: i * CLIENTS_PER_TENANT + k, tenantId: t.tenant.id, token: t.admin.token })),
    );
    const total = clients.length * MUTATIONS_PER_CLIENT;
    crashedAt.total = total;
    const progress = new WorkloadProgress();
    const seed = Math.floor(Math.random() * 2 ** 31);
    const runTag = unique('rel');
    disruptions.push(`seed ${seed}`);

    const chaos = (async () => {
      await progress.reached(Math.floor(total / 3));
      crashedAt.redis = progress.sent;
      disruptions.push(`Redis SIGKILLed at mutation ${progress.sent} (${new Date().toISOString()})`);
      await throwaway.kill();
      await sleep(2_000);
      await throwaway.start();
      disruptions.push(`Redis back at ${progress.sent} (${new Date().toISOString()})`);
      await progress.reached(Math.floor((2 * total) / 3));
      crashedAt.audit = progress.sent;
      disruptions.push(`audit SIGKILLed at ${progress.sent} (${new Date().toISOString()})`);
      await running.restartService!('audit', { signal: 'SIGKILL', downForMs: 2_000 });
      disruptions.push(`audit started again at ${progress.sent} (${new Date().toISOString()})`);
    })().then(
      () => null,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    const results = await Promise.all(clients.map((client) => runClient(url, client, { count: MUTATIONS_PER_CLIENT, seed: seed + client.index, runTag, progress })));
    const chaosError = await chaos;
    if (chaosError) throw chaosError;
    sent = results.flatMap((r) => r.sent);
    organizations = results.flatMap((r) => r.organizations);

    const urls = running.databaseUrls!;
    recovery = await waitForAuditToSettle(urls, RECOVERY_TIMEOUT_MS);
    [outbox, audit] = await Promise.all([readOutboxes(urls), readAuditRecords(urls.audit)]);
    chains = await verifyChains(urls.audit, [...new Set(audit.map((r) => r.tenant_id))]);

    const auditIds = new Map<string, number>();
    for (const record of audit) auditIds.set(record.event_id, (auditIds.get(record.event_id) ?? 0) + 1);
    const outboxIds = new Set(outbox.map((e) => e.event_id));
    const count = (outcome: SentMutation['outcome']) => sent.filter((s) => s.outcome === outcome).length;
    // The relays log this when they find the stream emptied by the Redis crash and publish their recent events again.
    const replays = running.processes.map((p) => p.output().split('event stream lost its data').length - 1).reduce((a, b) => a + b, 0);
    console.log(
      `nothing-lost: mutations sent ${sent.length}, committed ${count('committed')}, refused ${count('refused')}, unknown ${count('unknown')}; ` +
        `events in the outboxes ${outbox.length}, audit records ${audit.length}, ` +
        `duplicates ${[...auditIds.values()].filter((n) => n > 1).length}, missing ${[...outboxIds].filter((id) => !auditIds.has(id)).length}, ` +
        `invented ${[...auditIds.keys()].filter((id) => !outboxIds.has(id)).length}; ` +
        `chains verified ${[...chains.values()].filter(Boolean).length}/${chains.size}; ` +
        `audit settled ${recovery.settled} after ${recovery.waitedMs} ms; stream-loss replays logged ${replays}; ${disruptions.join(', ')}`,
    );
    const unknowns = sent.filter((s) => s.outcome === 'unknown');
    if (unknowns.length > 0) console.log(`nothing-lost: unknown outcomes seen: ${[...new Set(unknowns.map((s) => s.detail))].slice(0, 10).join(' | ')}`);
    if (audit.length !== outbox.length || !recovery.settled) {
      const complaints = running.processes
        .map((p) => `${p.child.spawnargs.at(-1) ?? '?'}:\n${p.output().split('\n').filter((line) => /"level":"(warn|error|fatal)"|"level":[4-6]0/.test(line)).slice(-20).join('\n')}`)
        .join('\n');
      console.log(`nothing-lost: warnings and errors the services logged:\n${complaints}`);
    }
  }, 300_000);

  afterAll(async () => {
    await platform?.destroy();
    await redis?.kill();
  }, 60_000);

  it('crashed Redis and then audit while the clients were still writing', () => {
    // Otherwise the run would prove nothing about crashes: guard against a workload that outran the disruptions.
    expect(crashedAt.redis).toBeGreaterThan(0);
    expect(crashedAt.audit).toBeGreaterThan(crashedAt.redis);
    expect(crashedAt.audit).toBeLessThan(crashedAt.total);
  });

  it('answers every mutation built to be refused with its code and commits none of them, and refuses no valid one', () => {
    expect(sent.length).toBeGreaterThanOrEqual(2_000);
    const refusals = sent.filter((s) => s.refusalExpected);
    expect(refusals.filter((s) => s.outcome === 'committed').map((s) => `${s.requestId} ${s.kind}`)).toEqual([]);
    expect(refusals.filter((s) => s.outcome === 'refused' && s.codes.join() !== s.refusalExpected).map((s) => `${s.requestId} ${s.kind}: ${s.codes.join()}`)).toEqual([]);
    const valid = sent.filter((s) => !s.refusalExpected);
    expect(valid.filter((s) => s.outcome === 'refused').map((s) => `${s.requestId} ${s.kind}: ${s.codes.join()}`)).toEqual([]);
    // A run where most writes failed would prove little about what the audit trail keeps.
    expect(valid.filter((s) => s.outcome === 'committed').length).toBeGreaterThan(valid.length / 2);
  });

  it('records every event identity and tenancy committed exactly once, and none they did not commit', () => {
    const outboxIds = new Set(outbox.map((e) => e.event_id));
    const seen = new Map<string, number>();
    for (const record of audit) seen.set(record.event_id, (seen.get(record.event_id) ?? 0) + 1);
    const describeEvent = (e: LedgerEvent) => `${e.event_id} ${e.type} ${e.aggregate_type} ${e.aggregate_id} v${e.aggregate_version}`;
    expect(firstFew(outbox.filter((e) => !seen.has(e.event_id)).map(describeEvent))).toEqual([]);
    expect(firstFew(audit.filter((r) => (seen.get(r.event_id) ?? 0) > 1).map(describeEvent))).toEqual([]);
    expect(firstFew(audit.filter((r) => !outboxIds.has(r.event_id)).map(describeEvent))).toEqual([]);
    expect(outbox.length).toBeGreaterThan(sent.length / 2);
  });

  it("records each committed mutation's change once, with the id and version its caller was told", () => {
    const byRequest = auditByRequest();
    const problems = sent.flatMap((s): string[] => {
      if (s.outcome === 'refused') return [];
      const records = byRequest.get(s.requestId) ?? [];
      if (s.outcome === 'unknown') {
        // It may or may not have committed, but never twice and never as something else.
        return records.length > 1 || records.some((r) => r.type !== s.expected?.type) ? [`${s.requestId} ${s.kind} (unknown): ${records.map((r) => r.type).join()}`] : [];
      }
      const [record] = records;
      const expected = s.expected!;
      if (records.length !== 1 || !record) return [`${s.requestId} ${s.kind}: ${records.length} records`];
      const actual = { type: record.type, aggregateType: record.aggregate_type, aggregateId: record.aggregate_id, aggregateVersion: record.aggregate_version, tenantId: record.tenant_id };
      const wanted = { type: expected.type, aggregateType: expected.aggregateType, aggregateId: expected.aggregateId, aggregateVersion: expected.aggregateVersion, tenantId: s.tenantId };
      const dataDiffers = Object.entries(expected.data).some(([key, value]) => record.data[key] !== value);
      return JSON.stringify(actual) === JSON.stringify(wanted) && !dataDiffers
        ? []
        : [`${s.requestId} ${s.kind}: recorded ${JSON.stringify({ ...actual, data: record.data })}, expected ${JSON.stringify({ ...wanted, data: expected.data })}`];
    });
    expect(firstFew(problems)).toEqual([]);
  });

  it('records nothing for a refused mutation, so a stale rename or a duplicate name leaves no trace', () => {
    const byRequest = auditByRequest();
    const committedByRequest = new Set(outbox.map((e) => e.request_id));
    const refused = sent.filter((s) => s.outcome === 'refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(firstFew(refused.filter((s) => byRequest.has(s.requestId) || committedByRequest.has(s.requestId)).map((s) => `${s.requestId} ${s.kind}`))).toEqual([]);
    // Organizations whose every answer arrived: their audited versions are exactly 1..the version last returned.
    const versions = new Map<string, number[]>();
    for (const r of audit) if (r.aggregate_type === 'Organization') versions.set(r.aggregate_id, [...(versions.get(r.aggregate_id) ?? []), r.aggregate_version]);
    const certain = organizations.filter((o) => o.certain);
    expect(certain.length).toBeGreaterThan(0);
    const wrong = certain.flatMap((o) => {
      const got = (versions.get(o.id) ?? []).sort((a, b) => a - b);
      const want = Array.from({ length: o.version }, (_, i) => i + 1);
      return JSON.stringify(got) === JSON.stringify(want) ? [] : [`${o.id}: audited versions ${got.join(',')}, told ${o.version}`];
    });
    expect(firstFew(wrong)).toEqual([]);
  });

  it("keeps each aggregate's events in version order within its tenant's chain", () => {
    expect(firstFew(outOfOrder(audit))).toEqual([]);
  });

  it("keeps every tenant's hash chain verifiable", () => {
    for (const t of tenants) expect(chains.has(t.tenant.id)).toBe(true);
    expect([...chains].filter(([, ok]) => !ok).map(([tenant]) => tenant ?? 'platform')).toEqual([]);
  });
});
