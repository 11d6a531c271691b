import { Args, ArgsType, Ctx, Directive, Field, ID, Query, Resolver } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { AuditContext } from '../audit-context';
import { toAuditEventType } from './audit-event-mapping';
import { AuditEventConnection, AuditEventType } from './audit-event.type';

@ArgsType()
class AuditEventsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;
}

@Resolver(() => AuditEventType)
export class AuditEventResolver {
  @Directive(requiresScopes(PERMISSIONS.auditRead))
  @Query(() => AuditEventConnection, { description: "The caller's tenant's audit trail, newest first. Needs audit:read." })
  async auditEvents(
    @Ctx() ctx: AuditContext,
    @Args(() => AuditEventsArgs) args: AuditEventsArgs,
  ): Promise<AuditEventConnection> {
    return mapPage(await ctx.audit.list(args), toAuditEventType);
  }
}
