import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../infrastructure/config/config';
import { loggerOver, type LogFields, type LogLevel } from '../../infrastructure/logging/logger';
import { committedSupergraphPath, watchedSupergraphFile } from '../supergraph/supergraph-source';
import { supergraphId } from '../supergraph/supergraph-version';
import type { GatewayFeature } from './feature';
import { contextFor, startGatewayServer, type RunningGatewayServer } from './gateway-server';

const COMMITTED = readFileSync(committedSupergraphPath(), 'utf8');
/** The committed supergraph with one more nullable Query field, served by identity. */
const WITH_EXTRA_FIELD = COMMITTED.replace(/type Query\n([^{]*)\{/, (match) => `${match}\n  hotReloaded: String @join__field(graph: IDENTITY)`);
const QUERY_FIELDS = '{ __type(name: "Query") { fields { name } } }';

class Logs {
  readonly lines: { level: LogLevel; message: string; fields: LogFields }[] = [];
  readonly logger = loggerOver({ write: (level, message, fields) => void this.lines.push({ level, message, fields }) });
  async waitFor(message: string, count = 1): Promise<LogFields> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const seen = this.lines.filter((line) => line.message === message);
      if (seen.length >= count) return seen[count - 1]!.fields;
      if (Date.now() > deadline) throw new Error(`no ${count}× "${message}" in ${JSON.stringify(this.lines.map((l) => l.message))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function post(url: string, query: string): Promise<{ status: number; body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as never };
}

const fieldNames = (body: { data?: unknown }) => ((body.data as { __type: { fields: { name: string }[] } }).__type.fields ?? []).map((f) => f.name);

describe('the gateway over a watched supergraph file', () => {
  let dir: string;
  let file: string;
  let server: RunningGatewayServer | undefined;
  let logs: Logs;
  /** Holds operations in checkOperation while `hold` is set, so a test can keep one in flight. */
  let hold: Promise<void> | null;
  const holding: GatewayFeature = { name: 'hold', checkOperation: async () => (await hold, null) };

  const start = async (env: Record<string, string> = {}) => {
    const config = parseConfig({ PORT: '0', LOG_LEVEL: 'silent', ...env }, 'gateway', { supergraphPath: file });
    server = await startGatewayServer({
      config,
      logger: logs.logger,
      source: watchedSupergraphFile(file, { pollMs: 50, logger: logs.logger }),
      subgraphUrl: (graph) => graph.url,
      features: async () => [holding],
    });
    return server;
  };
  const replace = (text: string) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-supergraph-'));
    file = join(dir, 'supergraph.graphql');
    writeFileSync(file, COMMITTED);
    logs = new Logs();
    hold = null;
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a new version without a restart, and a request in flight finishes on the version it started on', async () => {
    const gateway = await start();
    expect(gateway.current().id).toBe(supergraphId(COMMITTED));
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const inFlight = post(gateway.url, QUERY_FIELDS);
    await new Promise((r) => setTimeout(r, 100));
    replace(WITH_EXTRA_FIELD);
    await logs.waitFor('supergraph loaded', 2);
    expect(gateway.current().id).toBe(supergraphId(WITH_EXTRA_FIELD));
    release();
    hold = null;
    const before = await inFlight;
    expect(fieldNames(before.body)).not.toContain('hotReloaded');
    const after = await post(gateway.url, QUERY_FIELDS);
    expect(fieldNames(after.body)).toContain('hotReloaded');
  });

  it('refuses a half-written or invalid file with a log line saying why, and keeps serving the old version', async () => {
    const gateway = await start();
    const served = gateway.current().id;
    writeFileSync(file, WITH_EXTRA_FIELD.slice(0, WITH_EXTRA_FIELD.length / 2));
    const halfWritten = await logs.waitFor('supergraph refused');
    expect(halfWritten).toMatchObject({ path: file, reason: expect.stringMatching(/does not parse: Syntax Error/) });
    expect(gateway.current().id).toBe(served);
    expect((await post(gateway.url, QUERY_FIELDS)).status).toBe(200);

    // Parses, but names a subgraph the supergraph does not have: the planner refuses to load it.
    replace(COMMITTED.replace('type Query\n', 'type Query\n  @join__type(graph: NOWHERE)\n'));
    expect(await logs.waitFor('supergraph refused', 2)).toMatchObject({ reason: expect.stringMatching(/not a valid GraphQL schema.*Invalid value for "@join__type\(graph:\)"/) });
    expect(gateway.current().id).toBe(served);

    // The complete text that follows is served.
    writeFileSync(file, WITH_EXTRA_FIELD);
    await logs.waitFor('supergraph loaded', 2);
    expect(fieldNames((await post(gateway.url, QUERY_FIELDS)).body)).toContain('hotReloaded');
  });

  it('does not start on a file that is not a supergraph, naming the file and why', async () => {
    writeFileSync(file, 'type Query { hello: String }');
    await expect(start()).rejects.toThrow(`supergraph ${file} refused: it is not a composed supergraph`);
    rmSync(file);
    await expect(start()).rejects.toThrow(`cannot read the supergraph file ${file}: no such file`);
  });

  it('answers introspection and suggestions in development, and neither with NODE_ENV=production', async () => {
    const development = await start();
    expect((await post(development.url, QUERY_FIELDS)).body.data).toBeTruthy();
    const misspelt = await post(development.url, '{ mee { id } }');
    expect(misspelt.body.errors?.[0]?.message).toMatch(/Did you mean "me"/);
    await development.stop();

    const production = await start({ NODE_ENV: 'production' });
    const introspection = await post(production.url, QUERY_FIELDS);
    expect(introspection.body.data).toBeUndefined();
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
    const hidden = await post(production.url, '{ mee { id } }');
    expect(hidden.body.errors?.[0]?.message).toMatch(/Cannot query field "mee"/);
    expect(hidden.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    await production.stop();

    const overridden = await start({ NODE_ENV: 'production', LATTICE_INTROSPECTION: 'true' });
    expect((await post(overridden.url, QUERY_FIELDS)).body.data).toBeTruthy();
  });
});

describe('a connection’s context', () => {
  const principal = { kind: 'USER' as const, subject: 'u1', tenantId: null, roles: [], permissions: ['users:read'] };
  const authentication: GatewayFeature = {
    name: 'authentication',
    context: (input, context) => {
      if (input.credentials.Authorization === 'Bearer good' || input.credentials.authorization === 'Bearer good') context.request.principal = principal;
    },
  };
  const input = (credentials: Record<string, unknown>) => ({ credentials, requestId: 'req-12345678', ipAddress: null, userAgent: null });

  it('is built by the same steps from HTTP headers or WebSocket connection params', async () => {
    expect(await contextFor([authentication], input({ authorization: 'Bearer good' }))).toMatchObject({ request: { principal } });
    expect(await contextFor([authentication], input({ Authorization: 'Bearer good' }))).toMatchObject({ request: { principal } });
  });

  it('is refused with the step’s code and the request id, and an unexpected failure says nothing internal', async () => {
    const suspended: GatewayFeature = {
      name: 'tenant-status',
      context: () => {
        throw Object.assign(new Error('tenant acme is suspended'), { extensions: { code: 'TENANT_SUSPENDED' } });
      },
    };
    expect(await contextFor([suspended], input({}))).toMatchObject({
      refused: { message: 'tenant acme is suspended', extensions: { code: 'TENANT_SUSPENDED', requestId: 'req-12345678' } },
    });
    const broken: GatewayFeature = {
      name: 'broken',
      context: () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
      },
    };
    const refused = await contextFor([broken], input({}));
    expect(JSON.stringify(refused)).not.toMatch(/ECONNREFUSED|10\.0\.0\.7/);
    expect(refused).toMatchObject({ refused: { extensions: { code: 'UNAUTHENTICATED' } } });
  });
});
