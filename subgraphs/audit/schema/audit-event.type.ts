import { GraphQLJSON } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ActorKind } from '../../../infrastructure/events/domain-event';
import { TenantReference } from '../../../infrastructure/graphql/entity-references';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';

export enum AuditActorKind {
  USER = 'USER',
  PLATFORM = 'PLATFORM',
  API_KEY = 'API_KEY',
  SYSTEM = 'SYSTEM',
}
registerEnumType(AuditActorKind, {
  name: 'AuditActorKind',
  description: 'What kind of principal caused an audited event.',
  valuesConfig: {
    USER: { description: "A user of the event's tenant." },
    PLATFORM: { description: 'A platform user, such as a platform admin: a user who belongs to no tenant.' },
    API_KEY: { description: 'A machine client with an API key of the tenant.' },
    SYSTEM: { description: 'Lattice itself, or a caller who was not signed in yet (sign-in attempts).' },
  },
});

/** A User as audit knows it: its key, and the audit trail audit contributes to it. */
@Directive('@key(fields: "id")')
@ObjectType('User')
export class AuditUserType {
  @Field(() => ID)
  id!: string;
}

// On the type: any field that ever returns an event (a list, an entity reference) needs audit:read too.
@Directive(requiresScopes(PERMISSIONS.auditRead))
@Directive('@key(fields: "id")')
@ObjectType('AuditEvent', { description: 'One recorded domain event. Append-only: there is no way to change or delete it through the API.' })
export class AuditEventType {
  @Field(() => ID, { description: "The domain event's id (UUIDv7)." })
  id!: string;

  @Field(() => String, { description: 'Event type, e.g. identity.user.created.' })
  type!: string;

  @Field(() => String)
  aggregateType!: string;

  @Field(() => String)
  aggregateId!: string;

  @Field(() => Int, { description: "The event's position in its aggregate's stream." })
  aggregateVersion!: number;

  // tenant, actor and actorKind are resolved by AuditEventResolver from the three fields below: what the caller may see of them depends on who asks.
  @Field(() => TenantReference, { nullable: true, description: 'The tenant it happened in; null for platform events, and for a tenant you may not see.' })
  tenant?: TenantReference | null;

  @Field(() => AuditUserType, {
    nullable: true,
    description: 'The user who caused it, when a user did and you may see them: a platform user (actorKind PLATFORM) only to platform admins.',
  })
  actor?: AuditUserType | null;

  @Field(() => AuditActorKind, { description: 'What kind of principal caused it.' })
  actorKind?: AuditActorKind;

  /** Not GraphQL fields: what the record says, for the resolvers above. */
  tenantId!: string | null;
  recordedActorKind!: ActorKind;
  actorId!: string | null;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => GraphQLJSON)
  data!: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => Int, { description: "Position in its tenant's hash chain." })
  sequence!: number;

  @Field(() => String, { description: 'sha256(previous hash ‖ canonical JSON of this record), hex.' })
  hash!: string;

  @Field(() => String)
  previousHash!: string;
}

export const AuditEventConnection = connectionType('AuditEvent', AuditEventType);
export type AuditEventConnection = Connection<AuditEventType>;

@Directive(requiresScopes(PERMISSIONS.auditRead))
@ObjectType('AuditChainVerification', { description: "The result of recomputing a tenant's audit hash chain." })
export class AuditChainVerificationType {
  @Field(() => Boolean, { description: 'True when every record from the chain’s anchor to its head verifies.' })
  ok!: boolean;

  @Field(() => AuditEventType, { nullable: true, description: 'The first record that does not verify (null when ok, or when records at the end are missing).' })
  brokenAt!: AuditEventType | null;

  @Field(() => Int, { description: 'How many records were checked.' })
  checked!: number;
}
