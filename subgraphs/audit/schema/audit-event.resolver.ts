import { Arg, Args, ArgsType, Ctx, Directive, Field, FieldResolver, ID, InputType, Query, Resolver, Root } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { AuditContext } from '../audit-context';
import { tenantReference, type TenantReference } from '../../../infrastructure/graphql/entity-references';
import { recordedPartiesOf, toAuditEventType } from './audit-event-mapping';
import { AuditActorKind, AuditChainVerificationType, AuditEventConnection, AuditEventType, AuditUserType } from './audit-event.type';

@InputType('AuditEventFilter', { description: 'Every given field narrows the list; from/to are inclusive bounds on occurredAt.' })
class AuditEventFilterInput {
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

@ArgsType()
class AuditEventsArgs extends PageArgs {
  @Field(() => AuditEventFilterInput, { nullable: true })
  filter?: AuditEventFilterInput | null;

  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;
}

@Resolver(() => AuditEventType)
export class AuditEventResolver {
  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @Query(() => AuditEventConnection, { description: "The caller's tenant's audit trail, newest first. Needs audit:read. An inverted from/to is BAD_USER_INPUT." })
  async auditEvents(@Ctx() ctx: AuditContext, @Args(() => AuditEventsArgs) args: AuditEventsArgs): Promise<AuditEventConnection> {
    return mapPage(await ctx.audit.list(args), toAuditEventType);
  }

  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @Query(() => AuditChainVerificationType, {
    description: "Recomputes a tenant's audit hash chain (the caller's by default; another tenant needs platform:admin) and names the first record that does not verify.",
  })
  async verifyAuditChain(@Ctx() ctx: AuditContext, @Arg('tenantId', () => ID, { nullable: true }) tenantId?: string | null): Promise<AuditChainVerificationType> {
    const result = await ctx.audit.verifyChain(tenantId);
    return Object.assign(new AuditChainVerificationType(), { ok: result.ok, checked: result.checked, brokenAt: result.brokenAt ? toAuditEventType(result.brokenAt) : null });
  }

  @FieldResolver()
  tenant(@Root() event: AuditEventType, @Ctx() ctx: AuditContext): TenantReference | null {
    return tenantReference(ctx.references.tenantOf(recordedPartiesOf(event)));
  }

  @FieldResolver()
  async actor(@Root() event: AuditEventType, @Ctx() ctx: AuditContext): Promise<AuditUserType | null> {
    const id = await ctx.references.actorOf(recordedPartiesOf(event));
    return id === null ? null : Object.assign(new AuditUserType(), { id });
  }

  @FieldResolver()
  async actorKind(@Root() event: AuditEventType, @Ctx() ctx: AuditContext): Promise<AuditActorKind> {
    return AuditActorKind[await ctx.references.actorKindOf(recordedPartiesOf(event))];
  }
}

@Resolver(() => AuditUserType)
export class AuditUserResolver {
  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @FieldResolver(() => AuditEventConnection, { description: "What happened to this user (their User aggregate's events), newest first. Needs audit:read." })
  async auditTrail(@Root() user: AuditUserType, @Ctx() ctx: AuditContext, @Args(() => PageArgs) args: PageArgs): Promise<AuditEventConnection> {
    return mapPage(await ctx.audit.trailOf(user.id, args), toAuditEventType);
  }
}
