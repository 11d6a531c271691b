import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import type { Principal } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';

/** Where a configuration value is set. A value at a narrower level overrides the wider ones for everything under it. */
export type ConfigurationLevel = 'GLOBAL' | 'TENANT' | 'ORGANIZATION' | 'DEPARTMENT';

/** Narrowest first: the order in which `effectiveConfiguration` looks for a key. */
export const RESOLUTION_ORDER: readonly ConfigurationLevel[] = ['DEPARTMENT', 'ORGANIZATION', 'TENANT', 'GLOBAL'];

export const CONFIGURATION_KEY_PATTERN = /^[a-z][a-z0-9_.-]{0,127}$/;
export const CONFIGURATION_VALUE_MAX_BYTES = 65_536;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One place a value can live: a level, the object at that level (null for GLOBAL) and a key. */
export interface ConfigurationSlot {
  level: ConfigurationLevel;
  scopeId: string | null;
  key: string;
}

export interface ConfigurationEntry extends ConfigurationSlot {
  /** The tenant the scope object belongs to; null for GLOBAL. */
  tenantId: string | null;
  value: JsonValue;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface EffectiveConfiguration {
  key: string;
  value: JsonValue;
  /** The level the value came from. */
  level: ConfigurationLevel;
}

/** A slot's identity: cache key, and the aggregate id of its events. */
export function slotId(slot: ConfigurationSlot): string {
  return `${slot.level}:${slot.scopeId ?? 'global'}:${slot.key}`;
}

/** `\u0000` as an escape in JSON text: preceded by an even number of backslashes, so not an escaped backslash's tail. */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

const shown = (text: string, max = 64) => (text.length > max ? `${JSON.stringify(`${text.slice(0, max)}…`)} (${text.length} characters)` : JSON.stringify(text));

export function validateConfigurationKey(field: string, key: string): string {
  if (!CONFIGURATION_KEY_PATTERN.test(key)) throw errors.badInput(field, `must match ${CONFIGURATION_KEY_PATTERN.source} (got ${shown(key)})`);
  return key;
}

/** Keys the platform sets for a tenant, not the tenant itself: the gateway's limits (`gateway.rate_limit.*`). */
const PLATFORM_KEY_PREFIXES = ['gateway.'] as const;

/** Writing a platform key at any scope needs platform:admin: a tenant admin must not raise their own rate limits. */
export function requireMayWriteKey(principal: Principal, key: string): void {
  const prefix = PLATFORM_KEY_PREFIXES.find((p) => key.startsWith(p));
  if (prefix !== undefined && !principal.permissions.includes(PERMISSIONS.platformAdmin)) {
    throw errors.forbidden(`keys under "${prefix}" are set by platform administrators (they hold this platform's limits for your tenant)`);
  }
}

/** The value as it will be stored: JSON of at most 64 KiB that PostgreSQL's jsonb accepts. */
export function validateConfigurationValue(field: string, value: unknown): { json: string; bytes: number } {
  const json = value === undefined ? undefined : JSON.stringify(value);
  if (json === undefined) throw errors.badInput(field, 'must be a JSON value');
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > CONFIGURATION_VALUE_MAX_BYTES) throw errors.badInput(field, `must be at most ${CONFIGURATION_VALUE_MAX_BYTES} bytes of JSON (got ${bytes})`);
  // jsonb cannot hold U+0000; refusing it here keeps it a BAD_USER_INPUT instead of a database error.
  if (ESCAPED_NUL.test(json)) throw errors.badInput(field, 'strings and keys must not contain the character U+0000');
  return { json, bytes };
}

/**
 * The value that applies: the entry at the narrowest level that has one. `candidates` holds what is stored at
 * each level of the chain (null: nothing stored there; a level missing from the chain is simply absent).
 */
export function resolveEffective(key: string, candidates: Partial<Record<ConfigurationLevel, ConfigurationEntry | null>>): EffectiveConfiguration | null {
  for (const level of RESOLUTION_ORDER) {
    const entry = candidates[level];
    if (entry) return { key, value: entry.value, level };
  }
  return null;
}
