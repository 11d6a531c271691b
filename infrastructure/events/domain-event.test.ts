import {
  createDomainEvent,
  findDomainEventProblem,
  isDomainEvent,
  parseDomainEvent,
  serializeDomainEvent,
  type DomainEvent,
  type NewDomainEvent,
} from './domain-event';
import { uuid7Timestamp } from './uuid7';

const fields: NewDomainEvent<{ slug: string }> = {
  type: 'tenancy.tenant.created',
  source: 'tenancy',
  aggregateType: 'Tenant',
  aggregateId: '0190a6f2-7c1e-7b3a-9f00-0123456789ab',
  aggregateVersion: 1,
  tenantId: '0190a6f2-7c1e-7b3a-9f00-0123456789ab',
  actor: { kind: 'USER', id: 'user-1' },
  requestId: 'req-1',
  data: { slug: 'acme' },
};

describe('createDomainEvent', () => {
  it('fills in a UUIDv7 id, occurredAt from that id, schemaVersion 1 and null ipAddress/userAgent', () => {
    const before = Date.now();
    const event = createDomainEvent(fields);

    expect(event).toEqual({
      ...fields,
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      schemaVersion: 1,
      ipAddress: null,
      userAgent: null,
    });
    expect(Date.parse(event.occurredAt)).toBe(uuid7Timestamp(event.id));
    expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(before);
  });

  it('keeps a given schemaVersion, ipAddress and userAgent', () => {
    const event = createDomainEvent({ ...fields, schemaVersion: 2, ipAddress: '203.0.113.7', userAgent: 'curl/8' });

    expect(event).toMatchObject({ schemaVersion: 2, ipAddress: '203.0.113.7', userAgent: 'curl/8' });
  });

  it('gives events created in a row increasing ids', () => {
    const ids = Array.from({ length: 100 }, () => createDomainEvent(fields).id);

    expect([...ids].sort()).toEqual(ids);
  });

  it('copies only envelope fields', () => {
    const event = createDomainEvent({ ...fields, extra: 'dropped' } as NewDomainEvent<{ slug: string }>);

    expect(event).not.toHaveProperty('extra');
  });

  it('throws naming the bad field', () => {
    expect(() => createDomainEvent({ ...fields, type: 'Tenant Created' })).toThrow(
      `createDomainEvent: type must be a dotted event type like 'tenancy.tenant.created' (got "Tenant Created")`,
    );
    expect(() => createDomainEvent({ ...fields, aggregateVersion: 1.5 })).toThrow(/aggregateVersion must be a non-negative integer/);
  });
});

describe('isDomainEvent', () => {
  const valid: DomainEvent = createDomainEvent(fields);

  it('accepts a created event, also after a JSON round trip', () => {
    expect(isDomainEvent(valid)).toBe(true);
    expect(isDomainEvent(JSON.parse(JSON.stringify(valid)))).toBe(true);
  });

  it('accepts occurredAt with a UTC offset', () => {
    expect(isDomainEvent({ ...valid, occurredAt: '2025-01-31T12:00:00+01:00' })).toBe(true);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [valid]],
    ['a missing id', { ...valid, id: undefined }],
    ['a non-UUID id', { ...valid, id: 'evt-1' }],
    ['an empty type', { ...valid, type: '' }],
    ['a wildcard type', { ...valid, type: 'tenancy.*' }],
    ['schemaVersion 0', { ...valid, schemaVersion: 0 }],
    ['an empty source', { ...valid, source: '' }],
    ['a numeric aggregateId', { ...valid, aggregateId: 42 }],
    ['a negative aggregateVersion', { ...valid, aggregateVersion: -1 }],
    ['a string aggregateVersion', { ...valid, aggregateVersion: '1' }],
    ['an undefined tenantId', { ...valid, tenantId: undefined }],
    ['an unknown actor kind', { ...valid, actor: { kind: 'ROBOT', id: null } }],
    ['an actor without id', { ...valid, actor: { kind: 'USER' } }],
    ['a numeric requestId', { ...valid, requestId: 7 }],
    ['a missing ipAddress', { ...valid, ipAddress: undefined }],
    ['a date-only occurredAt', { ...valid, occurredAt: '2025-01-31' }],
    ['an impossible occurredAt', { ...valid, occurredAt: '2025-13-45T99:00:00Z' }],
    ['array data', { ...valid, data: [] }],
    ['null data', { ...valid, data: null }],
  ])('rejects %s', (_, value) => {
    expect(isDomainEvent(value)).toBe(false);
    expect(findDomainEventProblem(value)).toEqual(expect.any(String));
  });
});

describe('serializeDomainEvent and parseDomainEvent', () => {
  it('round-trip an event deep-equal', () => {
    const event = createDomainEvent({ ...fields, data: { slug: 'acme', nested: { list: [1, null, 'x'] } } });

    expect(parseDomainEvent(serializeDomainEvent(event))).toEqual(event);
  });

  it('refuse data that JSON cannot carry, naming the event', () => {
    const event = createDomainEvent({ ...fields, data: { big: BigInt(1) } });

    expect(() => serializeDomainEvent(event)).toThrow(`DomainEvent tenancy.tenant.created ${event.id} is not JSON-serializable`);
  });

  it('refuse a payload that is not JSON or not an envelope', () => {
    expect(() => parseDomainEvent('{nope')).toThrow(/Not a DomainEvent: payload is not JSON/);
    expect(() => parseDomainEvent('{"type":"tenancy.tenant.created"}')).toThrow('Not a DomainEvent: id must be a UUID (got undefined)');
  });
});
