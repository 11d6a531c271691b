import { GraphQLJSON } from 'graphql-scalars';
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { TenantReference, UserReference } from '../../../infrastructure/graphql/entity-references';
import { PageInfo } from '../../../infrastructure/graphql/page-info.type';

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

@ObjectType('AuditEventEdge')
export class AuditEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => AuditEventType)
  node!: AuditEventType;
}

@ObjectType('AuditEventConnection')
export class AuditEventConnection {
  @Field(() => [AuditEventEdge])
  edges!: AuditEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
