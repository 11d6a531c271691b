import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../infrastructure/config/project-root';
import { replaceFileAtomically, withFieldAdded } from '../test/foreign/supergraph-text';
import { startBenchPlatform, type BenchPlatform } from './platform-process';
import { summary } from './stats';

export interface HotReloadOptions {
  clients: number;
  seconds: number;
  /** LATTICE_SUPERGRAPH_POLL_MS of the platform: the backstop behind the file watch. */
  pollMs: number;
}

const DEFAULTS: HotReloadOptions = { clients: 20, seconds: 30, pollMs: 1000 };
const ADMIN = { email: 'bench-reload@lattice.local', password: 'bench-reload-admin-password' };
const ME = '{ me { id email } }';
/** How long one reload may take before the bench calls it lost. */
const RELOAD_TIMEOUT_MS = 10_000;

const idOf = (sdl: string) => createHash('sha256').update(sdl).digest('hex').slice(0, 12);

interface Load {
  running: boolean;
  latencies: number[];
  non200: number;
  withErrors: number;
  network: number;
  firstFailure?: string;
}

/** One client: `me` as the signed-in admin, back to back, until the load stops; every answer is checked. */
async function client(url: string, token: string, load: Load): Promise<void> {
  while (load.running) {
    const started = process.hrtime.bigint();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ME }),
      });
      const body = (await response.json()) as { data?: { me?: { email?: string } | null } | null; errors?: unknown[] };
      load.latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (response.status !== 200) load.non200 += 1;
      else if (body.errors || body.data?.me?.email !== ADMIN.email) load.withErrors += 1;
      else continue;
      load.firstFailure ??= `${response.status} ${JSON.stringify(body).slice(0, 300)}`;
    } catch (error) {
      load.latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      load.network += 1;
      load.firstFailure ??= String(error);
    }
  }
}

/** The log line the gateway writes for `msg` matching `test`, with the time it says it was written (ms since epoch). */
function nextLog(platform: BenchPlatform, msg: string, test: (line: Record<string, unknown>) => boolean): { seen: Promise<number>; cancel(): void } {
  let active = true;
  let resolve: (at: number) => void = () => undefined;
  const seen = new Promise<number>((r) => (resolve = r));
  platform.onLog(msg, (line) => {
    if (!active || !test(line)) return;
    active = false;
    const logged = typeof line.time === 'string' ? Date.parse(line.time) : typeof line.time === 'number' ? line.time : NaN;
    resolve(Number.isFinite(logged) ? logged : Date.now());
  });
  return { seen, cancel: () => (active = false) };
}

async function servedId(baseUrl: string): Promise<string | undefined> {
  const response = await fetch(`${baseUrl}/health/ready`).catch(() => null);
  if (!response) return undefined;
  const body = (await response.json()) as { supergraph?: { id?: string } | null };
  return body.supergraph?.id ?? undefined;
}

/** Polls /health/ready until it reports `id`; resolves with when it first did (ms since epoch), or NaN on timeout. */
async function whenServed(baseUrl: string, id: string): Promise<number> {
  const deadline = Date.now() + RELOAD_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await servedId(baseUrl)) === id) return Date.now();
    await sleep(10);
  }
  return NaN;
}

function withTimeout(seen: Promise<number>): Promise<number> {
  return Promise.race([seen, sleep(RELOAD_TIMEOUT_MS).then(() => NaN)]);
}

interface ReloadStep {
  label: string;
  sdl: string;
  valid: boolean;
}

/**
 * Hot reload under load: the embedded platform watching a copy of the committed supergraph, `clients` signed-in
 * clients sending `me` through the gateway back to back for `seconds`, while the watched file is replaced (atomically)
 * six times at even intervals: five valid versions (a field added, then removed, alternately) and one that parses but
 * does not load. Expected: zero failed requests; each valid version serving within milliseconds of its write (the
 * log line and /health/ready), the invalid one refused with the id unchanged.
 */
export async function benchHotReload(options: Partial<HotReloadOptions> = {}): Promise<void> {
  const { clients, seconds, pollMs } = { ...DEFAULTS, ...options };
  const dir = mkdtempSync(join(tmpdir(), 'lattice-bench-reload-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  copyFileSync(join(projectRoot(), 'schema', 'supergraph.graphql'), supergraphPath);
  const original = readFileSync(supergraphPath, 'utf8');
  const added = withFieldAdded(original, 'Query', 'benchReloadProbe: String @join__field(graph: IDENTITY)');
  const unloadable = withFieldAdded(original, 'Query', 'benchGhost: String @join__field(graph: NOWHERE)');
  const steps: ReloadStep[] = [
    { label: 'field added', sdl: added, valid: true },
    { label: 'field removed', sdl: original, valid: true },
    { label: 'field added', sdl: added, valid: true },
    { label: 'invalid: does not load', sdl: unloadable, valid: false },
    { label: 'field removed', sdl: original, valid: true },
    { label: 'field added', sdl: added, valid: true },
  ];

  const platform = await startBenchPlatform({
    LATTICE_ADMIN_EMAIL: ADMIN.email,
    LATTICE_ADMIN_PASSWORD: ADMIN.password,
    LATTICE_SUPERGRAPH_PATH: supergraphPath,
    LATTICE_SUPERGRAPH_POLL_MS: String(pollMs),
  });
  const load: Load = { running: true, latencies: [], non200: 0, withErrors: 0, network: 0 };
  try {
    const url = platform.graphqlUrl;
    const baseUrl = new URL(url).origin;
    const signIn = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', variables: { i: ADMIN } }),
    });
    const token = ((await signIn.json()) as { data?: { signIn?: { accessToken?: string } } }).data?.signIn?.accessToken;
    if (!token) throw new Error('bench could not sign in to the hot-reload platform');
    if ((await servedId(baseUrl)) !== idOf(original)) throw new Error('the hot-reload platform does not serve the watched file');

    const started = Date.now();
    const workers = Array.from({ length: clients }, () => client(url, token, load));
    const results: string[] = [];
    const every = (seconds * 1000) / (steps.length + 1);
    for (const [index, step] of steps.entries()) {
      await sleep(Math.max(0, started + every * (index + 1) - Date.now()));
      const before = await servedId(baseUrl);
      const id = idOf(step.sdl);
      const logged = step.valid
        ? nextLog(platform, 'supergraph loaded', (line) => line.id === id)
        : nextLog(platform, 'supergraph refused', (line) => line.path === supergraphPath);
      const writtenAt = Date.now();
      replaceFileAtomically(supergraphPath, step.sdl);
      const name = `reload ${index + 1} (${step.label})`.padEnd(34);
      if (step.valid) {
        const [loggedAt, servedAt] = await Promise.all([withTimeout(logged.seen), whenServed(baseUrl, id)]);
        logged.cancel();
        results.push(`  ${name} loaded ${fmt(loggedAt - writtenAt)} after the write (log), serving ${fmt(servedAt - writtenAt)} (/health/ready)`);
      } else {
        const refusedAt = await withTimeout(logged.seen);
        logged.cancel();
        const after = await servedId(baseUrl);
        results.push(`  ${name} refused ${fmt(refusedAt - writtenAt)} after the write (log), id ${after === before ? 'unchanged' : `CHANGED ${before} -> ${after}`}`);
      }
    }
    await sleep(Math.max(0, started + seconds * 1000 - Date.now()));
    load.running = false;
    await Promise.all(workers);
    const elapsed = (Date.now() - started) / 1000;
    const failures = load.non200 + load.withErrors + load.network;
    console.log(`me under hot reload (${clients} concurrent clients, ${elapsed.toFixed(1)} s, 6 file replacements)  ${JSON.stringify(summary(load.latencies))}`);
    console.log(
      `  requests ${load.latencies.length} (${(load.latencies.length / elapsed).toFixed(0)}/s), failures ${failures} (expected 0: non-200 ${load.non200}, with errors ${load.withErrors}, network ${load.network})`,
    );
    if (load.firstFailure) console.log(`  first failure: ${load.firstFailure}`);
    for (const line of results) console.log(line);
  } finally {
    load.running = false;
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : `not within ${RELOAD_TIMEOUT_MS} ms`);
