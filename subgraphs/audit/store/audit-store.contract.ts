/// <reference types="jest" />
// The reference keeps this file compiling under tsconfig.build.json, which drops the jest types.
import { randomUUID } from 'node:crypto';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { GENESIS_HASH } from '../service/audit-chain';
import type { AuditRecord, AuditRecordInput, AuditStore } from './audit-store';

export interface AuditStoreHarness {
  /** Opens a store on the suite's database, as another audit replica would (its own connections). */
  openStore(): Promise<AuditStore>;
  /** Changes a stored record's data directly in the database, behind the store's back. */
  tamper(eventId: string): Promise<void>;
  /** Closes what openStore opened and drops the suite's database. */
  close(): Promise<void>;
}

const MINUTE = 60_000;
const BASE_TIME = Date.parse('2024-06-01T12:00:00.000Z');

function record(tenantId: string | null, overrides: Partial<AuditRecordInput> = {}): AuditRecordInput {
  return {
    eventId: uuid7(),
    type: 'identity.user.created',
    schemaVersion: 1,
    source: 'audit-store-contract',
    aggregateType: 'User',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    tenantId,
    actorKind: 'USER',
    actorId: randomUUID(),
    requestId: randomUUID(),
    ipAddress: '203.0.113.7',
    userAgent: 'contract-test',
    occurredAt: new Date(BASE_TIME),
    data: { email: 'ada@example.com', roles: ['admin'], nested: { b: 2, a: 1 } },
    ...overrides,
  };
}

/** Records occurring `minutes` minutes after one another, from BASE_TIME. */
function timeline(tenantId: string | null, minutes: readonly number[]): AuditRecordInput[] {
  return minutes.map((m) => record(tenantId, { occurredAt: new Date(BASE_TIME + m * MINUTE) }));
}

const ids = (records: readonly { eventId: string }[]) => records.map((r) => r.eventId);

/** The behaviour every AuditStore implementation promises; call once per implementation. */
export function describeAuditStoreContract(name: string, makeHarness: () => Promise<AuditStoreHarness>): void {
  describe(name, () => {
    let harness: AuditStoreHarness;
    let store: AuditStore;

    beforeAll(async () => {
      harness = await makeHarness();
      store = await harness.openStore();
    });

    afterAll(async () => {
      await store?.close();
      await harness?.close();
    });

    /** Every record of the tenant, oldest first. */
    async function chainOf(tenantId: string | null): Promise<AuditRecord[]> {
      const all: AuditRecord[] = [];
      for (let after: string | null = null; ; ) {
        const page = await store.list({ tenantId }, after, 500);
        all.push(...page);
        const last = page[page.length - 1];
        if (page.length < 500 || last === undefined) break;
        after = last.eventId;
      }
      return all.sort((a, b) => a.sequence - b.sequence);
    }

    it('stores a redelivered batch once and leaves the chain exactly as it was', async () => {
      const tenant = randomUUID();
      const batch = timeline(tenant, [0, 1, 2]);
      expect(await store.append(batch)).toHaveLength(3);
      const before = await chainOf(tenant);

      expect(await store.append(batch)).toEqual([]);
      expect(await store.append([batch[1]!, batch[1]!])).toEqual([]);

      const after = await chainOf(tenant);
      expect(after).toEqual(before);
      expect(after.map((r) => r.sequence)).toEqual([1, 2, 3]);
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 3 });
    });

    it('counts an event repeated within one batch once', async () => {
      const tenant = randomUUID();
      const [a, b] = timeline(tenant, [0, 1]);
      expect(ids(await store.append([a!, b!, a!]))).toEqual([a!.eventId, b!.eventId]);
      expect(ids(await chainOf(tenant))).toEqual([a!.eventId, b!.eventId]);
    });

    it('answers an append with the records it wrote, as stored, and leaves out those it already held', async () => {
      const tenant = randomUUID();
      const [held, fresh, later] = timeline(tenant, [0, 1, 2]);
      await store.append([held!]);
      const written = await store.append([held!, fresh!, later!]);

      expect(ids(written)).toEqual([fresh!.eventId, later!.eventId]);
      expect(written.map((r) => r.sequence)).toEqual([2, 3]);
      const stored = await store.findByIds(ids(written));
      const chained = ({ recordedAt: _recordedAt, ...rest }: AuditRecord) => rest;
      expect(written.map(chained)).toEqual(stored.map(chained));
    });

    it('returns what was appended, chained in the order given', async () => {
      const tenant = randomUUID();
      const input = record(tenant, { ipAddress: null, userAgent: null, requestId: null, actorKind: 'SYSTEM', actorId: null });
      await store.append([input]);
      const [stored] = await store.findByIds([input.eventId]);
      expect(stored).toMatchObject({ ...input, sequence: 1, previousHash: GENESIS_HASH });
      expect(stored!.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored!.recordedAt).toBeInstanceOf(Date);
    });

    it('keeps a separate chain per tenant, and one for platform events, even when they share a batch', async () => {
      const [tenantA, tenantB] = [randomUUID(), randomUUID()];
      const platformAggregate = randomUUID();
      const batch = [
        record(tenantA),
        record(tenantB),
        record(null, { aggregateId: platformAggregate }),
        record(tenantA),
        record(tenantB),
        record(tenantB),
      ];
      expect(await store.append(batch)).toHaveLength(6);

      const chainA = await chainOf(tenantA);
      const chainB = await chainOf(tenantB);
      expect(ids(chainA)).toEqual(ids([batch[0]!, batch[3]!]));
      expect(ids(chainB)).toEqual(ids([batch[1]!, batch[4]!, batch[5]!]));
      expect(chainA.map((r) => r.sequence)).toEqual([1, 2]);
      expect(chainB.map((r) => r.sequence)).toEqual([1, 2, 3]);
      expect(chainA[0]!.previousHash).toBe(GENESIS_HASH);
      expect(chainB[0]!.previousHash).toBe(GENESIS_HASH);
      expect(chainB[1]!.previousHash).toBe(chainB[0]!.hash);

      const [platform] = await store.list({ tenantId: null, aggregateId: platformAggregate }, null, 10);
      expect(platform).toMatchObject({ eventId: batch[2]!.eventId, tenantId: null });
      expect(await store.verifyChain(null)).toMatchObject({ ok: true, brokenAt: null });
      expect(await store.verifyChain(tenantA)).toEqual({ ok: true, brokenAt: null, checked: 2 });
      expect(await store.verifyChain(tenantB)).toEqual({ ok: true, brokenAt: null, checked: 3 });
    });

    it('lists newest first and pages on with an eventId cursor', async () => {
      const tenant = randomUUID();
      const batch = timeline(tenant, [0, 1, 2, 3, 4]);
      await store.append(batch);
      const newestFirst = ids(batch).reverse();

      const first = await store.list({ tenantId: tenant }, null, 2);
      const second = await store.list({ tenantId: tenant }, first[1]!.eventId, 2);
      const third = await store.list({ tenantId: tenant }, second[1]!.eventId, 2);

      expect([ids(first), ids(second), ids(third)]).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
      expect(await store.list({ tenantId: tenant }, third[0]!.eventId, 2)).toEqual([]);
      expect(await store.list({ tenantId: randomUUID() }, null, 10)).toEqual([]);
    });

    it('filters by types, aggregateId and actorId', async () => {
      const tenant = randomUUID();
      const aggregateId = randomUUID();
      const actorId = randomUUID();
      const created = record(tenant, { type: 'identity.user.created', aggregateId });
      const renamed = record(tenant, { type: 'identity.user.renamed', aggregateId, actorId });
      const other = record(tenant, { type: 'tenancy.tenant.created', actorId });
      await store.append([created, renamed, other]);

      const listed = async (filter: Omit<Parameters<AuditStore['list']>[0], 'tenantId'>) => ids(await store.list({ tenantId: tenant, ...filter }, null, 10));
      expect(await listed({ types: ['identity.user.created', 'tenancy.tenant.created'] })).toEqual(ids([other, created]));
      expect(await listed({ types: [] })).toEqual(ids([other, renamed, created]));
      expect(await listed({ aggregateId })).toEqual(ids([renamed, created]));
      expect(await listed({ actorId })).toEqual(ids([other, renamed]));
      expect(await listed({ aggregateId, actorId, types: ['identity.user.renamed'] })).toEqual(ids([renamed]));
    });

    it('filters on occurredAt with both ends of the range included', async () => {
      const tenant = randomUUID();
      const batch = timeline(tenant, [0, 10, 20, 30]);
      await store.append(batch);
      const at = (m: number) => new Date(BASE_TIME + m * MINUTE);

      const inRange = await store.list({ tenantId: tenant, from: at(10), to: at(20) }, null, 10);
      expect(ids(inRange)).toEqual(ids([batch[2]!, batch[1]!]));
      expect(ids(await store.list({ tenantId: tenant, from: at(20) }, null, 10))).toEqual(ids([batch[3]!, batch[2]!]));
      expect(ids(await store.list({ tenantId: tenant, to: at(0) }, null, 10))).toEqual(ids([batch[0]!]));
    });

    it('finds records by id in the order asked, skipping ids it does not hold', async () => {
      const tenant = randomUUID();
      const [a, b] = timeline(tenant, [0, 1]);
      await store.append([a!, b!]);
      const found = await store.findByIds([b!.eventId, uuid7(), 'not-an-id', a!.eventId.toUpperCase()]);
      expect(ids(found)).toEqual([b!.eventId, a!.eventId]);
    });

    it('verifies an intact chain built over several appends', async () => {
      const tenant = randomUUID();
      for (let i = 0; i < 4; i += 1) await store.append(timeline(tenant, [i, i, i]));
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 12 });
    });

    it('verifies the chain of a tenant with no records as ok', async () => {
      expect(await store.verifyChain(randomUUID())).toEqual({ ok: true, brokenAt: null, checked: 0 });
    });

    it('reports the record whose data was changed behind its back', async () => {
      const tenant = randomUUID();
      const batch = timeline(tenant, [0, 1, 2, 3]);
      await store.append(batch);
      await harness.tamper(batch[2]!.eventId);

      const verification = await store.verifyChain(tenant);
      expect(verification.ok).toBe(false);
      expect(verification.brokenAt?.eventId).toBe(batch[2]!.eventId);
      expect(verification.checked).toBe(3);
    });

    it('refuses to purge a prefix that does not verify, so retention cannot erase tampering', async () => {
      const tenant = randomUUID();
      const batch = timeline(tenant, [0, 1, 2]);
      await store.append(batch);
      await harness.tamper(batch[0]!.eventId);

      await expect(store.purge(tenant, new Date(BASE_TIME + 60 * MINUTE))).rejects.toThrow(/refused, the chain is broken at sequence 1/);
      expect(await chainOf(tenant)).toHaveLength(3);
    });

    it('keeps one linear, verifying chain without duplicates when two stores append at once', async () => {
      const tenant = randomUUID();
      const other = await harness.openStore();
      try {
        const events = Array.from({ length: 240 }, (_, i) => record(tenant, { occurredAt: new Date(BASE_TIME + i) }));
        const batches = Array.from({ length: 12 }, (_, i) => events.slice(i * 20, i * 20 + 20));
        // Each replica hears every batch (as two consumers of a redelivering stream would), in a different order.
        const results = await Promise.all([
          Promise.all(batches.map((batch) => store.append(batch))),
          Promise.all([...batches].reverse().map((batch) => other.append(batch))),
        ]);

        const added = results.flat().reduce((sum, written) => sum + written.length, 0);
        const chain = await chainOf(tenant);
        expect(added).toBe(events.length);
        expect(chain.map((r) => r.sequence)).toEqual(events.map((_, i) => i + 1));
        expect(new Set(ids(chain))).toEqual(new Set(ids(events)));
        expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: events.length });
      } finally {
        await other.close();
      }
    });

    it('purges the prefix that occurred before the cut-off and the rest still verifies', async () => {
      const tenant = randomUUID();
      const batch = timeline(tenant, [0, 1, 2, 3, 4]);
      await store.append(batch);

      expect(await store.purge(tenant, new Date(BASE_TIME + 3 * MINUTE))).toEqual({ removed: 3 });
      expect(ids(await chainOf(tenant))).toEqual(ids(batch.slice(3)));
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 2 });

      // The chain goes on from where it was, and a second purge cuts from the new anchor.
      await store.append(timeline(tenant, [5]));
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 3 });
      expect(await store.purge(tenant, new Date(BASE_TIME + 5 * MINUTE))).toEqual({ removed: 2 });
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 1 });
    });

    it('purge keeps every record from the first one newer than the cut-off on, even older ones after it', async () => {
      const tenant = randomUUID();
      // Chain order is append order: the fourth record occurred earlier than the third.
      const batch = timeline(tenant, [0, 1, 30, 2]);
      await store.append(batch);

      expect(await store.purge(tenant, new Date(BASE_TIME + 10 * MINUTE))).toEqual({ removed: 2 });
      expect(ids(await chainOf(tenant))).toEqual(ids(batch.slice(2)));
      expect(await store.purge(tenant, new Date(BASE_TIME + 10 * MINUTE))).toEqual({ removed: 0 });
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 2 });
    });

    it('lists the tenants that have records, until retention removes them all', async () => {
      const tenant = randomUUID();
      await store.append(timeline(tenant, [0, 1]));
      expect(await store.tenantsWithRecords()).toContain(tenant);

      expect(await store.purge(tenant, new Date(BASE_TIME + 60 * MINUTE))).toEqual({ removed: 2 });
      expect(await store.tenantsWithRecords()).not.toContain(tenant);
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 0 });
      await store.append(timeline(tenant, [61]));
      const [next] = await chainOf(tenant);
      expect(next!.sequence).toBe(3);
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 1 });
    });
  });
}
