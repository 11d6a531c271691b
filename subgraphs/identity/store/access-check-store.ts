import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import type { UserStatusValue } from './user.entity';

/** A user's status and whether one of their sessions still has a token that was never revoked. */
export interface SessionState {
  status: UserStatusValue;
  sessionLive: boolean;
}

/**
 * The gateway's access check, in platform scope: the token's user may be in any tenant. One statement, so the
 * status and the session are read together.
 */
export class AccessCheckStore {
  constructor(private readonly db: ScopedDatabase) {}

  /** Null when there is no such user. A session ends with every token of its family revoked (sign-out, reuse, suspension). */
  async sessionState(userId: string, sessionId: string): Promise<SessionState | null> {
    const rows = await this.db.query<{ status: UserStatusValue; session_live: boolean }[]>(
      `SELECT u.status,
              EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = $2 AND t.user_id = u.id AND t.revoked_at IS NULL) AS session_live
         FROM users u WHERE u.id = $1`,
      [userId, sessionId],
    );
    const row = rows[0];
    return row ? { status: row.status, sessionLive: row.session_live } : null;
  }
}
