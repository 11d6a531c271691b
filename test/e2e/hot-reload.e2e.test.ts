import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, graphql } from '../support/graphql-client';
import { ADMIN_EMAIL, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { ROOT, type ServiceProcess } from '../support/processes';
import { signInAsAdmin } from '../support/scenario';
import { eventually } from '../foreign/eventually';
import { logLines } from '../foreign/gateway-process';
import { replaceFileAtomically, withFieldAdded } from '../foreign/supergraph-text';

const idOf = (sdl: string) => createHash('sha256').update(sdl).digest('hex').slice(0, 12);

interface Readiness {
  status: string;
  supergraph: { id: string; loadedAt: string } | null;
}

/**
 * The embedded platform watching LATTICE_SUPERGRAPH_PATH (a copy of the committed supergraph, polled every 100 ms):
 * a new version is checked, then switched to without a restart; a broken one is refused and the old one keeps
 * serving. A loop of concurrent signed-in requests runs from the first test to the last and must never fail.
 * The tests run in file order: each one changes the watched file from where the previous one left it.
 */
describe('hot reload of a watched supergraph file (embedded platform)', () => {
  let dir: string;
  let supergraphPath: string;
  let original: string;
  let platform: RunningPlatform;
  let processLog: ServiceProcess;
  let token: string;
  const probeField = `reloadProbe${randomBytes(3).toString('hex')}`;

  const readiness = async (): Promise<Readiness> => (await (await fetch(`${platform.baseUrl}/health/ready`)).json()) as Readiness;
  const servedId = async () => (await readiness()).supergraph?.id;
  const queryFieldNames = async (): Promise<string[]> => {
    const response = await graphql<{ __type: { fields: { name: string }[] } }>(platform.graphqlUrl, '{ __type(name: "Query") { fields { name } } }', {}, bearer(token));
    if (!response.data) throw new Error(`introspection failed: ${JSON.stringify(response.errors)}`);
    return response.data.__type.fields.map((f) => f.name);
  };
  const waitForServedId = (id: string) => eventually(async () => ((await servedId()) === id ? id : undefined), { timeoutMs: 5_000, what: `supergraph ${id} to serve` });
  const waitForRefusals = (count: number) =>
    eventually(async () => (logLines(processLog, 'supergraph refused').length >= count ? logLines(processLog, 'supergraph refused') : undefined), {
      timeoutMs: 5_000,
      what: `${count} "supergraph refused" log lines`,
    });
  const me = async () => graphql<{ me: { id: string; email: string } }>(platform.graphqlUrl, '{ me { id email } }', {}, bearer(token));

  /** Signed-in requests from several clients at once, for as long as the suite runs; every non-200 or error is kept. */
  const load = { running: true, requests: 0, failures: [] as string[], clients: [] as Promise<void>[] };
  const startLoad = (clients: number) => {
    load.clients = Array.from({ length: clients }, async () => {
      while (load.running) {
        try {
          const response = await me();
          load.requests += 1;
          if (response.status !== 200 || response.errors || response.data?.me.email !== ADMIN_EMAIL) load.failures.push(JSON.stringify(response).slice(0, 500));
        } catch (error) {
          load.requests += 1;
          load.failures.push(String(error));
        }
      }
    });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-hot-reload-'));
    supergraphPath = join(dir, 'supergraph.graphql');
    copyFileSync(join(ROOT, 'schema', 'supergraph.graphql'), supergraphPath);
    original = readFileSync(supergraphPath, 'utf8');
    platform = await startEmbeddedPlatform({ env: { LATTICE_SUPERGRAPH_PATH: supergraphPath, LATTICE_SUPERGRAPH_POLL_MS: '100' } });
    processLog = platform.processes[0]!;
    token = await signInAsAdmin(platform.graphqlUrl);
    startLoad(8);
  }, 120_000);

  afterAll(async () => {
    load.running = false;
    await Promise.all(load.clients);
    await platform?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports in /health/ready the first 12 hex of sha256 of the watched file as the supergraph id', async () => {
    const ready = await readiness();
    expect(ready.status).toBe('ready');
    expect(ready.supergraph!.id).toBe(idOf(original));
    expect(ready.supergraph!.id).toMatch(/^[0-9a-f]{12}$/);
    expect(new Date(ready.supergraph!.loadedAt).toISOString()).toBe(ready.supergraph!.loadedAt);
  });

  it('switches within a few seconds to a replaced file that adds a field, which validation then accepts', async () => {
    expect(await queryFieldNames()).not.toContain(probeField);
    const before = await readiness();
    const added = withFieldAdded(original, 'Query', `${probeField}: String @join__field(graph: IDENTITY)`);
    replaceFileAtomically(supergraphPath, added);
    await waitForServedId(idOf(added));
    expect(await queryFieldNames()).toContain(probeField);
    const loaded = await eventually(async () => logLines(processLog, 'supergraph loaded').find((line) => line.id === idOf(added)), { timeoutMs: 5_000, what: 'the "supergraph loaded" log' });
    expect(loaded.id).toBe(idOf(added));
    expect(Date.parse((await readiness()).supergraph!.loadedAt)).toBeGreaterThan(Date.parse(before.supergraph!.loadedAt));
  });

  it('refuses a replaced file that parses but does not load, logging why, and keeps serving the version before it', async () => {
    const served = (await servedId())!;
    const refusedBefore = logLines(processLog, 'supergraph refused').length;
    replaceFileAtomically(supergraphPath, withFieldAdded(original, 'Query', 'ghost: String @join__field(graph: NOWHERE)'));
    const refused = (await waitForRefusals(refusedBefore + 1))[refusedBefore]!;
    expect(refused.path).toBe(supergraphPath);
    expect(refused.reason).toEqual(expect.stringContaining('Query.ghost'));
    expect(await servedId()).toBe(served);
    const answer = await me();
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.me.email).toBe(ADMIN_EMAIL);
    expect(await queryFieldNames()).not.toContain('ghost');
  });

  it('refuses a file caught half-written, then loads the complete text written after it', async () => {
    const served = (await servedId())!;
    const refusedBefore = logLines(processLog, 'supergraph refused').length;
    const next = withFieldAdded(original, 'Query', `${probeField}Second: String @join__field(graph: TENANCY)`);
    // Not atomic on purpose: a writer that truncates and writes in place, seen between its two writes.
    writeFileSync(supergraphPath, next.slice(0, Math.floor(next.length / 2)));
    const refused = (await waitForRefusals(refusedBefore + 1))[refusedBefore]!;
    expect(refused.path).toBe(supergraphPath);
    expect(refused.reason).toEqual(expect.stringMatching(/Syntax Error/));
    expect(await servedId()).toBe(served);
    expect((await me()).data?.me.email).toBe(ADMIN_EMAIL);
    writeFileSync(supergraphPath, next);
    await waitForServedId(idOf(next));
    expect(await queryFieldNames()).toEqual(expect.arrayContaining([`${probeField}Second`]));
  });

  it('drops the added fields again when the file goes back to the original text', async () => {
    replaceFileAtomically(supergraphPath, original);
    await waitForServedId(idOf(original));
    const fields = await queryFieldNames();
    expect(fields).not.toContain(probeField);
    expect(fields).not.toContain(`${probeField}Second`);
  });

  it('answers every request of the concurrent loop without a failure while the versions changed', async () => {
    load.running = false;
    await Promise.all(load.clients);
    // The loop ran through every step (a floor, not a throughput figure: on a loaded machine it is ~100).
    expect(load.requests).toBeGreaterThan(32);
    expect(load.failures).toEqual([]);
  });
});
