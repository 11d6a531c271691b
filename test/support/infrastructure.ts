import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Client } from 'pg';

/**
 * Where the real servers for the distributed suite are. Tests may read the environment (product code may not):
 * LATTICE_TEST_POSTGRES_URL / LATTICE_TEST_REDIS_URL override the machine's local servers.
 */
export const TEST_POSTGRES_URL = process.env.LATTICE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.connect(Number(port), hostname);
  });
}

export type TestInfrastructure = { redisReachable: boolean } & (
  | { available: true; postgresUrl: string; redisUrl: string }
  | { available: false; reason: string }
);

export async function testInfrastructure(): Promise<TestInfrastructure> {
  const [pg, redis] = await Promise.all([reachable(TEST_POSTGRES_URL), reachable(TEST_REDIS_URL)]);
  if (pg && redis) return { available: true, redisReachable: true, postgresUrl: TEST_POSTGRES_URL, redisUrl: TEST_REDIS_URL };
  return {
    available: false,
    redisReachable: redis,
    reason: `no ${[pg ? null : `PostgreSQL at ${TEST_POSTGRES_URL}`, redis ? null : `Redis at ${TEST_REDIS_URL}`].filter(Boolean).join(' and no ')}`,
  };
}

export interface TestDatabases<N extends string = string> {
  urls: Record<N, string>;
  drop(): Promise<void>;
}

/** One fresh database per subgraph, named for this run, dropped afterwards. */
export async function createTestDatabases<N extends string>(adminUrl: string, names: readonly N[]): Promise<TestDatabases<N>> {
  const run = randomBytes(4).toString('hex');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const urls = {} as Record<N, string>;
  try {
    for (const name of names) {
      const database = `lattice_test_${run}_${name}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      urls[name] = url.toString();
    }
  } finally {
    await admin.end();
  }
  return {
    urls,
    async drop() {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        for (const name of names) await client.query(`DROP DATABASE IF EXISTS lattice_test_${run}_${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
