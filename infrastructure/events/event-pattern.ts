import { isEventType } from './domain-event';

/** A parsed subscription pattern; both buses match with exactly these rules. */
export type EventPattern =
  | { kind: 'all' }
  | { kind: 'exact'; type: string }
  /** `prefix` keeps its trailing dot: 'tenancy.*' matches 'tenancy.tenant.created' but not 'tenancy' or 'tenancyx.a'. */
  | { kind: 'prefix'; prefix: string };

export function parseEventPattern(pattern: string): EventPattern {
  if (pattern === '*') {
    return { kind: 'all' };
  }
  if (pattern.endsWith('.*')) {
    const head = pattern.slice(0, -2);
    if (isEventType(head)) {
      return { kind: 'prefix', prefix: `${head}.` };
    }
  } else if (isEventType(pattern)) {
    return { kind: 'exact', type: pattern };
  }
  throw new TypeError(
    `Invalid event pattern ${JSON.stringify(pattern)}: use an exact type ('tenancy.tenant.created'), a prefix wildcard ('tenancy.*') or '*'`,
  );
}

export function matchesEventPattern(pattern: EventPattern, type: string): boolean {
  switch (pattern.kind) {
    case 'all':
      return true;
    case 'exact':
      return type === pattern.type;
    case 'prefix':
      return type.startsWith(pattern.prefix);
  }
}

/** Which tenants a subscription hears: every tenant, or one (null = platform events only). */
export type TenantFilter = { kind: 'every' } | { kind: 'one'; tenantId: string | null };

export function parseTenantFilter(options: { tenantId?: string | null } | undefined): TenantFilter {
  const tenantId = options?.tenantId;
  if (tenantId === undefined) {
    return { kind: 'every' };
  }
  if (tenantId !== null && typeof tenantId !== 'string') {
    throw new TypeError(`Invalid tenantId ${JSON.stringify(tenantId)}: use a tenant id string, null for platform events, or omit it`);
  }
  return { kind: 'one', tenantId };
}

export function matchesTenantFilter(filter: TenantFilter, tenantId: string | null): boolean {
  return filter.kind === 'every' || filter.tenantId === tenantId;
}
