import type { EntityManager } from 'typeorm';
import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { returningRows } from '../../../infrastructure/database/returning-rows';
import { RefreshTokenEntity } from './refresh-token.entity';

const tokensOf = (manager: EntityManager) => manager.getRepository(RefreshTokenEntity);

/** A token still counts as its session's live one when it was neither used nor revoked and has not expired. */
const LIVE_WHEN_REVOKED = `used_at IS NULL AND expires_at > now()`;

/**
 * Refresh tokens by session (a token family), in the row scope given: the refresh-token exchange works in
 * platform scope (no tenant is known before the token is), sign-out and password changes in the caller's own.
 */
export class SessionStore {
  constructor(private readonly db: ScopedDatabase) {}

  findTokenByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.db.run((m) => tokensOf(m).findOneBy({ tokenHash }));
  }

  /**
   * Marks the token used, but only if it is still live once its row is locked: of two concurrent exchanges of
   * one token exactly one gets true (the other waits for the row, then finds it used).
   */
  consume(tokenId: string): Promise<boolean> {
    return this.db.run(async (m) => {
      const consumed = await returningRows(
        m,
        `UPDATE refresh_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
        [tokenId],
      );
      return consumed.length > 0;
    });
  }

  /** Revokes every token of one of the user's sessions; true when the session was still live. */
  async revokeSession(familyId: string, userId: string): Promise<boolean> {
    const rows = await this.db.query<{ live: boolean }[]>(
      `WITH revoked AS (
         UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL
         RETURNING ${LIVE_WHEN_REVOKED} AS live
       )
       SELECT coalesce(bool_or(live), false) AS live FROM revoked`,
      [familyId, userId],
    );
    return rows[0]?.live ?? false;
  }

  /** Revokes all of a user's sessions but `keep` (if given); returns the ids of the sessions that were still live. */
  async revokeSessionsOf(userId: string, keep: string | null): Promise<string[]> {
    const rows = await this.db.query<{ family_id: string }[]>(
      `WITH revoked AS (
         UPDATE refresh_tokens SET revoked_at = now()
          WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2::uuid)
         RETURNING family_id, ${LIVE_WHEN_REVOKED} AS live
       )
       SELECT DISTINCT family_id FROM revoked WHERE live ORDER BY family_id`,
      [userId, keep],
    );
    return rows.map((r) => r.family_id);
  }

  /**
   * Stores a new password hash, if the user row is still at `expectedVersion`, and revokes the user's other
   * sessions in the same unit of work: either both happen or neither. Null when the row changed meanwhile.
   */
  replacePassword(
    userId: string,
    expectedVersion: number,
    passwordHash: string,
    keepSession: string | null,
  ): Promise<{ version: number; revokedSessions: string[] } | null> {
    return this.db.run(async (m) => {
      const updated = await returningRows<{ version: number }>(
        m,
        `UPDATE users SET password_hash = $3, version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING version`,
        [userId, expectedVersion, passwordHash],
      );
      const version = updated[0]?.version;
      if (version === undefined) return null;
      return { version, revokedSessions: await this.revokeSessionsOf(userId, keepSession) };
    });
  }
}
