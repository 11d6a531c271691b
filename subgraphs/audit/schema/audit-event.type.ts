import { GraphQLJSON } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { TenantReference } from '../../../infrastructure/graphql/entity-references';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';

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

  @Field(() => TenantReference, { nullable: true })
  tenant!: TenantReference | null;

  @Field(() => AuditUserType, { nullable: true, description: 'The user who caused it, when a user did.' })
  actor!: AuditUserType | null;

  @Field(() => String, { description: 'USER, API_KEY or SYSTEM.' })
  actorKind!: string;

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
