import type { RateLimitSettings, TokenBucketSettings } from '../../infrastructure/config/config';
import type { SystemSubgraphClient } from '../../infrastructure/graphql/system-subgraph-client';
import type { Logger } from '../../infrastructure/logging/logger';
import type { BucketSizes } from './rate-limit-scopes';

/** Every configuration key this feature reads starts with this; an event for any other key leaves the cache alone. */
export const OVERRIDE_KEY_PREFIX = 'gateway.rate_limit.';

type BucketName = keyof BucketSizes;

/** What a tenant's configuration changes of the defaults: any of the six numbers, each on its own. */
export type RateLimitOverrides = { readonly [B in BucketName]?: Partial<TokenBucketSettings> };

export const NO_OVERRIDES: RateLimitOverrides = Object.freeze({});

/** The same ranges config.ts allows for LATTICE_RATE_LIMIT_*_PER_SECOND and LATTICE_RATE_LIMIT_*_BURST. */
const RANGES: Record<keyof TokenBucketSettings, { min: number; max: number }> = {
  perSecond: { min: 1, max: 1_000_000 },
  burst: { min: 1, max: 10_000_000 },
};

interface OverrideKey {
  readonly key: string;
  /** Its field in the one query to tenancy. */
  readonly alias: string;
  readonly bucket: BucketName;
  readonly field: keyof TokenBucketSettings;
}

const OVERRIDE_KEYS: readonly OverrideKey[] = [
  { key: 'gateway.rate_limit.tenant_per_second', alias: 'tenantPerSecond', bucket: 'tenant', field: 'perSecond' },
  { key: 'gateway.rate_limit.tenant_burst', alias: 'tenantBurst', bucket: 'tenant', field: 'burst' },
  { key: 'gateway.rate_limit.user_per_second', alias: 'userPerSecond', bucket: 'user', field: 'perSecond' },
  { key: 'gateway.rate_limit.user_burst', alias: 'userBurst', bucket: 'user', field: 'burst' },
  { key: 'gateway.rate_limit.api_key_per_second', alias: 'apiKeyPerSecond', bucket: 'apiKey', field: 'perSecond' },
  { key: 'gateway.rate_limit.api_key_burst', alias: 'apiKeyBurst', bucket: 'apiKey', field: 'burst' },
];

/** One question for all six keys: tenancy's `effectiveConfiguration` (the tenant's value, else GLOBAL's), aliased. */
export const OVERRIDES_QUERY = `query RateLimitOverrides($tenantId: ID!) {\n${OVERRIDE_KEYS.map(
  ({ key, alias }) => `  ${alias}: effectiveConfiguration(key: ${JSON.stringify(key)}, tenantId: $tenantId) { value }`,
).join('\n')}\n}`;

/** Tenancy's answer: each alias null when no level sets the key. */
export type OverridesAnswer = Readonly<Record<string, { readonly value: unknown } | null | undefined>>;

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
};

/**
 * The overrides in tenancy's answer. A value that is not a whole number in its range is ignored with a warning
 * naming the key and the tenant, and the default applies: a typo in configuration must not stop a tenant's traffic.
 */
export function parseOverrides(answer: OverridesAnswer, tenantId: string, logger: Logger): RateLimitOverrides {
  const overrides: { [B in BucketName]?: Partial<TokenBucketSettings> } = {};
  for (const { key, alias, bucket, field } of OVERRIDE_KEYS) {
    const entry = answer[alias];
    if (entry === null || entry === undefined) continue;
    const { min, max } = RANGES[field];
    const value = entry.value;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      logger.warn(`ignoring configuration ${key} of tenant ${tenantId}: must be a whole number from ${min} to ${max} (got ${shown(value)}); the default applies`, {
        key,
        tenantId,
      });
      continue;
    }
    overrides[bucket] = { ...overrides[bucket], [field]: value };
  }
  return overrides;
}

/** The defaults with a tenant's overrides laid over them, number by number. */
export function withOverrides(defaults: RateLimitSettings, overrides: RateLimitOverrides): BucketSizes {
  return {
    tenant: { ...defaults.tenant, ...overrides.tenant },
    user: { ...defaults.user, ...overrides.user },
    apiKey: { ...defaults.apiKey, ...overrides.apiKey },
  };
}

export type FetchOverrides = (tenantId: string) => Promise<RateLimitOverrides>;

/** The cache's miss path: one query to tenancy per tenant, as the SYSTEM caller the client signs for. */
export function fetchOverridesFrom(tenancy: SystemSubgraphClient, logger: Logger): FetchOverrides {
  return async (tenantId) => parseOverrides(await tenancy.query<OverridesAnswer>(OVERRIDES_QUERY, { tenantId }), tenantId, logger);
}
