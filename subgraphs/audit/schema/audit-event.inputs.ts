import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { AGGREGATE_ID, type IdFormats } from '../../../infrastructure/graphql/ids/id-formats';
import { PageArgs } from '../../../infrastructure/graphql/page-args';

@InputType('AuditEventFilter', { description: 'Every given field narrows the list; from/to are inclusive bounds on occurredAt.' })
export class AuditEventFilterInput {
  @Field(() => [String], { nullable: true, description: 'Event types, e.g. ["identity.user.created"]; at most 50.' })
  types?: string[] | null;

  @Field(() => String, { nullable: true })
  aggregateId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Who caused the event (user or API key id).' })
  actorId?: string | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;
}

@InputType('AuditEventSubscriptionFilter', { description: 'Every given field narrows what auditEventRecorded delivers.' })
export class AuditEventSubscriptionFilterInput {
  @Field(() => [String], { nullable: true, description: 'Types of the recorded events, e.g. ["identity.user.created"].' })
  types?: string[] | null;

  @Field(() => ID, { nullable: true, description: "The recorded events' aggregate id." })
  aggregateId?: string | null;
}

/** The audit subgraph's ids that are not UUIDs (see guardIds). */
export const AUDIT_ID_FORMATS: IdFormats = { 'AuditEventSubscriptionFilter.aggregateId': AGGREGATE_ID };

@ArgsType()
export class AuditEventsArgs extends PageArgs {
  @Field(() => AuditEventFilterInput, { nullable: true })
  filter?: AuditEventFilterInput | null;

  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;
}
