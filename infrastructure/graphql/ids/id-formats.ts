/** What a well-formed value of one `ID` argument or input field looks like. */
export interface IdFormat {
  /** Completes "must be …" in the refusal, e.g. `a UUID such as "01964d9e-…"`. */
  readonly description: string;
  accepts(value: string): boolean;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Lattice's ids: every tenant, organization, department, user, API key, role, session and event id is a PostgreSQL
 * `uuid` (UUIDv7 from `infrastructure/events/uuid7`). Any version is accepted, in the canonical hyphenated form only:
 * the one Lattice hands out, so a value Postgres would parse differently never gets that far.
 */
export const UUID_ID: IdFormat = {
  description: 'a UUID such as "01964d9e-7a1c-7b2e-8f00-2a1b3c4d5e6f"',
  accepts: (value) => UUID_PATTERN.test(value),
};

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * An event actor's id (`DomainEvent.actor.id`): a user or API key UUID, or for SYSTEM actors the name of the Lattice
 * service that acted (scheduled signing-key rotations are recorded with actor "identity").
 */
export const ACTOR_ID: IdFormat = {
  description: 'a user or API key UUID, or the name of a Lattice service such as "identity"',
  accepts: (value) => UUID_PATTERN.test(value) || SERVICE_NAME.test(value),
};

/**
 * An event's aggregate id: a UUID for users, tenants, organizations and the rest, but a slot such as
 * `TENANT:<uuid>:billing.plan` for configuration (`slotId` in tenancy's service/configuration.ts).
 */
const AGGREGATE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,299}$/;
export const AGGREGATE_ID: IdFormat = {
  description: 'an aggregate id: a UUID, or a configuration slot such as "TENANT:01964d9e-7a1c-7b2e-8f00-2a1b3c4d5e6f:billing.plan"',
  accepts: (value) => AGGREGATE_ID_PATTERN.test(value),
};

/** A UUID, or one of a fixed set of names (e.g. built-in roles, whose id is their name). */
export function uuidOrOneOf(what: string, names: readonly string[]): IdFormat {
  const known = new Set(names);
  return {
    description: `a UUID or ${what} (${names.map((name) => JSON.stringify(name)).join(', ')})`,
    accepts: (value) => UUID_PATTERN.test(value) || known.has(value),
  };
}

/** Formats by schema coordinate (`Query.tenant(id:)`, `CreateDepartmentInput.organizationId`, `Role.id` for entity keys). */
export type IdFormats = Readonly<Record<string, IdFormat>>;

/**
 * Arguments and input fields named `actorId` hold an actor's id wherever they appear: actors are the event
 * infrastructure's notion, not one subgraph's.
 */
const FORMATS_BY_NAME: IdFormats = { actorId: ACTOR_ID };

/** The format at a coordinate: what the subgraph declared there, else the shared rule for its name, else a UUID. */
export function idFormatAt(formats: IdFormats, coordinate: string, name: string): IdFormat {
  // Own properties only: an argument named `constructor` must not find Object.prototype's.
  if (Object.hasOwn(formats, coordinate)) return formats[coordinate]!;
  if (Object.hasOwn(FORMATS_BY_NAME, name)) return FORMATS_BY_NAME[name]!;
  return UUID_ID;
}
