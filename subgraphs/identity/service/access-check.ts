import type { AccessCheck } from '../../../infrastructure/authorization/access-check';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { AccessCheckStore } from '../store/access-check-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an access token's session still grants access, for a gateway that cannot rely on revocation events (its
 * bus is down). Suspending or deleting a user revokes all their sessions and a password change the others, so the
 * session and the user's status say everything; the token's issue time adds nothing.
 */
export class AccessChecker {
  constructor(private readonly store: AccessCheckStore) {}

  async check(request: unknown): Promise<AccessCheck> {
    const { userId, sessionId } = readRequest(request);
    const state = await this.store.sessionState(userId, sessionId);
    if (!state || state.status !== 'ACTIVE') return { live: false, reason: 'user-inactive' };
    return state.sessionLive ? { live: true } : { live: false, reason: 'session-ended' };
  }
}

function readRequest(request: unknown): { userId: string; sessionId: string } {
  const { userId, sessionId } = (request ?? {}) as { userId?: unknown; sessionId?: unknown };
  if (typeof userId !== 'string' || !UUID.test(userId)) throw errors.badInput('userId', "must be the access token's sub, a user id (UUID)");
  if (typeof sessionId !== 'string' || !UUID.test(sessionId)) throw errors.badInput('sessionId', "must be the access token's sid, a session id (UUID)");
  return { userId, sessionId };
}
