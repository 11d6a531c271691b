import type { ConfigurationEntry, EffectiveConfiguration } from '../service/configuration';
import { ConfigurationEntryType, ConfigurationLevel, EffectiveConfigurationType } from './configuration.type';

export function toConfigurationEntryType(e: ConfigurationEntry): ConfigurationEntryType {
  return Object.assign(new ConfigurationEntryType(), {
    level: ConfigurationLevel[e.level],
    scopeId: e.scopeId,
    key: e.key,
    value: e.value,
    version: e.version,
    updatedAt: e.updatedAt,
  });
}

export function toEffectiveConfigurationType(e: EffectiveConfiguration): EffectiveConfigurationType {
  return Object.assign(new EffectiveConfigurationType(), { key: e.key, value: e.value, level: ConfigurationLevel[e.level] });
}
