import type { ScopedGrant } from '../authorization/grants';
/** Who is calling, as the gateway established it. Subgraphs only ever see this through a verified signature. */
export interface Principal {
  kind: 'USER' | 'API_KEY' | 'SYSTEM' | 'ANONYMOUS';
  /** User id, API key id or system component name; null when anonymous. */
  subject: string | null;
  /** Tenant the caller acts in; null for platform users and anonymous callers. */
  tenantId: string | null;
  /** The caller's organization and department within the tenant, when they belong to one. */
  organizationId?: string | null;
  departmentId?: string | null;
  roles: readonly string[];
  /** Permissions across the caller's tenant (or everywhere, with platform:admin). */
  permissions: readonly string[];
  /** Permissions held only inside one organization or department subtree (role assignments below tenant level). */
  grants?: readonly ScopedGrant[];
  /** The user's session (the access token's `sid`), when the token names one: what signOut ends. */
  sessionId?: string;
  /** When the access token was issued (ms), so the gateway can refuse tokens older than a revocation. */
  issuedAt?: number;
}

export interface RequestContext {
  principal: Principal;
  requestId: string;
  ipAddress: string | null;
  userAgent: string | null;
}

export const ANONYMOUS: Principal = Object.freeze({
  kind: 'ANONYMOUS',
  subject: null,
  tenantId: null,
  roles: Object.freeze([]),
  permissions: Object.freeze([]),
});
