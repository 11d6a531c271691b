import { Arg, Args, Ctx, Directive, Mutation, Query, Resolver, Subscription } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { servedByGateway } from '../../../infrastructure/graphql/gateway-served-subscriptions';
import type { TenancyContext } from '../tenancy-context';
import { toConfigurationEntryType, toEffectiveConfigurationType } from './configuration-mapping';
import { ConfigurationArgs, DeleteConfigurationInput, EffectiveConfigurationArgs, SetConfigurationInput } from './configuration.inputs';
import { ConfigurationChangeType, ConfigurationEntryType, EffectiveConfigurationType } from './configuration.type';

@Resolver()
export class ConfigurationResolver {
  @Directive(requiresScopes(PERMISSIONS.configRead))
  @Query(() => EffectiveConfigurationType, {
    nullable: true,
    description: 'The value of a key that applies to a department, organization or tenant: department > organization > tenant > GLOBAL. Null when no level sets it.',
  })
  async effectiveConfiguration(@Ctx() ctx: TenancyContext, @Args(() => EffectiveConfigurationArgs) args: EffectiveConfigurationArgs): Promise<EffectiveConfigurationType | null> {
    const effective = await ctx.configuration.effective(args);
    return effective ? toEffectiveConfigurationType(effective) : null;
  }

  @Directive(requiresScopes(PERMISSIONS.configRead))
  @Query(() => ConfigurationEntryType, { nullable: true, description: 'What is stored at exactly one scope, without falling back; null when nothing is.' })
  async configuration(@Ctx() ctx: TenancyContext, @Args(() => ConfigurationArgs) args: ConfigurationArgs): Promise<ConfigurationEntryType | null> {
    const entry = await ctx.configuration.entry(args.scope, args.key);
    return entry ? toConfigurationEntryType(entry) : null;
  }

  @Directive(requiresScopes(PERMISSIONS.configWrite))
  @Mutation(() => ConfigurationEntryType, { description: 'Sets a key at one scope, replacing any value there. GLOBAL needs platform:admin.' })
  async setConfiguration(@Ctx() ctx: TenancyContext, @Arg('input', () => SetConfigurationInput) input: SetConfigurationInput): Promise<ConfigurationEntryType> {
    return toConfigurationEntryType(await ctx.configuration.set(input));
  }

  @Directive(requiresScopes(PERMISSIONS.configWrite))
  @Mutation(() => Boolean, { description: 'Removes a key at one scope, so lookups fall back to the next level; false when it was not set there.' })
  async deleteConfiguration(@Ctx() ctx: TenancyContext, @Arg('input', () => DeleteConfigurationInput) input: DeleteConfigurationInput): Promise<boolean> {
    return ctx.configuration.delete(input);
  }

  @Directive(requiresScopes(PERMISSIONS.configRead))
  @Subscription(() => ConfigurationChangeType, {
    subscribe: servedByGateway,
    description: 'A configuration value you may read was set or deleted, at any scope; `key` narrows it to one key. Served by the gateway over graphql-ws.',
  })
  configurationChanged(@Arg('key', () => String, { nullable: true }) _key?: string | null): ConfigurationChangeType {
    return servedByGateway();
  }
}
