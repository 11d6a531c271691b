import { Arg, Args, Ctx, Directive, FieldResolver, ID, Query, Resolver, Root, Subscription } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { servedByGateway } from '../../../infrastructure/graphql/gateway-served-subscriptions';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { AuditContext } from '../audit-context';
import { tenantReference, type TenantReference } from '../../../infrastructure/graphql/entity-references';
import { recordedPartiesOf, toAuditEventType } from './audit-event-mapping';
import { AuditEventsArgs, AuditEventSubscriptionFilterInput } from './audit-event.inputs';
import { AuditActorKind, AuditChainVerificationType, AuditEventConnection, AuditEventType, AuditUserType } from './audit-event.type';

@Resolver(() => AuditEventType)
export class AuditEventResolver {
  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @Query(() => AuditEventConnection, { description: "The caller's tenant's audit trail, newest first. Needs audit:read. An inverted from/to is BAD_USER_INPUT." })
  async auditEvents(@Ctx() ctx: AuditContext, @Args(() => AuditEventsArgs) args: AuditEventsArgs): Promise<AuditEventConnection> {
    return mapPage(await ctx.audit.list(args), toAuditEventType);
  }

  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @Query(() => AuditEventType, { nullable: true, description: 'One audit record by its id; NOT_FOUND when it does not exist or is not yours.' })
  async auditEvent(@Ctx() ctx: AuditContext, @Arg('id', () => ID) id: string): Promise<AuditEventType> {
    return toAuditEventType(await ctx.audit.find(id));
  }

  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @Subscription(() => AuditEventType, {
    subscribe: servedByGateway,
    description: "Each record of your tenant's audit trail as soon as it is written (with its sequence and hash). Served by the gateway over graphql-ws.",
  })
  auditEventRecorded(@Arg('filter', () => AuditEventSubscriptionFilterInput, { nullable: true }) _filter?: AuditEventSubscriptionFilterInput | null): AuditEventType {
    return servedByGateway();
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
