import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SubgraphName } from '../../infrastructure/config/config';
import { cleanEnv, freePort, startProcess, type ServiceProcess } from './processes';
import { appLoginUrl, createTestDatabases, testInfrastructure, type TestDatabases } from './infrastructure';

export const ADMIN_EMAIL = 'root@lattice.test';
export const ADMIN_PASSWORD = 'platform-admin-password-1';
const SUBGRAPHS: SubgraphName[] = ['identity', 'tenancy', 'audit'];

export type PlatformMode = 'embedded' | 'distributed';

/** The separately started processes of the distributed platform. */
export type ServiceName = SubgraphName | 'gateway';

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
  contextSecret: string;
  /** Distributed mode only: each subgraph's PostgreSQL database, for tests that inspect or tamper with storage. */
  databaseUrls?: Record<SubgraphName, string>;
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
  /** Starts the same platform again on the same storage. */
  restart(): Promise<RunningPlatform>;
  /** Removes the data dir or drops the databases. */
  destroy(): Promise<void>;
}

async function waitReady(baseUrl: string, processes: ServiceProcess[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = await fetch(`${baseUrl}/health/ready`).then((r) => r.ok, () => false);
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
    ...options.env,
  });
  const launch = async (): Promise<RunningPlatform> => {
    const platform = startProcess('platform/main.js', env);
    const subgraphs = {} as Record<SubgraphName, string>;
    let baseUrl: string;
    try {
      const ready = await platform.waitForLog('Lattice gateway ready');
      baseUrl = new URL(String(ready.url)).origin;
      for (const name of SUBGRAPHS) subgraphs[name] = String((await platform.waitForLog(`${name} subgraph listening`)).url);
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
      contextSecret,
      processes: [platform],
      stop: async () => [await platform.stop()],
      restart: async () => {
        await platform.stop();
        return launch();
      },
      destroy: async () => {
        await platform.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
  return launch();
}

/** `npm run start:<service>` for each service, on real PostgreSQL (one database each) and Redis. */
export async function startDistributedPlatform(
  options: { extraIdentityReplicas?: number; extraTenancyReplicas?: number; extraGateways?: number; env?: Record<string, string> } = {},
): Promise<RunningPlatform> {
  const infra = await testInfrastructure();
  if (!infra.available) throw new Error(infra.reason);
  const databases: TestDatabases<SubgraphName> = await createTestDatabases(infra.postgresUrl, SUBGRAPHS);
  const contextSecret = randomBytes(32).toString('base64url');
  const ports = { gateway: await freePort(), identity: await freePort(), tenancy: await freePort(), audit: await freePort() };
  const url = (name: SubgraphName) => `http://127.0.0.1:${ports[name]}/graphql`;
  const env = cleanEnv({
    HOST: '127.0.0.1',
    PORT: String(ports.gateway),
    IDENTITY_PORT: String(ports.identity),
    TENANCY_PORT: String(ports.tenancy),
    AUDIT_PORT: String(ports.audit),
    IDENTITY_URL: url('identity'),
    TENANCY_URL: url('tenancy'),
    AUDIT_URL: url('audit'),
    IDENTITY_DATABASE_URL: databases.urls.identity,
    TENANCY_DATABASE_URL: databases.urls.tenancy,
    AUDIT_DATABASE_URL: databases.urls.audit,
    // The running services log in as an unprivileged member of lattice_app; migrations use the owner URLs above.
    IDENTITY_DATABASE_APP_URL: appLoginUrl(databases.urls.identity),
    TENANCY_DATABASE_APP_URL: appLoginUrl(databases.urls.tenancy),
    REDIS_URL: infra.redisUrl,
    // Each test platform gets its own channels, so parallel suites sharing one Redis never hear each other.
    LATTICE_EVENT_NAMESPACE: `test-${randomBytes(4).toString('hex')}`,
    LATTICE_CONTEXT_SECRET: contextSecret,
    LATTICE_ADMIN_EMAIL: ADMIN_EMAIL,
    LATTICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...options.env,
  });
  // Extra identity replicas share the identity database and start at the same moment as the first one.
  const replicaPorts = await Promise.all(Array.from({ length: options.extraIdentityReplicas ?? 0 }, () => freePort()));
  const tenancyReplicaPorts = await Promise.all(Array.from({ length: options.extraTenancyReplicas ?? 0 }, () => freePort()));
  // Extra gateways are further replicas of the one public entry point, each on its own port.
  const gatewayPorts = await Promise.all(Array.from({ length: options.extraGateways ?? 0 }, () => freePort()));
  const launch = async (): Promise<RunningPlatform> => {
    const specs: { service: ServiceName; entry: string; env: NodeJS.ProcessEnv }[] = [
      { service: 'tenancy', entry: 'subgraphs/tenancy/main.js', env },
      { service: 'audit', entry: 'subgraphs/audit/main.js', env },
      { service: 'identity', entry: 'subgraphs/identity/main.js', env },
      ...replicaPorts.map((port) => ({ service: 'identity' as const, entry: 'subgraphs/identity/main.js', env: { ...env, IDENTITY_PORT: String(port) } })),
      ...tenancyReplicaPorts.map((port) => ({ service: 'tenancy' as const, entry: 'subgraphs/tenancy/main.js', env: { ...env, TENANCY_PORT: String(port) } })),
      { service: 'gateway', entry: 'gateway/main.js', env },
      ...gatewayPorts.map((port) => ({ service: 'gateway' as const, entry: 'gateway/main.js', env: { ...env, PORT: String(port) } })),
    ];
    const processes = specs.map((spec) => startProcess(spec.entry, spec.env));
    const stopAll = () => Promise.all(processes.map((p) => p.stop()));
    const baseUrl = `http://127.0.0.1:${ports.gateway}`;
    try {
      await Promise.all(processes.map((p) => p.waitForLog(/ started$/)));
      await Promise.all([baseUrl, ...gatewayPorts.map((port) => `http://127.0.0.1:${port}`)].map((url) => waitReady(url, processes)));
    } catch (error) {
      // A service that failed to start must not leave the others (or the databases) behind.
      await stopAll();
      throw error;
    }
    return {
      mode: 'distributed',
      baseUrl,
      graphqlUrl: `${baseUrl}/graphql`,
      subgraphs: {
        identity: `http://127.0.0.1:${ports.identity}`,
        tenancy: `http://127.0.0.1:${ports.tenancy}`,
        audit: `http://127.0.0.1:${ports.audit}`,
      },
      contextSecret,
      databaseUrls: databases.urls,
      identityReplicas: replicaPorts.map((port) => `http://127.0.0.1:${port}`),
      tenancyReplicas: tenancyReplicaPorts.map((port) => `http://127.0.0.1:${port}`),
      extraGateways: gatewayPorts.map((port) => `http://127.0.0.1:${port}/graphql`),
      processes,
      restartService: async (name, restartOptions = {}) => {
        const index = specs.findIndex((spec) => spec.service === name);
        const spec = specs[index];
        const old = processes[index];
        if (!spec || !old) throw new Error(`restartService: no ${name} process in this platform`);
        await old.stop(restartOptions.signal ?? 'SIGTERM');
        if (restartOptions.downForMs) await new Promise((r) => setTimeout(r, restartOptions.downForMs));
        const fresh = startProcess(spec.entry, spec.env);
        // In place, so stopAll (which reads the array when called) stops the new process too.
        processes[index] = fresh;
        await fresh.waitForLog(/ started$/);
        return fresh;
      },
      stop: stopAll,
      restart: async () => {
        await stopAll();
        return launch();
      },
      destroy: async () => {
        await stopAll();
        await databases.drop();
      },
    };
  };
  try {
    return await launch();
  } catch (error) {
    await databases.drop();
    throw error;
  }
}

export function startPlatform(mode: PlatformMode): Promise<RunningPlatform> {
  return mode === 'embedded' ? startEmbeddedPlatform() : startDistributedPlatform();
}
