import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Client } from 'pg';
import { ensureAppRole } from '../../infrastructure/database/row-level-security';

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

/**
 * The login the distributed test services run with, as production should: neither owner nor superuser, only a
 * member of the app role. Created once per cluster (roles are cluster-wide); the test server trusts local logins.
 */
export const TEST_APP_LOGIN = 'lattice_test_service';

export async function ensureTestAppLogin(adminUrl: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await ensureAppRole(admin);
    await admin.query(`
      DO $$ BEGIN
        CREATE ROLE ${TEST_APP_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE lattice_app;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
  } finally {
    await admin.end();
  }
}

/** The same database, logged in as TEST_APP_LOGIN. */
export function appLoginUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = TEST_APP_LOGIN;
  url.password = '';
  return url.toString();
}
