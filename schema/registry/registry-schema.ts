import { buildSchema, Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { PERMISSIONS, requirePermission, type Permission } from '../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import { readOperationReport } from './operation-report';
import type { RegistryService } from './registry-service';

export interface RegistryContext extends SubgraphContextBase {
  registry: RegistryService;
}

/** Who may do what: the permission each call needs (platform admins hold all three; an API key may hold one). */
function need(request: RequestContext, permission: Permission): void {
  requirePermission(request.principal, permission);
}

@ObjectType('RegistrySubgraph', { description: 'The current version of one subgraph.' })
class RegistrySubgraphType {
  @Field(() => String) name!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { description: 'Where gateways route its fields.' }) url!: string;
  @Field(() => String) author!: string;
  @Field(() => String, { nullable: true }) commit!: string | null;
  @Field(() => Date) publishedAt!: Date;
}

@ObjectType('RegistrySubgraphVersion', { description: 'One published version of a subgraph, with its schema.' })
class RegistrySubgraphVersionType extends RegistrySubgraphType {
  @Field(() => String) sdl!: string;
}

@ObjectType('RegistrySubgraphRef')
class RegistrySubgraphRefType {
  @Field(() => String) name!: string;
  @Field(() => Int) version!: number;
}

@ObjectType('RegistrySupergraph', { description: 'The supergraph gateways serve: composed from every subgraph at the versions listed.' })
class RegistrySupergraphType {
  @Field(() => String, { description: "The id gateways report in /health/ready (the first 12 hex digits of the SDL's SHA-256)." }) id!: string;
  @Field(() => String) sdl!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => [RegistrySubgraphRefType]) subgraphs!: RegistrySubgraphRefType[];
}

@ObjectType('CompositionErrorLocation')
class CompositionErrorLocationType {
  @Field(() => String, { nullable: true }) subgraph!: string | null;
  @Field(() => Int) line!: number;
  @Field(() => Int) column!: number;
}

@ObjectType('CompositionError', { description: "One of @apollo/composition's errors, with its code." })
class CompositionErrorType {
  @Field(() => String) code!: string;
  @Field(() => String) message!: string;
  @Field(() => [CompositionErrorLocationType]) locations!: CompositionErrorLocationType[];
}

@ObjectType('CompositionCheck')
class CompositionCheckType {
  @Field(() => Boolean) passed!: boolean;
  @Field(() => [CompositionErrorType]) errors!: CompositionErrorType[];
}

@ObjectType('RecordedOperation', { description: 'An operation gateways saw a client run: its signature (no values), name, client and how often.' })
class RecordedOperationType {
  @Field(() => String) signatureHash!: string;
  @Field(() => String, { nullable: true }) operationName!: string | null;
  @Field(() => String, { nullable: true }) clientName!: string | null;
  @Field(() => String, { nullable: true }) clientVersion!: string | null;
  @Field(() => Int, { description: 'Requests within the window.' }) count!: number;
  @Field(() => String, { description: 'The last day (UTC, YYYY-MM-DD) it was seen.' }) lastSeen!: string;
}

@ObjectType('SchemaChange', { description: "One change, classified by @graphql-inspector/core's rules." })
class SchemaChangeType {
  @Field(() => String, { description: 'BREAKING, DANGEROUS or SAFE.' }) criticality!: string;
  @Field(() => String) type!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true, description: 'The schema coordinate changed (User.displayName, Query.user.id, Status.ACTIVE).' }) path!: string | null;
  @Field(() => [RecordedOperationType], { description: 'Operations seen within the window that use what this change breaks.' })
  affectedOperations!: RecordedOperationType[];
}

@ObjectType('OperationCheck')
class OperationCheckType {
  @Field(() => Boolean) passed!: boolean;
  @Field(() => Int) windowDays!: number;
  @Field(() => Int, { description: 'Distinct operations (per client) seen within the window.' }) checked!: number;
  @Field(() => [RecordedOperationType]) affected!: RecordedOperationType[];
}

@ObjectType('LintMessage')
class LintMessageType {
  @Field(() => String) rule!: string;
  @Field(() => String, { description: 'error or warning; only errors fail a check.' }) severity!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true }) coordinate!: string | null;
}

@ObjectType('LintCheck')
class LintCheckType {
  @Field(() => Boolean) passed!: boolean;
  @Field(() => [LintMessageType]) messages!: LintMessageType[];
}

@ObjectType('SchemaCheck', { description: 'Each check on its own: composition, changes, operations clients run, lint.' })
class SchemaCheckType {
  @Field(() => Boolean) passed!: boolean;
  @Field(() => String) subgraph!: string;
  @Field(() => Int, { nullable: true, description: 'The version checked against (null for a new subgraph).' }) baseVersion!: number | null;
  @Field(() => CompositionCheckType) composition!: CompositionCheckType;
  @Field(() => [SchemaChangeType]) changes!: SchemaChangeType[];
  @Field(() => OperationCheckType) operations!: OperationCheckType;
  @Field(() => LintCheckType) lint!: LintCheckType;
}

@ObjectType('PublishResult')
class PublishResultType {
  @Field(() => Boolean, { description: 'False: refused (the check says why), and nothing changed.' }) published!: boolean;
  @Field(() => Int, { nullable: true }) version!: number | null;
  @Field(() => String, { nullable: true }) supergraphId!: string | null;
  @Field(() => SchemaCheckType) check!: SchemaCheckType;
}

@InputType('CheckSubgraphInput')
class CheckSubgraphInput {
  @Field(() => String) subgraph!: string;
  @Field(() => String) sdl!: string;
  @Field(() => Int, { nullable: true, description: 'How many days of recorded operations count (default 7, at most 90).' }) windowDays?: number | null;
}

@InputType('PublishSubgraphInput')
class PublishSubgraphInput {
  @Field(() => String) subgraph!: string;
  @Field(() => String) sdl!: string;
  @Field(() => String, { description: 'The routing URL gateways send its fields to.' }) url!: string;
  @Field(() => String) author!: string;
  @Field(() => String, { nullable: true }) commit?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Registers a subgraph the registry does not know yet.' }) new?: boolean | null;
}

@ObjectType('PersistedOperation', { description: 'An operation a client registered for the safelist.' })
class PersistedOperationType {
  @Field(() => String, { description: 'The SHA-256 (hex) of the body: what a client sends as extensions.persistedQuery.sha256Hash.' }) id!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String, { description: 'query, mutation or subscription.' }) type!: string;
  @Field(() => String) body!: string;
  @Field(() => String) clientName!: string;
}

@ObjectType('ManifestProblem', { description: 'Why one operation of a manifest was refused (index -1: the manifest as a whole).' })
class ManifestProblemType {
  @Field(() => Int) index!: number;
  @Field(() => String, { nullable: true }) id!: string | null;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String) message!: string;
}

@ObjectType('RegisterOperationsResult')
class RegisterOperationsResultType {
  @Field(() => Int, { description: 'Operations new to the safelist.' }) registered!: number;
  @Field(() => Int, { description: 'Operations it already had.' }) alreadyKnown!: number;
  @Field(() => [ManifestProblemType], { description: 'Non-empty: the manifest was refused and nothing was stored.' }) problems!: ManifestProblemType[];
}

@InputType('RegisterOperationsInput')
class RegisterOperationsInput {
  @Field(() => String, { description: 'The client the operations belong to (its apollographql-client-name).' }) clientName!: string;
  @Field(() => String, { description: "An Apollo persisted-query manifest, as JSON text." }) manifest!: string;
}

@ObjectType('RecordOperationsResult')
class RecordOperationsResultType {
  @Field(() => Int) recorded!: number;
}

@Resolver()
class RegistryResolver {
  @Query(() => [RegistrySubgraphType], { description: 'The current version of every subgraph. Needs schema:read.' })
  registrySubgraphs(@Ctx() ctx: RegistryContext) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.subgraphs();
  }

  @Query(() => [RegistrySubgraphVersionType], { description: 'A subgraph\'s versions, newest first. Needs schema:read.' })
  registrySubgraphHistory(@Ctx() ctx: RegistryContext, @Arg('subgraph', () => String) subgraph: string, @Arg('first', () => Int, { nullable: true }) first?: number | null) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.history(subgraph, first ?? 20);
  }

  @Query(() => RegistrySubgraphVersionType, { description: 'One version of a subgraph. Needs schema:read.' })
  registrySubgraphVersion(@Ctx() ctx: RegistryContext, @Arg('subgraph', () => String) subgraph: string, @Arg('version', () => Int) version: number) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.version(subgraph, version);
  }

  @Query(() => RegistrySupergraphType, { nullable: true, description: 'The current supergraph; null before the first publish. Needs schema:read.' })
  registrySupergraph(@Ctx() ctx: RegistryContext) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.supergraph();
  }

  @Query(() => String, { nullable: true, description: "The current supergraph's id alone: what gateways poll. Needs schema:read." })
  registrySupergraphId(@Ctx() ctx: RegistryContext) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.supergraphId();
  }

  @Query(() => [SchemaChangeType], { description: 'The changes between two versions of a subgraph. Needs schema:read.' })
  async registryDiff(@Ctx() ctx: RegistryContext, @Arg('subgraph', () => String) subgraph: string, @Arg('from', () => Int) from: number, @Arg('to', () => Int) to: number) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return (await ctx.registry.diff(subgraph, from, to)).map((change) => ({ ...change, affectedOperations: [] }));
  }

  @Mutation(() => SchemaCheckType, { description: 'Checks a proposed schema of a subgraph; changes nothing. Needs schema:check.' })
  checkSubgraph(@Ctx() ctx: RegistryContext, @Arg('input', () => CheckSubgraphInput) input: CheckSubgraphInput) {
    need(ctx.request, PERMISSIONS.schemaCheck);
    return ctx.registry.check(input);
  }

  @Mutation(() => PublishResultType, { description: 'Publishes a subgraph version; refused when it does not compose. Needs schema:publish.' })
  publishSubgraph(@Ctx() ctx: RegistryContext, @Arg('input', () => PublishSubgraphInput) input: PublishSubgraphInput) {
    need(ctx.request, PERMISSIONS.schemaPublish);
    return ctx.registry.publish(ctx.request, input);
  }

  @Mutation(() => RegisterOperationsResultType, { description: "Registers a client's persisted operations for the safelist, each checked against the current supergraph. Needs schema:publish." })
  registerPersistedOperations(@Ctx() ctx: RegistryContext, @Arg('input', () => RegisterOperationsInput) input: RegisterOperationsInput) {
    need(ctx.request, PERMISSIONS.schemaPublish);
    return ctx.registry.registerOperations(ctx.request, input);
  }

  @Query(() => [PersistedOperationType], { description: 'Every registered operation: the safelist gateways enforce. Needs schema:read.' })
  registryPersistedOperations(@Ctx() ctx: RegistryContext) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.persistedOperations();
  }

  @Query(() => Int, { description: 'How many operations are registered: what gateways poll. Needs schema:read.' })
  registryPersistedOperationCount(@Ctx() ctx: RegistryContext) {
    need(ctx.request, PERMISSIONS.schemaRead);
    return ctx.registry.persistedOperationCount();
  }

  @Mutation(() => RecordOperationsResultType, { description: "A gateway's batch of the operations clients ran. Only gateways (a SYSTEM context) may call it." })
  async recordOperations(@Ctx() ctx: RegistryContext, @Arg('report', () => String) report: string) {
    const { principal } = ctx.request;
    if (principal.kind !== 'SYSTEM' || principal.subject !== 'gateway') throw errors.forbidden('only gateways report operations');
    return { recorded: await ctx.registry.recordOperations(readOperationReport(report)) };
  }
}

/** The registry's own GraphQL API: not part of the public supergraph (gateways forward `/registry/graphql` to it). */
export function buildRegistrySchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [RegistryResolver], validate: false });
}
