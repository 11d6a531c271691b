import type { EntityManager } from 'typeorm';
import type { ScopedDatabase } from '../../infrastructure/database/scoped-database';
import type { RecordedOperation } from './operation-usage';
import type { PersistedOperation } from './persisted-operations';

/** A registered operation, as gateways load the safelist. */
export interface SafelistedOperation extends PersistedOperation {
  readonly clientName: string;
}

/** One published version of one subgraph. */
export interface SubgraphVersion {
  readonly name: string;
  readonly version: number;
  readonly url: string;
  readonly sdl: string;
  readonly author: string;
  readonly commit: string | null;
  readonly publishedAt: Date;
}

/** A supergraph the registry composed, and the subgraph versions it was composed from. */
export interface StoredSupergraph {
  readonly id: string;
  readonly sdl: string;
  readonly createdAt: Date;
  readonly subgraphs: readonly { name: string; version: number }[];
}

/** One operation a gateway saw clients run, with how often, for one client and day. */
export interface OperationUse {
  readonly signatureHash: string;
  readonly signature: string;
  readonly operationName: string | null;
  readonly coordinates: readonly string[];
  readonly clientName: string;
  readonly clientVersion: string;
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly count: number;
}

interface VersionRow {
  subgraph: string;
  version: number;
  routing_url: string;
  sdl: string;
  author: string;
  commit_sha: string | null;
  published_at: Date;
}

const VERSION_COLUMNS = 'subgraph, version, routing_url, sdl, author, commit_sha, published_at';

const toVersion = (row: VersionRow): SubgraphVersion => ({
  name: row.subgraph,
  version: row.version,
  url: row.routing_url,
  sdl: row.sdl,
  author: row.author,
  commit: row.commit_sha,
  publishedAt: row.published_at,
});

/** The registry's statements. Every method runs in the caller's unit of work when one is open (publish holds one). */
export class RegistryStore {
  constructor(private readonly db: ScopedDatabase) {}

  /** The latest version of every subgraph, by name. */
  currentVersions(): Promise<SubgraphVersion[]> {
    return this.rows(
      `SELECT DISTINCT ON (subgraph) ${VERSION_COLUMNS} FROM registry_subgraph_versions ORDER BY subgraph, version DESC`,
      [],
    );
  }

  async version(name: string, version: number): Promise<SubgraphVersion | null> {
    const [row] = await this.rows(`SELECT ${VERSION_COLUMNS} FROM registry_subgraph_versions WHERE subgraph = $1 AND version = $2`, [name, version]);
    return row ?? null;
  }

  /** Newest first. */
  history(name: string, limit: number): Promise<SubgraphVersion[]> {
    return this.rows(`SELECT ${VERSION_COLUMNS} FROM registry_subgraph_versions WHERE subgraph = $1 ORDER BY version DESC LIMIT $2`, [name, limit]);
  }

  async currentSupergraph(): Promise<StoredSupergraph | null> {
    const [row] = await this.db.joinOrRun((m) =>
      m.query<{ id: string; sdl: string; created_at: Date; subgraphs: { name: string; version: number }[] }[]>(
        'SELECT id, sdl, created_at, subgraphs FROM registry_supergraphs ORDER BY position DESC LIMIT 1',
      ),
    );
    return row ? { id: row.id, sdl: row.sdl, createdAt: row.created_at, subgraphs: row.subgraphs } : null;
  }

  /** The id alone: what gateways poll. */
  async currentSupergraphId(): Promise<string | null> {
    const [row] = await this.db.joinOrRun((m) => m.query<{ id: string }[]>('SELECT id FROM registry_supergraphs ORDER BY position DESC LIMIT 1'));
    return row?.id ?? null;
  }

  /**
   * Serializes publishes: one at a time across every registry replica, until the unit of work ends. The composed
   * supergraph depends on every subgraph's current version, so two publishes of different subgraphs must not
   * interleave either.
   */
  async lockPublishes(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('lattice.registry.publish'))`);
  }

  async insertVersion(manager: EntityManager, id: string, version: Omit<SubgraphVersion, 'publishedAt'>): Promise<Date> {
    const [row] = await manager.query<{ published_at: Date }[]>(
      `INSERT INTO registry_subgraph_versions (id, subgraph, version, routing_url, sdl, author, commit_sha)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING published_at`,
      [id, version.name, version.version, version.url, version.sdl, version.author, version.commit],
    );
    return row!.published_at;
  }

  async insertSupergraph(manager: EntityManager, supergraph: Omit<StoredSupergraph, 'createdAt'>): Promise<void> {
    await manager.query('INSERT INTO registry_supergraphs (id, sdl, subgraphs) VALUES ($1, $2, $3)', [supergraph.id, supergraph.sdl, JSON.stringify(supergraph.subgraphs)]);
  }

  /** Adds a batch of uses: signatures once, counts summed per signature, client and day. */
  async recordUses(uses: readonly OperationUse[]): Promise<void> {
    if (uses.length === 0) return;
    await this.db.run(async (m) => {
      // Few distinct signatures per batch (the gateway folds repeats), each written once and never changed.
      for (const use of new Map(uses.map((u) => [u.signatureHash, u])).values()) {
        await m.query(
          `INSERT INTO registry_operations (signature_hash, signature, operation_name, coordinates) VALUES ($1, $2, $3, $4)
           ON CONFLICT (signature_hash) DO NOTHING`,
          [use.signatureHash, use.signature, use.operationName, use.coordinates],
        );
      }
      await m.query(
        `INSERT INTO registry_operation_counts (signature_hash, client_name, client_version, day, count)
         SELECT h, cn, cv, d::date, sum(n) FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(h, cn, cv, d, n)
         GROUP BY h, cn, cv, d
         ON CONFLICT (signature_hash, client_name, client_version, day) DO UPDATE SET count = registry_operation_counts.count + excluded.count`,
        [uses.map((u) => u.signatureHash), uses.map((u) => u.clientName), uses.map((u) => u.clientVersion), uses.map((u) => u.day), uses.map((u) => u.count)],
      );
    });
  }

  /** Every operation seen since `since` (a YYYY-MM-DD day, inclusive), one entry per signature and client. */
  async operationsSince(since: string): Promise<RecordedOperation[]> {
    const rows = await this.db.joinOrRun((m) =>
      m.query<{ signature_hash: string; operation_name: string | null; client_name: string; client_version: string; count: string; last_seen: string; coordinates: string[] }[]>(
        `SELECT c.signature_hash, o.operation_name, c.client_name, c.client_version, sum(c.count)::text AS count,
                to_char(max(c.day), 'YYYY-MM-DD') AS last_seen, o.coordinates
           FROM registry_operation_counts c JOIN registry_operations o USING (signature_hash)
          WHERE c.day >= $1::date
          GROUP BY c.signature_hash, o.operation_name, o.coordinates, c.client_name, c.client_version
          ORDER BY sum(c.count) DESC`,
        [since],
      ),
    );
    return rows.map((row) => ({
      signatureHash: row.signature_hash,
      operationName: row.operation_name,
      clientName: row.client_name === '' ? null : row.client_name,
      clientVersion: row.client_version === '' ? null : row.client_version,
      count: Number(row.count),
      lastSeen: row.last_seen,
      coordinates: row.coordinates,
    }));
  }

  /** Adds operations to the safelist; those already there (same id, so same body) stay as they are. How many were new. */
  async insertPersisted(manager: EntityManager, operations: readonly PersistedOperation[], clientName: string, registeredBy: string): Promise<number> {
    let added = 0;
    for (const operation of operations) {
      const rows = await manager.query<unknown[]>(
        `INSERT INTO registry_persisted_operations (id, name, type, body, client_name, registered_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [operation.id, operation.name, operation.type, operation.body, clientName, registeredBy],
      );
      added += rows.length;
    }
    return added;
  }

  async persisted(): Promise<SafelistedOperation[]> {
    const rows = await this.db.joinOrRun((m) =>
      m.query<{ id: string; name: string | null; type: PersistedOperation['type']; body: string; client_name: string }[]>(
        'SELECT id, name, type, body, client_name FROM registry_persisted_operations ORDER BY position',
      ),
    );
    return rows.map((r) => ({ id: r.id, name: r.name, type: r.type, body: r.body, clientName: r.client_name }));
  }

  /** Changes whenever an operation is added: what gateways poll. */
  async persistedCount(): Promise<number> {
    const [row] = await this.db.joinOrRun((m) => m.query<{ count: string }[]>('SELECT count(*)::text AS count FROM registry_persisted_operations'));
    return Number(row?.count ?? 0);
  }

  private async rows(sql: string, parameters: unknown[]): Promise<SubgraphVersion[]> {
    const rows = await this.db.joinOrRun((m) => m.query<VersionRow[]>(sql, parameters));
    return rows.map(toVersion);
  }
}
