import { Pool } from 'pg';
import { startEmbeddedDatabase, type EmbeddedDatabaseProcess } from '../../test/support/embedded-database';

/**
 * The embedded database serves several pooled connections through one PGlite backend. Parameterised statements
 * (Parse/Bind/Execute/Sync) from different connections, in and out of transactions, must never mix.
 */
describe('the embedded PostgreSQL under concurrent connections', () => {
  let server: EmbeddedDatabaseProcess;
  let pool: Pool;

  // PGlite runs in a child process (built dist/), as the platform runs it; Jest's module system cannot load it.
  beforeAll(async () => {
    server = await startEmbeddedDatabase();
    pool = new Pool({ connectionString: server.url, max: 5 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('answers every one of many concurrent parameterised queries, in and out of transactions, with its own row', async () => {
    const inTransaction = async (n: number) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await client.query<{ n: number }>('SELECT $1::int + 1 AS n', [n]);
        await client.query('COMMIT');
        return result.rows;
      } finally {
        client.release();
      }
    };
    const alone = async (n: number) => (await pool.query<{ n: number; t: string }>('SELECT $1::int + 1 AS n, $2::text AS t', [n, `x${n}`])).rows;
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, n) => (n % 2 ? inTransaction(n) : alone(n)).then((rows) => ({ n, rows }), (error: unknown) => ({ n, error }))));
    const wrong = answers.filter((a) => !('rows' in a) || a.rows.length !== 1 || a.rows[0]?.n !== a.n + 1);
    expect(wrong.map((a) => ('error' in a ? String(a.error) : `${a.n}: ${JSON.stringify(a.rows)}`)).slice(0, 5)).toEqual([]);
  }, 60_000);
});
