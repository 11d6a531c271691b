import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { returningRows } from '../../../infrastructure/database/returning-rows';

export type ThrottleKind = 'account' | 'ip';

export interface ThrottleCounter {
  keyHash: string;
  kind: ThrottleKind;
  /** Attempts in the current window: failures, plus any still being checked. */
  attempts: number;
  /** True while the key is locked out. */
  locked: boolean;
}

/**
 * Sign-in attempt counters shared by every identity replica (the sign_in_attempts table, platform scope only).
 * Each operation is one statement, so concurrent attempts on one key are all counted: PostgreSQL serialises the
 * upserts on the key's row. A window starts with its first attempt; when it has passed, or a lock has run out,
 * the next attempt starts a fresh one.
 */
export class SignInThrottleStore {
  constructor(private readonly db: ScopedDatabase) {}

  /**
   * Counts one attempt on each key (creating counters as needed) and returns them all. A locked key is not
   * counted further, so attempts while locked never extend the lock.
   */
  async countAttempt(keys: readonly { keyHash: string; kind: ThrottleKind }[], windowSeconds: number): Promise<ThrottleCounter[]> {
    const rows = await this.db.run((m) =>
      returningRows<{ key_hash: string; kind: ThrottleKind; attempts: number; locked: boolean }>(
        m,
        `INSERT INTO sign_in_attempts AS a (key_hash, kind, attempts, window_started_at, locked_until)
       SELECT k.key_hash, k.kind, 1, now(), NULL FROM unnest($1::text[], $2::text[]) AS k (key_hash, kind)
       ON CONFLICT (key_hash) DO UPDATE SET
         attempts = CASE
           WHEN a.locked_until > now() THEN a.attempts
           WHEN a.locked_until IS NOT NULL OR a.window_started_at <= now() - make_interval(secs => $3) THEN 1
           ELSE a.attempts + 1 END,
         window_started_at = CASE
           WHEN a.locked_until > now() THEN a.window_started_at
           WHEN a.locked_until IS NOT NULL OR a.window_started_at <= now() - make_interval(secs => $3) THEN now()
           ELSE a.window_started_at END,
         locked_until = CASE WHEN a.locked_until > now() THEN a.locked_until END
       RETURNING key_hash, kind, attempts, locked_until IS NOT NULL AS locked`,
        [keys.map((k) => k.keyHash), keys.map((k) => k.kind), windowSeconds],
      ),
    );
    return rows.map((r) => ({ keyHash: r.key_hash, kind: r.kind, attempts: r.attempts, locked: r.locked }));
  }

  /** Locks the key for `lockSeconds` if it has reached `threshold` and is not locked yet; true when this call locked it. */
  async lockIfReached(keyHash: string, threshold: number, lockSeconds: number): Promise<boolean> {
    const rows = await this.db.run((m) =>
      returningRows<{ key_hash: string }>(
        m,
        `UPDATE sign_in_attempts SET locked_until = now() + make_interval(secs => $3)
          WHERE key_hash = $1 AND attempts >= $2 AND (locked_until IS NULL OR locked_until <= now())
          RETURNING key_hash`,
        [keyHash, threshold, lockSeconds],
      ),
    );
    return rows.length > 0;
  }

  /** After a right password: forgets the account's failures and takes the attempt back from the address's count. */
  async clearAccount(accountKeyHash: string, ipKeyHash: string | null): Promise<void> {
    await this.db.query(
      `WITH cleared AS (DELETE FROM sign_in_attempts WHERE key_hash = $1)
       UPDATE sign_in_attempts SET attempts = greatest(attempts - 1, 0) WHERE key_hash = $2`,
      [accountKeyHash, ipKeyHash],
    );
  }

  /** Removes counters that no longer hold anything back (window over, no running lock): they are as good as absent. */
  async pruneExpired(windowSeconds: number): Promise<void> {
    await this.db.query(
      `DELETE FROM sign_in_attempts
        WHERE window_started_at <= now() - make_interval(secs => $1) AND (locked_until IS NULL OR locked_until <= now())`,
      [windowSeconds],
    );
  }

  /** The counter of one key, for tests and operators. */
  async counter(keyHash: string): Promise<ThrottleCounter | null> {
    const rows = await this.db.query<{ key_hash: string; kind: ThrottleKind; attempts: number; locked: boolean }[]>(
      `SELECT key_hash, kind, attempts, coalesce(locked_until > now(), false) AS locked FROM sign_in_attempts WHERE key_hash = $1`,
      [keyHash],
    );
    const row = rows[0];
    return row ? { keyHash: row.key_hash, kind: row.kind, attempts: row.attempts, locked: row.locked } : null;
  }
}
