/**
 * The access-check contract between identity (which alone knows whether a session is still live) and the gateway,
 * which asks while its event bus is down and the revocation events that would tell it cannot arrive
 * (docs/security.md, "Revocations"). Not GraphQL, so not in the supergraph; it needs a signed SYSTEM context.
 */
export const ACCESS_CHECK_ROUTE = '/internal/access/check';

/** What the gateway asks: one access token's user (`sub`) and session (`sid`). The token itself is never sent. */
export interface AccessCheckRequest {
  userId: string;
  sessionId: string;
}

/**
 * What identity answers. A session ends at sign-out, sign-out everywhere, a password change (the other sessions)
 * and refresh-token reuse; suspending or deleting a user ends all of theirs, and a user who is not ACTIVE has no access.
 */
export type AccessCheck = { live: true } | { live: false; reason: 'session-ended' | 'user-inactive' };

export function isAccessCheck(value: unknown): value is AccessCheck {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.live === true || (v.live === false && (v.reason === 'session-ended' || v.reason === 'user-inactive'));
}
