import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../../infrastructure/database/data-source';
import { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { loggerOver } from '../../../infrastructure/logging/logger';
import { startEmbeddedDatabase, type EmbeddedDatabaseProcess } from '../../../test/support/embedded-database';
import { appLoginUrl, createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from './identity-store';
import { SignInThrottleStore, type ThrottleKind } from './sign-in-throttle-store';

/**
 * The throttle's counters on the databases identity runs on. Replicas share them, so every operation must count
 * correctly when many run at once: real PostgreSQL with a pool runs them truly concurrently.
 */
interface Backend {
  name: string;
  available: boolean;
  /** PGlite's socket server takes 8 connections; the owner client needs one of them. */
  poolSize: number;
  open(): Promise<{ ownerUrl: string; appUrl: string | undefined; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL',
    available: distributedAvailable(),
    poolSize: 8,
    async open() {
      const databases: TestDatabases<'identity'> = await createTestDatabases(TEST_POSTGRES_URL, ['identity']);
      return { ownerUrl: databases.urls.identity, appUrl: appLoginUrl(databases.urls.identity), close: () => databases.drop() };
    },
  },
  {
    name: 'PGlite (embedded mode)',
    available: true,
    poolSize: 4,
    async open() {
      const server: EmbeddedDatabaseProcess = await startEmbeddedDatabase();
      return { ownerUrl: server.url, appUrl: undefined, close: () => server.stop() };
    },
  },
];

const WINDOW = 900;
const key = () => randomBytes(32).toString('hex');

describe.each(BACKENDS)('sign-in attempt counters on $name', (backend) => {
  const suite = backend.available ? describe : describe.skip;

  suite('shared by every identity replica', () => {
    let dataSource: DataSource;
    let database: TenantDatabase;
    let owner: Client;
    let close: () => Promise<void>;
    const store = () => new SignInThrottleStore(database.asPlatform('test'));
    const count = (keyHash: string, kind: ThrottleKind = 'account') => store().countAttempt([{ keyHash, kind }], WINDOW);

    beforeAll(async () => {
      const opened = await backend.open();
      close = () => opened.close();
      const logger = loggerOver({ write: () => undefined });
      dataSource = await openDatabase({
        name: 'identity',
        url: opened.ownerUrl,
        appUrl: opened.appUrl,
        poolSize: backend.poolSize,
        logger,
        entities: IDENTITY_ENTITIES,
        migrations: IDENTITY_MIGRATIONS,
      });
      database = new TenantDatabase(dataSource, logger);
      owner = new Client({ connectionString: opened.ownerUrl });
      await owner.connect();
    }, 90_000);

    afterAll(async () => {
      await owner?.end();
      await dataSource?.destroy();
      await close?.();
    });

    it('counts every one of many concurrent attempts on one key', async () => {
      const account = key();
      const results = await Promise.all(Array.from({ length: 20 }, () => count(account)));
      expect(results.map((r) => r[0]!.attempts).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await store().counter(account))?.attempts).toBe(20);
    });

    it('counts an account and an address together in one statement', async () => {
      const [account, ip] = [key(), key()];
      await store().countAttempt([{ keyHash: ip, kind: 'ip' }], WINDOW);
      const counters = await store().countAttempt([{ keyHash: account, kind: 'account' }, { keyHash: ip, kind: 'ip' }], WINDOW);
      expect(counters.map((c) => [c.kind, c.attempts]).sort()).toEqual([['account', 1], ['ip', 2]]);
    });

    it('locks a key exactly once however many failures try to lock it at the same time', async () => {
      const account = key();
      for (let i = 0; i < 5; i++) await count(account);
      const locked = await Promise.all(Array.from({ length: 6 }, () => store().lockIfReached(account, 5, WINDOW)));
      expect(locked.filter(Boolean)).toHaveLength(1);
      expect(await store().counter(account)).toMatchObject({ attempts: 5, locked: true });
    });

    it('does not lock a key below the threshold', async () => {
      const account = key();
      for (let i = 0; i < 4; i++) await count(account);
      expect(await store().lockIfReached(account, 5, WINDOW)).toBe(false);
      expect(await store().counter(account)).toMatchObject({ attempts: 4, locked: false });
    });

    it('stops counting while a key is locked, so attempts during a lock never extend it', async () => {
      const account = key();
      for (let i = 0; i < 5; i++) await count(account);
      await store().lockIfReached(account, 5, WINDOW);
      const during = await count(account);
      expect(during[0]).toMatchObject({ attempts: 5, locked: true });
    });

    it('starts a fresh window once the lock has run out', async () => {
      const account = key();
      for (let i = 0; i < 5; i++) await count(account);
      await store().lockIfReached(account, 5, WINDOW);
      await owner.query(`UPDATE sign_in_attempts SET locked_until = now() - interval '1 second', window_started_at = now() - interval '1 hour' WHERE key_hash = $1`, [account]);
      expect((await count(account))[0]).toMatchObject({ attempts: 1, locked: false });
    });

    it('starts a fresh window when the old one has passed without a lock', async () => {
      const account = key();
      for (let i = 0; i < 3; i++) await count(account);
      await owner.query(`UPDATE sign_in_attempts SET window_started_at = now() - make_interval(secs => $2) WHERE key_hash = $1`, [account, WINDOW + 1]);
      expect((await count(account))[0]).toMatchObject({ attempts: 1, locked: false });
    });

    it("forgets an account's failures on success and gives the address its attempt back", async () => {
      const [account, ip] = [key(), key()];
      await store().countAttempt([{ keyHash: account, kind: 'account' }, { keyHash: ip, kind: 'ip' }], WINDOW);
      await store().countAttempt([{ keyHash: account, kind: 'account' }, { keyHash: ip, kind: 'ip' }], WINDOW);
      await store().clearAccount(account, ip);
      expect(await store().counter(account)).toBeNull();
      expect((await store().counter(ip))?.attempts).toBe(1);
    });

    it('prunes only counters that no longer hold anything back', async () => {
      const [stale, lockedOld, fresh] = [key(), key(), key()];
      for (const k of [stale, lockedOld, fresh]) for (let i = 0; i < 5; i++) await count(k);
      await store().lockIfReached(lockedOld, 5, WINDOW);
      await owner.query(`UPDATE sign_in_attempts SET window_started_at = now() - interval '2 hours' WHERE key_hash = ANY($1)`, [[stale, lockedOld]]);
      await store().pruneExpired(WINDOW);
      expect(await store().counter(stale)).toBeNull();
      expect(await store().counter(lockedOld)).toMatchObject({ locked: true });
      expect(await store().counter(fresh)).toMatchObject({ attempts: 5 });
    });

    it('is out of reach of tenant-scope work', async () => {
      const account = key();
      await count(account);
      const seen = await database.forTenant(uuid7()).query<unknown[]>(`SELECT * FROM sign_in_attempts WHERE key_hash = $1`, [account]);
      expect(seen).toEqual([]);
      await expect(database.forTenant(uuid7()).query(`INSERT INTO sign_in_attempts VALUES ($1, 'ip', 1, now(), NULL)`, [key()])).rejects.toThrow(/row-level security/);
    });
  });
});
