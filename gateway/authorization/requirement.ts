import { effectivePermissions } from '../../infrastructure/authorization/grants';
import type { Principal } from '../../infrastructure/context/request-context';

/**
 * One `@requiresScopes(scopes: [[a, b], [c]])`: the caller must hold every permission of at least one inner list,
 * so this one reads (a AND b) OR c, exactly as in federation. Lattice's scopes are its permission strings.
 */
export type ScopeAlternatives = readonly (readonly string[])[];

/** What selecting one field takes: the field's own directives together with those of the type it returns. */
export interface Requirement {
  /** Only signed-in callers: `@authenticated`, and implied by every `@requiresScopes`. */
  readonly authenticated: boolean;
  /** Every entry must be met (a field's and its type's `@requiresScopes` both apply). */
  readonly scopes: readonly ScopeAlternatives[];
}

export type Shortfall =
  | { readonly code: 'UNAUTHENTICATED' }
  /** For each unmet entry, each alternative reduced to the permissions the caller lacks. */
  | { readonly code: 'FORBIDDEN'; readonly missing: readonly ScopeAlternatives[] };

/** The caller as requirements see it, built once per request. */
export interface Caller {
  readonly signedIn: boolean;
  readonly permissions: ReadonlySet<string>;
}

/**
 * Scopes count wherever the caller holds them: a permission granted only inside one organization still lets the
 * field through here, and the subgraph then checks that the object touched lies inside that organization.
 */
export function callerOf(principal: Principal): Caller {
  return { signedIn: principal.kind !== 'ANONYMOUS' && principal.subject !== null, permissions: effectivePermissions(principal) };
}

/** Both requirements at once; null when neither asks for anything. Identical scope entries are kept once. */
export function combine(a: Requirement | null | undefined, b: Requirement | null | undefined): Requirement | null {
  if (!a) return b ?? null;
  if (!b) return a;
  const seen = new Set<string>();
  const scopes: ScopeAlternatives[] = [];
  for (const entry of [...a.scopes, ...b.scopes]) {
    const key = JSON.stringify(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    scopes.push(entry);
  }
  return { authenticated: a.authenticated || b.authenticated, scopes };
}

const holdsAll = (caller: Caller, permissions: readonly string[]): boolean => permissions.every((p) => caller.permissions.has(p));

/**
 * Why `caller` may not select a field with `requirement`, or null when it may. An empty alternative list
 * (`scopes: []`) can be met by nobody: a requirement that names no way in fails closed.
 */
export function shortfallOf(requirement: Requirement, caller: Caller): Shortfall | null {
  if (!caller.signedIn) return requirement.authenticated || requirement.scopes.length > 0 ? { code: 'UNAUTHENTICATED' } : null;
  let missing: ScopeAlternatives[] | undefined;
  for (const alternatives of requirement.scopes) {
    if (alternatives.some((all) => holdsAll(caller, all))) continue;
    (missing ??= []).push(alternatives.map((all) => all.filter((p) => !caller.permissions.has(p))));
  }
  return missing ? { code: 'FORBIDDEN', missing } : null;
}

/** "users:write", "a and b, or c": what the caller would need, for messages. */
export function describeMissing(missing: readonly ScopeAlternatives[]): string {
  return missing
    .map((alternatives) => (alternatives.length === 0 ? 'a permission no one holds' : alternatives.map((all) => all.join(' and ')).join(', or ')))
    .join('; and ');
}
