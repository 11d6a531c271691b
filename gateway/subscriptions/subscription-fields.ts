import type { DomainEvent } from '../../infrastructure/events';
import { AGGREGATE_ID, type IdFormats } from '../../infrastructure/graphql/ids/id-formats';

/** The subscription arguments' ids that are not UUIDs, checked like every subgraph's (infrastructure/graphql/ids). */
export const SUBSCRIPTION_ID_FORMATS: IdFormats = { 'AuditEventSubscriptionFilter.aggregateId': AGGREGATE_ID };

/** One argument of the query that reads an event's entity as it is now: its GraphQL type and value. */
export interface EntityArgument {
  readonly name: string;
  readonly type: string;
  readonly value: unknown;
}

/**
 * A subscription field of Lattice's supergraph and the domain events behind it. The owning subgraph declares the
 * field (so it composes like any other); the gateway serves it: for each event it reads the entity through an
 * ordinary federated query (`entityQuery`) with the subscriber's own context, so authorization, tenancy scope and
 * cross-subgraph fields are exactly what a query would get.
 */
export interface SubscriptionField {
  /** The bus pattern of the events that may reach it. */
  readonly events: string;
  /** Whether `event` is one a subscription with these (coerced) arguments asked for. */
  matches(event: DomainEvent, args: Readonly<Record<string, unknown>>): boolean;
  /** The root query field that reads the entity, and its arguments for this event. */
  entityQuery(event: DomainEvent): { readonly field: string; readonly args: readonly EntityArgument[] };
  /**
   * Where the entity sits in the answer: null when the subscription field returns the entity itself
   * (`auditEventRecorded: AuditEvent!`); otherwise the field of the change wrapper holding it (`UserChange.user`).
   */
  readonly wrapperField: string | null;
  /** The change wrapper's other fields, read from the event (`type`, `occurredAt`, …). */
  wrapperValue?(event: DomainEvent, field: string): unknown;
}

const dataOf = (event: DomainEvent, key: string): unknown => (event.data)[key];

/** `type`, `occurredAt`: what every change wrapper (UserChange, TenantChange, …) has. */
function changeValue(event: DomainEvent, field: string): unknown {
  if (field === 'type') return event.type;
  if (field === 'occurredAt') return event.occurredAt;
  return null;
}

/** A `<entity>Changed(id: ID)` field over `<prefix>.*` events whose aggregate is the entity. */
function entityChanges(events: string, query: string, wrapperField: string): SubscriptionField {
  return {
    events,
    matches: (event, args) => args.id === undefined || args.id === null || args.id === event.aggregateId,
    entityQuery: (event) => ({ field: query, args: [{ name: 'id', type: 'ID!', value: event.aggregateId }] }),
    wrapperField,
    wrapperValue: changeValue,
  };
}

/** The subscription fields the gateway serves, by root field name. */
export const SUBSCRIPTION_FIELDS: Readonly<Record<string, SubscriptionField>> = {
  auditEventRecorded: {
    // Audit announces each record once it is written (with its sequence and hash), not when the event happened.
    events: 'audit.event.recorded',
    matches(event, args) {
      const filter = (args.filter ?? {}) as { types?: readonly string[] | null; aggregateId?: string | null };
      if (filter.types && filter.types.length > 0 && !filter.types.includes(String(dataOf(event, 'eventType')))) return false;
      return filter.aggregateId === undefined || filter.aggregateId === null || filter.aggregateId === dataOf(event, 'eventAggregateId');
    },
    entityQuery: (event) => ({ field: 'auditEvent', args: [{ name: 'id', type: 'ID!', value: event.aggregateId }] }),
    wrapperField: null,
  },
  userChanged: entityChanges('identity.user.*', 'user', 'user'),
  tenantChanged: entityChanges('tenancy.tenant.*', 'tenant', 'tenant'),
  organizationChanged: entityChanges('tenancy.organization.*', 'organization', 'organization'),
  departmentChanged: entityChanges('tenancy.department.*', 'department', 'department'),
  configurationChanged: {
    events: 'tenancy.configuration.*',
    matches: (event, args) => args.key === undefined || args.key === null || args.key === dataOf(event, 'key'),
    entityQuery: (event) => ({
      field: 'configuration',
      args: [
        { name: 'scope', type: 'ConfigurationScopeInput!', value: { level: dataOf(event, 'level'), id: dataOf(event, 'scopeId') ?? null } },
        { name: 'key', type: 'String!', value: dataOf(event, 'key') },
      ],
    }),
    wrapperField: 'entry',
    wrapperValue(event, field) {
      if (field === 'key' || field === 'level') return dataOf(event, field);
      if (field === 'scopeId') return dataOf(event, 'scopeId') ?? null;
      return changeValue(event, field);
    },
  },
};

/** Events after which the entity is gone: its change is still delivered, with the entity null. */
export const isRemoval = (event: DomainEvent): boolean => /\.(deleted|removed)$/.test(event.type);
