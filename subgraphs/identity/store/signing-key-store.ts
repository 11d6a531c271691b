import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { SigningKeyEntity } from './signing-key.entity';

/** Serialises key creation and rotation across identity replicas sharing one database. */
const KEY_LOCK = `SELECT pg_advisory_xact_lock(hashtext('lattice.signing_keys'))`;

/**
 * identity's signing keys. At most one key signs at a time: the newest whose `activates_at` has passed. A key
 * is retired when its successor activates, and stays published until every token it signed has expired.
 * Signing keys belong to no tenant: row-level security lets only platform scope see them.
 */
export class SigningKeyStore {
  constructor(private readonly db: ScopedDatabase) {}

  /** The key that signs now, or null before the first one exists. */
  signingKey(now: Date = new Date()): Promise<SigningKeyEntity | null> {
    return this.db.run((m) =>
      m
        .getRepository(SigningKeyEntity)
        .createQueryBuilder('k')
        .where('k.activates_at <= :now', { now })
        .orderBy('k.activates_at', 'DESC')
        .getOne(),
    );
  }

  /** When the next already-published key starts signing, if one is waiting. */
  async nextActivation(now: Date = new Date()): Promise<Date | null> {
    const [row] = await this.db.query<{ at: Date | null }[]>(`SELECT min(activates_at) AS at FROM signing_keys WHERE activates_at > $1`, [now]);
    return row?.at ?? null;
  }

  /** Keys in JWKS: every key not retired, pending ones included, and those retired less than `graceMs` ago. */
  publishedKeys(graceMs: number): Promise<SigningKeyEntity[]> {
    return this.db.run((m) =>
      m
        .getRepository(SigningKeyEntity)
        .createQueryBuilder('k')
        .where('k.retired_at IS NULL OR k.retired_at > :since', { since: new Date(Date.now() - graceMs) })
        .orderBy('k.created_at', 'DESC')
        .getMany(),
    );
  }

  /** Inserts the first key unless another replica won the race; either way returns the key that signs afterwards. */
  async insertFirstKey(key: SigningKeyEntity): Promise<SigningKeyEntity> {
    return this.db.run(async (manager) => {
      await manager.query(KEY_LOCK);
      // Any key at all means another replica got here first (its key may be a few milliseconds "younger" than ours).
      const existing = await manager.getRepository(SigningKeyEntity).createQueryBuilder('k').orderBy('k.activates_at', 'ASC').getOne();
      if (existing) return existing;
      await manager.insert(SigningKeyEntity, key);
      return key;
    });
  }

  /**
   * Adds `next` as the successor of every key not yet retired (they retire when it activates), unless `due`
   * says no: it sees the newest key under the lock, so replicas rotating on a schedule rotate once.
   * Returns the inserted key and the ones it retires, or null when `due` declined.
   */
  async rotate(next: SigningKeyEntity, due: (newest: SigningKeyEntity | null) => boolean): Promise<{ key: SigningKeyEntity; retiring: string[] } | null> {
    return this.db.run(async (manager) => {
      await manager.query(KEY_LOCK);
      const repository = manager.getRepository(SigningKeyEntity);
      const newest = await repository.createQueryBuilder('k').orderBy('k.created_at', 'DESC').getOne();
      if (!due(newest)) return null;
      const retiring = await repository.createQueryBuilder('k').where('k.retired_at IS NULL').getMany();
      await repository
        .createQueryBuilder()
        .update(SigningKeyEntity)
        .set({ retiredAt: next.activatesAt })
        .where('retired_at IS NULL')
        .execute();
      await manager.insert(SigningKeyEntity, next);
      return { key: next, retiring: retiring.map((k) => k.kid) };
    });
  }
}
