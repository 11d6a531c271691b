/**
 * Every domain event type Lattice publishes, with its schema version: `<source>.<aggregate>.<what happened>`.
 * A new event type is added here first; `test/e2e/event-data.e2e.test.ts` makes every one of them happen and
 * checks that none carries a password, hash, token or secret.
 */
export const EVENT_TYPES = {
  'identity.user.created': 1,
  'identity.user.updated': 1,
  'identity.user.suspended': 1,
  'identity.user.reactivated': 1,
  'identity.user.deleted': 1,
  'identity.user.password-changed': 1,
  'identity.user.locked-out': 1,
  'identity.session.revoked': 1,
  'identity.session.refreshed': 1,
  'identity.session.refresh-token-reused': 1,
  'identity.signin.succeeded': 1,
  'identity.signin.failed': 1,
  'identity.apikey.created': 1,
  'identity.apikey.revoked': 1,
  'identity.role.created': 1,
  'identity.role.updated': 1,
  'identity.role.deleted': 1,
  'identity.role.assigned': 1,
  'identity.role.revoked': 1,
  'identity.signing-key.rotated': 1,
  'tenancy.tenant.created': 1,
  'tenancy.tenant.suspended': 1,
  'tenancy.tenant.reactivated': 1,
  'tenancy.organization.created': 1,
  'tenancy.organization.renamed': 1,
  'tenancy.organization.archived': 1,
  'tenancy.department.created': 1,
  'tenancy.department.moved': 1,
  'tenancy.department.archived': 1,
  'tenancy.configuration.set': 1,
  'tenancy.configuration.deleted': 1,
  'security.access.denied': 1,
  /** The schema registry stored a subgraph version and the supergraph it composed (schema/registry). */
  'schema.subgraph.published': 1,
  /** Operations a client registered for the safelist (persisted operations); their text is not in the event. */
  'schema.operations.registered': 1,
} as const satisfies Record<string, number>;

export type EventType = keyof typeof EVENT_TYPES;

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPES, type);
}

/**
 * Event types that only ever travel on the live bus: never recorded in an outbox, appended to the stream or audited.
 * Each announces something already durable elsewhere. They are not in EVENT_TYPES, so a stream consumer refuses one
 * (`validateRegisteredEvent`) and a service cannot record one through its event store.
 */
export const LIVE_EVENT_TYPES = {
  /** Audit wrote a record: aggregateId is the AuditEvent id, aggregateVersion its sequence in the tenant's chain. */
  'audit.event.recorded': 1,
} as const satisfies Record<string, number>;

export type LiveEventType = keyof typeof LIVE_EVENT_TYPES;
