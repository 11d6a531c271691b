import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { testInfrastructure } from '../test/support/infrastructure';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startDistributedPlatform } from '../test/support/platform';
import { startBenchPlatform } from './platform-process';
import { summary } from './stats';

export interface SubscriptionBenchOptions {
  /** Idle sockets held open at once (acknowledged, one subscription each). */
  idleSockets: number;
  /** Subscribers of one tenant, all with the same document, for the delivery latency. */
  subscribers: number;
  /** Mutations, one after another, each delivered to every subscriber. */
  mutations: number;
}

const DEFAULTS: SubscriptionBenchOptions = { idleSockets: 10_000, subscribers: 1_000, mutations: 20 };
const ADMIN = { email: 'bench-subscriptions@lattice.local', password: 'bench-subscriptions-admin-password' };
const DOCUMENT = 'subscription { userChanged { type occurredAt user { email tenant { name } } } }';

async function post<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(`bench request failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** One acknowledged graphql-ws socket with one subscription; `onNext` sees each event. */
function subscriber(url: string, token: string, onNext: (payload: { data?: unknown }) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.once('error', reject);
    socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; payload?: { data?: unknown } };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: DOCUMENT } }));
        resolve(socket);
      } else if (message.type === 'next') onNext(message.payload ?? {});
    });
  });
}

/** Opens `count` subscribers, `parallel` at a time. */
async function openMany(count: number, parallel: number, open: () => Promise<WebSocket>): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += parallel) sockets.push(...(await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, open))));
  return sockets;
}

const closeAll = async (sockets: WebSocket[]) => {
  await Promise.all(sockets.map((s) => new Promise((resolve) => (s.readyState === WebSocket.OPEN ? (s.once('close', resolve), s.close(1000)) : resolve(null)))));
};

/**
 * `count` acknowledged, subscribed sockets held open at once, and the growth of `pid`'s RSS they cost, measured after
 * a first round of sockets has warmed the heap up.
 */
async function measureIdleSockets(label: string, url: string, token: string, pid: number, count: number): Promise<void> {
  await closeAll(await openMany(1_000, 200, () => subscriber(url, token, () => undefined)));
  await sleep(3000);
  const before = rssMb(pid);
  const started = Date.now();
  const idle = await openMany(count, 200, () => subscriber(url, token, () => undefined));
  const opened = Date.now() - started;
  await sleep(2000);
  const after = rssMb(pid);
  console.log(
    `subscriptions, idle, ${label}: ${idle.length} sockets open and subscribed in ${(opened / 1000).toFixed(1)} s; RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB, ` +
      `${(((after - before) * 1024) / idle.length).toFixed(1)} KB per socket`,
  );
  await closeAll(idle);
}

/**
 * The same idle sockets at a distributed gateway process alone (the subgraphs in their own processes, real
 * PostgreSQL and Redis), whose RSS is the gateway's only: the embedded platform's is dominated by its databases.
 */
export async function benchIdleSocketsDistributed(count = DEFAULTS.idleSockets): Promise<void> {
  const infra = await testInfrastructure();
  if (!infra.available) {
    console.log(`subscriptions, idle, distributed gateway: SKIPPED (${infra.reason})`);
    return;
  }
  const platform = await startDistributedPlatform({ env: { LATTICE_SUBSCRIPTION_CONNECTIONS_PER_USER: String(count + 1_000) } });
  try {
    const token = (await post<{ signIn: { accessToken: string } }>(platform.graphqlUrl, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).signIn.accessToken;
    const gateway = platform.processes.at(-1)!;
    await measureIdleSockets('distributed gateway process alone', platform.graphqlUrl, token, gateway.child.pid!, count);
  } finally {
    await platform.destroy();
  }
}

/**
 * Subscriptions at one gateway (the embedded platform, its own process): `idleSockets` acknowledged sockets of one
 * tenant held open, with the platform's RSS before and after; then `subscribers` sockets with one document, and
 * `mutations` user creations one after another: the time from each change (its occurredAt) to its arrival at each
 * subscriber, and the executions the gateway ran per event (its debug log), against one per document and
 * permission set.
 */
export async function benchSubscriptions(options: Partial<SubscriptionBenchOptions> = {}): Promise<void> {
  const { idleSockets, subscribers, mutations } = { ...DEFAULTS, ...options };
  const platform = await startBenchPlatform({
    LATTICE_ADMIN_EMAIL: ADMIN.email,
    LATTICE_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'debug',
    LATTICE_SUBSCRIPTION_CONNECTIONS_PER_USER: String(idleSockets + subscribers),
    LATTICE_SUBSCRIPTION_CONNECTIONS_PER_TENANT: String(idleSockets + subscribers),
  });
  const executions: number[] = [];
  const gatewayMs: number[] = [];
  platform.onLog('subscription event executed', (line) => {
    if (line.field !== 'userChanged' || Number(line.subscribers) < subscribers) return;
    executions.push(Number(line.executions));
    gatewayMs.push(Number(line.ms));
  });
  try {
    const url = platform.graphqlUrl;
    const platformToken = (await post<{ signIn: { accessToken: string } }>(url, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: ADMIN })).signIn.accessToken;
    const slug = `bench-${Date.now().toString(36)}`;
    const tenant = (await post<{ createTenant: { id: string } }>(url, 'mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }', { i: { slug, name: 'Bench' } }, platformToken)).createTenant;
    const email = `admin@${slug}.test`;
    await post(url, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { tenantId: tenant.id, email, displayName: 'A', password: ADMIN.password, roles: ['tenant-admin'] } }, platformToken);
    const token = (await post<{ signIn: { accessToken: string } }>(url, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email, password: ADMIN.password, tenantSlug: slug } })).signIn.accessToken;

    await measureIdleSockets('embedded platform (gateway and subgraphs in one process)', url, token, platform.pid, idleSockets);

    // Delivery latency at `subscribers` subscribers of one tenant.
    const latencies: number[] = [];
    let delivered = 0;
    const sockets = await openMany(subscribers, 200, () =>
      subscriber(url, token, (payload) => {
        const change = (payload.data as { userChanged?: { occurredAt?: string } } | undefined)?.userChanged;
        if (!change?.occurredAt) return;
        delivered += 1;
        latencies.push(Date.now() - Date.parse(change.occurredAt));
      }),
    );
    // The idle round's 10,000 closes are still being cleaned up (and collected) by the platform: let that settle
    // first, so what follows measures delivery, not the previous scenario's garbage.
    await sleep(3_000);
    for (let i = 0; i < mutations; i++) {
      await post(url, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { tenantId: tenant.id, email: `u${i}@${slug}.test`, displayName: 'U', password: ADMIN.password } }, token);
      await sleep(100);
    }
    const deadline = Date.now() + 15_000;
    while (delivered < subscribers * mutations && Date.now() < deadline) await sleep(50);
    await sleep(300);
    const { p50, p99 } = summary(latencies);
    const perEvent = executions.length > 0 ? `${Math.min(...executions)}–${Math.max(...executions)}` : 'none logged';
    console.log(
      `subscriptions, delivery: ${subscribers} subscribers × ${mutations} changes = ${delivered}/${subscribers * mutations} delivered; ` +
        `change → subscriber p50 ${p50} ms, p99 ${p99} ms (of which the gateway, event heard → all ${subscribers} handed to their sockets: ` +
        `p50 ${summary(gatewayMs).p50} ms, p99 ${summary(gatewayMs).p99} ms); executions per event ${perEvent} (target: 1, one document and permission set)`,
    );
    await closeAll(sockets);
  } finally {
    await platform.stop();
  }
}
