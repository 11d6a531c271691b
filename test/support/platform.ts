import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SubgraphName } from '../../infrastructure/config/config';
import { cleanEnv, retryWhilePortTaken, startListening, startProcess, type ServiceProcess } from './processes';
import { appLoginUrl, createTestDatabases, testInfrastructure, type TestDatabases } from './infrastructure';

export const ADMIN_EMAIL = 'root@lattice.test';
export const ADMIN_PASSWORD = 'platform-admin-password-1';
const SUBGRAPHS: SubgraphName[] = ['identity', 'tenancy', 'audit'];

export type PlatformMode = 'embedded' | 'distributed';

/** The separately started processes of the distributed platform. */
export type ServiceName = SubgraphName | 'registry' | 'gateway';

export interface RestartServiceOptions {
  /** How the process is stopped: SIGTERM (default) lets it drain; SIGKILL is a crash. */
  signal?: NodeJS.Signals;
  /** How long the service stays down before it starts again (default 0). */
  downForMs?: number;
}

export interface RunningPlatform {
  mode: PlatformMode;
  /** `http://127.0.0.1:<port>` of the gateway. */
  baseUrl: string;
  graphqlUrl: string;
  /** Base URLs of each subgraph's own HTTP server. */
  subgraphs: Record<SubgraphName, string>;
  /** Base URL of the schema registry's own HTTP server (its API is at `/graphql`, signed contexts only). */
  registry: string;
  contextSecret: string;
  /** Distributed mode only: each subgraph's (and the registry's) PostgreSQL database, for tests that inspect or tamper with storage. */
  databaseUrls?: Record<SubgraphName | 'registry', string>;
  /** Base URLs of extra identity replicas (distributed mode, when asked for). */
  identityReplicas?: string[];
  /** Base URLs of extra tenancy replicas, reachable only directly: the gateway routes to the first tenancy (distributed mode, when asked for). */
  tenancyReplicas?: string[];
  /** GraphQL URLs of extra gateway replicas sharing the same subgraphs and Redis (distributed mode, when asked for). */
  extraGateways?: string[];
  processes: ServiceProcess[];
  /**
   * Distributed mode only: stops one service's process (the first of its name; replicas are left alone) and starts
   * it again with the same environment, resolving with the new process once it logged ` started`. The new process
   * takes the old one's place in `processes`, so stop() and destroy() stop it too.
   */
  restartService?(name: ServiceName, options?: RestartServiceOptions): Promise<ServiceProcess>;
  /** Stops every process; resolves with their exit codes. */
  stop(): Promise<(number | null)[]>;
  /** Starts the same platform again on the same storage (embedded: with `env` added to its environment). */
  restart(env?: Record<string, string>): Promise<RunningPlatform>;
  /** Removes the data dir or drops the databases. */
  destroy(): Promise<void>;
}

/**
 * Rate limits a test platform starts with: a test drives one admin far faster than any person would, so the
 * per-user and per-tenant buckets are raised out of its way (test/e2e/rate-limits.e2e.test.ts sets its own).
 * Every other limit (operation limits, timeouts, the circuit breaker) runs with the product's defaults.
 */
const TEST_RATE_LIMITS: Record<string, string> = {
  LATTICE_RATE_LIMIT_TENANT_PER_SECOND: '100000',
  LATTICE_RATE_LIMIT_TENANT_BURST: '100000',
  LATTICE_RATE_LIMIT_USER_PER_SECOND: '100000',
  LATTICE_RATE_LIMIT_USER_BURST: '100000',
  LATTICE_RATE_LIMIT_API_KEY_PER_SECOND: '100000',
  LATTICE_RATE_LIMIT_API_KEY_BURST: '100000',
};

async function waitReady(baseUrl: string, processes: ServiceProcess[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // Strict: every subgraph answers too (plain readiness is only "a supergraph is serving").
    const ready = await fetch(`${baseUrl}/health/ready?strict=1`).then((r) => r.ok, () => false);
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`platform never became ready:\n${processes.map((p) => p.output().slice(-2000)).join('\n---\n')}`);
}

/** `npm start` in a temp data dir: the whole platform in one process on PGlite and the in-process bus. */
export async function startEmbeddedPlatform(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningPlatform> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lattice-e2e-'));
  const contextSecret = randomBytes(32).toString('base64url');
  const env = cleanEnv({
    LATTICE_DATA_DIR: dataDir,
    PORT: '0',
    LATTICE_ADMIN_EMAIL: ADMIN_EMAIL,
    LATTICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LATTICE_CONTEXT_SECRET: contextSecret,
    ...TEST_RATE_LIMITS,
    ...options.env,
  });
  const launch = async (extra: Record<string, string> = {}): Promise<RunningPlatform> => {
    const platform = startProcess('platform/main.js', { ...env, ...extra });
    const subgraphs = {} as Record<SubgraphName, string>;
    let baseUrl: string;
    let registry: string;
    try {
      const ready = await platform.waitForLog('Lattice gateway ready');
      baseUrl = new URL(String(ready.url)).origin;
      for (const name of SUBGRAPHS) subgraphs[name] = String((await platform.waitForLog(`${name} subgraph listening`)).url);
      registry = String((await platform.waitForLog('schema registry listening')).url);
      await waitReady(baseUrl, [platform]);
    } catch (error) {
      await platform.stop();
      throw error;
    }
    return {
      mode: 'embedded',
      baseUrl,
      graphqlUrl: `${baseUrl}/graphql`,
      subgraphs,
      registry,
      contextSecret,
      processes: [platform],
      stop: async () => [await platform.stop()],
      restart: async (more = {}) => {
        await platform.stop();
        return launch({ ...extra, ...more });
      },
      destroy: async () => {
        await platform.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
  return launch();
}

/** Where each distributed service is started from, which variable tells it its port, and what it logs once bound. */
const SERVICES: Record<ServiceName, { entry: string; portVariable: string; listeningLog: string }> = {
  tenancy: { entry: 'subgraphs/tenancy/main.js', portVariable: 'TENANCY_PORT', listeningLog: 'tenancy subgraph listening' },
  identity: { entry: 'subgraphs/identity/main.js', portVariable: 'IDENTITY_PORT', listeningLog: 'identity subgraph listening' },
  audit: { entry: 'subgraphs/audit/main.js', portVariable: 'AUDIT_PORT', listeningLog: 'audit subgraph listening' },
  registry: { entry: 'schema/registry/main.js', portVariable: 'REGISTRY_PORT', listeningLog: 'schema registry listening' },
  gateway: { entry: 'gateway/main.js', portVariable: 'PORT', listeningLog: 'Lattice gateway ready' },
};

/** One running service of the distributed platform, and the environment (its bound port pinned) it restarts with. */
interface StartedService {
  service: ServiceName;
  env: NodeJS.ProcessEnv;
  process: ServiceProcess;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
}

/**
 * `npm run start:<service>` for each service, on real PostgreSQL (one database each) and Redis.
 *
 * No port is chosen ahead and then handed to a child, where a parallel worker could take it first: each service
 * binds port 0 and the harness reads the port from its `listening` log, then tells the services started after it.
 * So they start in dependency order, each step in parallel: tenancy (and its replicas); identity (and its
 * replicas), which needs TENANCY_URL; audit, which needs IDENTITY_URL; then the gateways, which need all three.
 * Audit is named in its consumer group by LATTICE_AUDIT_CONSUMER, not by its port, so a restart under the same
 * name takes back the events it held when it crashed, before anything newer (nothing-lost.e2e.test.ts).
 */
export async function startDistributedPlatform(
  options: {
    extraIdentityReplicas?: number;
    extraTenancyReplicas?: number;
    extraGateways?: number;
    env?: Record<string, string>;
    /** Added to the environment of each extra gateway, by index (e.g. its own REDIS_URL through a proxy). */
    extraGatewayEnv?: Record<string, string>[];
  } = {},
): Promise<RunningPlatform> {
  const infra = await testInfrastructure();
  if (!infra.available) throw new Error(infra.reason);
  const databases: TestDatabases<SubgraphName | 'registry'> = await createTestDatabases(infra.postgresUrl, [...SUBGRAPHS, 'registry'] as const);
  const contextSecret = randomBytes(32).toString('base64url');
  // The gateways keep their copy of the registry's supergraph here: this platform's own, never the checkout's .lattice.
  const dataDir = mkdtempSync(join(tmpdir(), 'lattice-e2e-distributed-'));
  const env = cleanEnv({
    HOST: '127.0.0.1',
    LATTICE_DATA_DIR: dataDir,
    IDENTITY_DATABASE_URL: databases.urls.identity,
    TENANCY_DATABASE_URL: databases.urls.tenancy,
    AUDIT_DATABASE_URL: databases.urls.audit,
    REGISTRY_DATABASE_URL: databases.urls.registry,
    REGISTRY_DATABASE_APP_URL: appLoginUrl(databases.urls.registry),
    // The running services log in as an unprivileged member of lattice_app; migrations use the owner URLs above.
    IDENTITY_DATABASE_APP_URL: appLoginUrl(databases.urls.identity),
    TENANCY_DATABASE_APP_URL: appLoginUrl(databases.urls.tenancy),
    AUDIT_DATABASE_APP_URL: appLoginUrl(databases.urls.audit),
    REDIS_URL: infra.redisUrl,
    // Each test platform gets its own channels, so parallel suites sharing one Redis never hear each other.
    LATTICE_EVENT_NAMESPACE: `test-${randomBytes(4).toString('hex')}`,
    LATTICE_CONTEXT_SECRET: contextSecret,
    LATTICE_ADMIN_EMAIL: ADMIN_EMAIL,
    LATTICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // One name for the platform's audit, kept through restarts of it or of the whole platform.
    LATTICE_AUDIT_CONSUMER: `audit-${randomBytes(4).toString('hex')}`,
    ...TEST_RATE_LIMITS,
    ...options.env,
  });
  const copies = (n: number | undefined) => Array.from({ length: 1 + (n ?? 0) });
  const launch = async (): Promise<RunningPlatform> => {
    // Every process spawned, at once, so a failed start stops them all; `processes` below is the platform's own list.
    const spawned: ServiceProcess[] = [];
    const start = async (service: ServiceName, serviceEnv: NodeJS.ProcessEnv): Promise<StartedService> => {
      const { entry, portVariable, listeningLog } = SERVICES[service];
      const listening = await startListening(entry, { ...serviceEnv, [portVariable]: '0' }, listeningLog, (p) => spawned.push(p));
      const baseUrl = new URL(listening.url).origin;
      // A restart binds the same port again: every service started after this one was told its URL.
      return { service, env: { ...serviceEnv, [portVariable]: String(listening.port) }, process: listening.process, baseUrl };
    };
    const graphql = (started: StartedService) => `${started.baseUrl}/graphql`;
    let started: StartedService[];
    try {
      // The registry needs nothing of the others (it seeds itself from the code's schemas once, when empty).
      const [registry, [tenancy, ...tenancyReplicas]] = await Promise.all([start('registry', env), Promise.all(copies(options.extraTenancyReplicas).map(() => start('tenancy', env)))]);
      const withTenancy = { ...env, TENANCY_URL: graphql(tenancy!) };
      const [identity, ...identityReplicas] = await Promise.all(copies(options.extraIdentityReplicas).map(() => start('identity', withTenancy)));
      const audit = await start('audit', { ...withTenancy, IDENTITY_URL: graphql(identity!) });
      // Gateways serve the registry's supergraph, as in docker-compose (a test's own LATTICE_SUPERGRAPH_* wins).
      const withAll = { LATTICE_SUPERGRAPH_SOURCE: 'registry', ...withTenancy, IDENTITY_URL: graphql(identity!), AUDIT_URL: graphql(audit), REGISTRY_URL: graphql(registry) };
      const gateways = await Promise.all(copies(options.extraGateways).map((_, i) => start('gateway', i === 0 ? withAll : { ...withAll, ...options.extraGatewayEnv?.[i - 1] })));
      // The order callers (and restartService) rely on: the first of each name is the one the gateway routes to.
      started = [tenancy!, audit, identity!, registry, ...identityReplicas, ...tenancyReplicas, ...gateways];
      await Promise.all(started.map((s) => s.process.waitForLog(/ started$/)));
      await Promise.all(gateways.map((g) => waitReady(g.baseUrl, spawned)));
    } catch (error) {
      // A service that failed to start must not leave the others (or the databases) behind.
      await Promise.all(spawned.map((p) => p.stop()));
      throw error;
    }
    const processes = started.map((s) => s.process);
    const stopAll = () => Promise.all(processes.map((p) => p.stop()));
    const first = (service: ServiceName) => started.find((s) => s.service === service)!;
    const rest = (service: ServiceName) => started.filter((s) => s.service === service).slice(1);
    const gateway = first('gateway');
    return {
      mode: 'distributed',
      baseUrl: gateway.baseUrl,
      graphqlUrl: graphql(gateway),
      subgraphs: { identity: first('identity').baseUrl, tenancy: first('tenancy').baseUrl, audit: first('audit').baseUrl },
      registry: first('registry').baseUrl,
      contextSecret,
      databaseUrls: databases.urls,
      identityReplicas: rest('identity').map((s) => s.baseUrl),
      tenancyReplicas: rest('tenancy').map((s) => s.baseUrl),
      extraGateways: rest('gateway').map(graphql),
      processes,
      restartService: async (name, restartOptions = {}) => {
        const index = started.findIndex((s) => s.service === name);
        const old = started[index];
        if (!old) throw new Error(`restartService: no ${name} process in this platform`);
        await old.process.stop(restartOptions.signal ?? 'SIGTERM');
        if (restartOptions.downForMs) await new Promise((r) => setTimeout(r, restartOptions.downForMs));
        // Back on the port it had, since the other services know its URL. Another process may have bound that port
        // while it was down (the kernel hands a freed port out again): wait briefly for it to let go rather than move.
        const { entry, listeningLog } = SERVICES[name];
        const fresh = await retryWhilePortTaken(() =>
          startListening(entry, old.env, listeningLog, (p) => {
            // In place, so stopAll (which reads the array when called) stops the new process too.
            processes[index] = p;
          }),
        );
        started[index] = { ...old, process: fresh.process };
        await fresh.process.waitForLog(/ started$/);
        return fresh.process;
      },
      stop: stopAll,
      restart: async () => {
        await stopAll();
        return launch();
      },
      destroy: async () => {
        await stopAll();
        await databases.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
  try {
    return await launch();
  } catch (error) {
    await databases.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export function startPlatform(mode: PlatformMode, options: { env?: Record<string, string> } = {}): Promise<RunningPlatform> {
  return mode === 'embedded' ? startEmbeddedPlatform(options) : startDistributedPlatform(options);
}
