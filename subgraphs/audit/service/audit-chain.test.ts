import { createHash } from 'node:crypto';
import type { AuditRecord, AuditRecordInput } from '../store/audit-store';
import { canonicalJson, chainHash, GENESIS, GENESIS_HASH, linkRecords, walkChain, type ChainedFields } from './audit-chain';

const inputFields: AuditRecordInput = {
  eventId: '0190c1d2-7e3a-7b4c-8d5e-6f708192a3b4',
  type: 'identity.user.created',
  schemaVersion: 1,
  source: 'identity',
  aggregateType: 'User',
  aggregateId: 'f5b1c2d3-0000-4000-8000-000000000001',
  aggregateVersion: 3,
  tenantId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  actorKind: 'USER',
  actorId: 'a1b2c3d4-0000-4000-8000-000000000002',
  requestId: 'r-1',
  ipAddress: '203.0.113.7',
  userAgent: 'curl/8',
  occurredAt: new Date('2024-06-01T12:00:00.000Z'),
  data: { email: 'ada@example.com', profile: { name: 'Ada', roles: ['admin', 'auditor'] } },
};
const fields: ChainedFields = { ...inputFields, sequence: 1, previousHash: GENESIS_HASH };

function input(n: number): AuditRecordInput {
  return { ...inputFields, eventId: `0190c1d2-7e3a-7b4c-8d5e-6f708192a3b${n}`, data: { n } };
}

async function* pagesOf(...pages: AuditRecord[][]) {
  for (const page of pages) yield page;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves out whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('writes Dates as ISO strings and drops undefined members, as stored JSON would', () => {
    expect(canonicalJson({ at: new Date('2024-06-01T12:00:00Z'), gone: undefined, list: [undefined, 1] })).toBe('{"at":"2024-06-01T12:00:00.000Z","list":[null,1]}');
  });

  it('refuses a bigint rather than hashing something that cannot be stored', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });
});

describe('chainHash', () => {
  it('is the sha256 of the previous hash followed by the canonical record', () => {
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalJson(fields)).digest('hex');
    expect(chainHash(GENESIS_HASH, fields)).toBe(expected);
  });

  it('does not depend on the order of keys, in the record or in its data', () => {
    const reordered = Object.fromEntries(Object.entries(fields).reverse()) as unknown as ChainedFields;
    const reorderedData = { ...fields, data: { profile: { roles: ['admin', 'auditor'], name: 'Ada' }, email: 'ada@example.com' } };
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, fields));
    expect(chainHash(GENESIS_HASH, reorderedData)).toBe(chainHash(GENESIS_HASH, fields));
  });

  it('ignores the hash and recordedAt of a whole record', () => {
    const stored: AuditRecord = { ...fields, hash: 'x'.repeat(64), recordedAt: new Date() };
    expect(chainHash(GENESIS_HASH, stored)).toBe(chainHash(GENESIS_HASH, fields));
  });

  const changes: Array<[keyof ChainedFields, unknown]> = [
    ['eventId', '0190c1d2-7e3a-7b4c-8d5e-6f708192a3b5'],
    ['type', 'identity.user.deleted'],
    ['schemaVersion', 2],
    ['source', 'tenancy'],
    ['aggregateType', 'Tenant'],
    ['aggregateId', 'other'],
    ['aggregateVersion', 4],
    ['tenantId', null],
    ['actorKind', 'SYSTEM'],
    ['actorId', null],
    ['requestId', 'r-2'],
    ['ipAddress', '198.51.100.1'],
    ['userAgent', null],
    ['occurredAt', new Date('2024-06-01T12:00:00.001Z')],
    ['data', { email: 'eve@example.com', profile: { name: 'Ada', roles: ['admin', 'auditor'] } }],
    ['sequence', 2],
    ['previousHash', '1'.repeat(64)],
  ];

  it.each(changes)('changes when %s changes', (field, value) => {
    expect(chainHash(GENESIS_HASH, { ...fields, [field]: value })).not.toBe(chainHash(GENESIS_HASH, fields));
  });

  it('changes when a nested data value changes', () => {
    const changed = { ...fields, data: { ...fields.data, profile: { name: 'Ada', roles: ['admin'] } } };
    expect(chainHash(GENESIS_HASH, changed)).not.toBe(chainHash(GENESIS_HASH, fields));
  });

  it('changes with the previous hash it extends', () => {
    expect(chainHash('1'.repeat(64), fields)).not.toBe(chainHash(GENESIS_HASH, fields));
  });
});

describe('walkChain', () => {
  const linked = linkRecords(GENESIS, [input(1), input(2), input(3), input(4)], new Date());

  it('verifies records linked from the anchor, across pages', async () => {
    const walk = await walkChain(GENESIS, pagesOf(linked.slice(0, 2), linked.slice(2)));
    expect(walk).toEqual({ brokenAt: null, checked: 4, reached: { sequence: 4, hash: linked[3]!.hash } });
  });

  it('continues from a purge anchor', async () => {
    const anchor = { sequence: 2, hash: linked[1]!.hash };
    expect(await walkChain(anchor, pagesOf(linked.slice(2)))).toMatchObject({ brokenAt: null, checked: 2 });
  });

  it('stops at a record whose content no longer matches its hash', async () => {
    const edited = linked.map((r, i) => (i === 2 ? { ...r, data: { n: 99 } } : r));
    expect(await walkChain(GENESIS, pagesOf(edited))).toMatchObject({ brokenAt: edited[2], checked: 3, reached: { sequence: 2 } });
  });

  it('stops at the record after a missing one', async () => {
    const gap = [linked[0]!, linked[2]!, linked[3]!];
    expect(await walkChain(GENESIS, pagesOf(gap))).toMatchObject({ brokenAt: linked[2], checked: 2 });
  });

  it('stops at a record rehashed to fit but linked to the wrong predecessor', async () => {
    const relinked: AuditRecord = { ...linked[1]!, previousHash: GENESIS_HASH };
    const forged: AuditRecord = { ...relinked, hash: chainHash(GENESIS_HASH, relinked) };
    expect(await walkChain(GENESIS, pagesOf([linked[0]!, forged]))).toMatchObject({ brokenAt: forged, checked: 2 });
  });
});
