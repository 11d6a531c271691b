import { activeTraceparent } from '../tracing/trace-context';
import { uuid7, uuid7Timestamp } from './uuid7';

export type ActorKind = 'USER' | 'API_KEY' | 'SYSTEM';

/** The envelope every domain event travels in, on every bus. `data` must survive JSON. */
export interface DomainEvent<D = Record<string, unknown>> {
  id: string;
  type: string;
  schemaVersion: number;
  source: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  tenantId: string | null;
  actor: { kind: ActorKind; id: string | null };
  requestId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  occurredAt: string;
  data: D;
  /**
   * The W3C `traceparent` of the span that wrote the event, so whoever consumes it continues that trace. Absent when
   * it was written outside a trace (always, with tracing off); never part of what the event says happened.
   */
  traceparent?: string | null;
}

export type NewDomainEvent<D> = Omit<
  DomainEvent<D>,
  'id' | 'occurredAt' | 'schemaVersion' | 'ipAddress' | 'userAgent'
> &
  Partial<Pick<DomainEvent<D>, 'schemaVersion' | 'ipAddress' | 'userAgent'>>;

/**
 * Fills in id (UUIDv7), occurredAt, schemaVersion (1), null ipAddress/userAgent and, inside a trace, the current
 * span's traceparent (unless given); throws if the result is not a valid envelope.
 */
export function createDomainEvent<D>(e: NewDomainEvent<D>): DomainEvent<D> {
  const id = uuid7();
  const traceparent = e.traceparent ?? activeTraceparent();
  const event: DomainEvent<D> = {
    id,
    type: e.type,
    schemaVersion: e.schemaVersion ?? 1,
    source: e.source,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    aggregateVersion: e.aggregateVersion,
    tenantId: e.tenantId,
    actor: { kind: e.actor.kind, id: e.actor.id },
    requestId: e.requestId,
    ipAddress: e.ipAddress ?? null,
    userAgent: e.userAgent ?? null,
    // Read from the id so sorting by id and by occurredAt always agree.
    occurredAt: new Date(uuid7Timestamp(id)).toISOString(),
    data: e.data,
    ...(traceparent ? { traceparent } : {}),
  };
  const problem = findDomainEventProblem(event);
  if (problem !== null) {
    throw new TypeError(`createDomainEvent: ${problem}`);
  }
  return event;
}

export function isDomainEvent(value: unknown): value is DomainEvent {
  return findDomainEventProblem(value) === null;
}

const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ACTOR_KINDS: ReadonlySet<unknown> = new Set<ActorKind>(['USER', 'API_KEY', 'SYSTEM']);

/** Dot-separated segments of letters, digits, '_' and '-', e.g. 'tenancy.tenant.created'. */
export function isEventType(value: unknown): value is string {
  return typeof value === 'string' && EVENT_TYPE.test(value);
}

type FieldCheck = readonly [field: keyof DomainEvent, isValid: (value: unknown) => boolean, expected: string];

const FIELD_CHECKS: readonly FieldCheck[] = [
  ['id', (v) => typeof v === 'string' && UUID.test(v), 'a UUID'],
  ['type', isEventType, "a dotted event type like 'tenancy.tenant.created'"],
  ['schemaVersion', (v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  ['source', isNonEmptyString, 'a non-empty string'],
  ['aggregateType', isNonEmptyString, 'a non-empty string'],
  ['aggregateId', isNonEmptyString, 'a non-empty string'],
  ['aggregateVersion', (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  ['tenantId', isStringOrNull, 'a string or null'],
  [
    'actor',
    (v) => isRecord(v) && ACTOR_KINDS.has(v['kind']) && isStringOrNull(v['id']),
    "{ kind: 'USER' | 'API_KEY' | 'SYSTEM', id: string | null }",
  ],
  ['requestId', isStringOrNull, 'a string or null'],
  ['ipAddress', isStringOrNull, 'a string or null'],
  ['userAgent', isStringOrNull, 'a string or null'],
  [
    'occurredAt',
    (v) => typeof v === 'string' && ISO_TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)),
    'an ISO 8601 timestamp like 2025-01-31T12:00:00.000Z',
  ],
  ['data', isRecord, 'an object'],
  // Not checked for form: a consumer ignores a malformed one (a new trace starts), it never loses the event.
  ['traceparent', (v) => v === undefined || isStringOrNull(v), 'a string, null or absent'],
];

/** Why `value` is not a DomainEvent, or null if it is one. */
export function findDomainEventProblem(value: unknown): string | null {
  if (!isRecord(value)) {
    return `expected an event object (got ${show(value)})`;
  }
  for (const [field, isValid, expected] of FIELD_CHECKS) {
    if (!isValid(value[field])) {
      return `${field} must be ${expected} (got ${show(value[field])})`;
    }
  }
  return null;
}

/** The JSON an event travels as; throws a TypeError naming the problem if it is not a valid, serializable envelope. */
export function serializeDomainEvent(event: unknown): string {
  const problem = findDomainEventProblem(event);
  if (problem !== null) {
    throw new TypeError(`Not a DomainEvent: ${problem}`);
  }
  const { type, id } = event as DomainEvent;
  try {
    return JSON.stringify(event);
  } catch (error) {
    throw new TypeError(`DomainEvent ${type} ${id} is not JSON-serializable: ${errorMessage(error)}`);
  }
}

/** Reads an event from its JSON; throws a TypeError naming the problem if it is not a valid envelope. */
export function parseDomainEvent(json: string): DomainEvent {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new TypeError(`Not a DomainEvent: payload is not JSON (${errorMessage(error)})`);
  }
  const problem = findDomainEventProblem(value);
  if (problem !== null) {
    throw new TypeError(`Not a DomainEvent: ${problem}`);
  }
  return value as DomainEvent;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = `unserialisable ${typeof value}`;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
