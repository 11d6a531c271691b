import { GraphQLJSON } from 'graphql-scalars';
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { TenantReference, UserReference } from '../../../infrastructure/graphql/entity-references';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';

// On the type: any field that ever returns an event (a list, an entity reference) needs audit:read too.
@Directive(requiresScopes(PERMISSIONS.auditRead))
@Directive('@key(fields: "id")')
@ObjectType('AuditEvent', { description: 'One recorded domain event. Append-only: there is no way to change or delete it.' })
export class AuditEventType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Event type, e.g. identity.user.created.' })
  type!: string;

  @Field(() => String)
  aggregateType!: string;

  @Field(() => String)
  aggregateId!: string;

  @Field(() => TenantReference, { nullable: true })
  tenant!: TenantReference | null;

  @Field(() => UserReference, { nullable: true, description: 'The user who caused it, when a user did.' })
  actor!: UserReference | null;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => GraphQLJSON)
  data!: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  requestId!: string | null;
}

export const AuditEventConnection = connectionType('AuditEvent', AuditEventType);
export type AuditEventConnection = Connection<AuditEventType>;
