import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, graphql, GraphQLError, parse, validate } from 'graphql';
import { type CliIo, localEffects, main } from './cli';

/** The registry's API exactly as the contract states it; the fake below executes every request against it. */
const CONTRACT = buildSchema(`
  scalar DateTimeISO
  type Query {
    registrySubgraphs: [RegistrySubgraph!]!
    registrySupergraph: RegistrySupergraph
    registryDiff(subgraph: String!, from: Int!, to: Int!): [SchemaChange!]!
  }
  type Mutation {
    checkSubgraph(input: CheckSubgraphInput!): SchemaCheck!
    publishSubgraph(input: PublishSubgraphInput!): PublishResult!
  }
  type RegistrySubgraph { name: String! version: Int! url: String! author: String! commit: String publishedAt: DateTimeISO! }
  type RegistrySupergraph { id: String! sdl: String! createdAt: DateTimeISO! subgraphs: [RegistrySubgraphRef!]! }
  type RegistrySubgraphRef { name: String! version: Int! }
  input CheckSubgraphInput { subgraph: String! sdl: String! windowDays: Int }
  input PublishSubgraphInput { subgraph: String! sdl: String! url: String! author: String! commit: String new: Boolean }
  type SchemaCheck {
    passed: Boolean!
    subgraph: String!
    baseVersion: Int
    composition: CompositionCheck!
    changes: [SchemaChange!]!
    operations: OperationCheck!
    lint: LintCheck!
  }
  type CompositionCheck { passed: Boolean! errors: [CompositionError!]! }
  type CompositionError { code: String! message: String! locations: [CompositionErrorLocation!]! }
  type CompositionErrorLocation { subgraph: String line: Int! column: Int! }
  type SchemaChange { criticality: String! type: String! message: String! path: String affectedOperations: [RecordedOperation!]! }
  type OperationCheck { passed: Boolean! windowDays: Int! checked: Int! affected: [RecordedOperation!]! }
  type RecordedOperation { signatureHash: String! operationName: String clientName: String clientVersion: String count: Int! lastSeen: String! }
  type LintCheck { passed: Boolean! messages: [LintMessage!]! }
  type LintMessage { rule: String! severity: String! message: String! coordinate: String }
  type PublishResult { published: Boolean! version: Int supergraphId: String check: SchemaCheck! }
`);

type Field = 'registrySubgraphs' | 'registrySupergraph' | 'registryDiff' | 'checkSubgraph' | 'publishSubgraph';
/** Canned answers per root field; throwing a GraphQLError answers with that error, as the real server would. */
type Answers = Partial<Record<Field, (args: Record<string, unknown>) => unknown>>;

interface RecordedRequest {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  query: string;
  variables: Record<string, unknown>;
}

interface FakeRegistry {
  url: string;
  requests: RecordedRequest[];
}

const servers: Server[] = [];
/** Requests the contract does not allow: a wrong field, argument or selection in the client fails the test that sent it. */
let contractViolations: string[] = [];

/** A real HTTP server on a free port that plays the registry; `status` replaces HTTP 200, as a 403 from a proxy or the server would. */
async function startRegistry(answers: Answers, options: { status?: number } = {}): Promise<FakeRegistry> {
  const requests: RecordedRequest[] = [];
  const rootValue = Object.fromEntries(
    (['registrySubgraphs', 'registrySupergraph', 'registryDiff', 'checkSubgraph', 'publishSubgraph'] as const).map((field) => [
      field,
      (args: Record<string, unknown>) => {
        const answer = answers[field];
        if (!answer) throw new Error(`the test gave no canned answer for ${field}`);
        return answer(args);
      },
    ]),
  );
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: Record<string, unknown> };
        requests.push({ method: request.method, path: request.url, headers: request.headers, query: body.query, variables: body.variables });
        if (request.url !== '/registry/graphql') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        const problems = validate(CONTRACT, parse(body.query));
        contractViolations.push(...problems.map((problem) => problem.message));
        const result = await graphql({ schema: CONTRACT, source: body.query, variableValues: body.variables, rootValue });
        contractViolations.push(...(result.errors ?? []).filter((error) => !error.extensions.code).map((error) => error.message));
        response.writeHead(options.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      })();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A server answering every request with one fixed body, for answers the contract's schema could never produce. */
async function startRawServer(status: number, contentType: string, body: string): Promise<string> {
  const server = createServer((_request, response) => response.writeHead(status, { 'content-type': contentType }).end(body));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An origin nothing listens on: a port the system handed out and that was closed again. */
async function closedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return `http://127.0.0.1:${port}`;
}

function registryError(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

const IDENTITY_SDL = 'type Query { me: User }\ntype User @key(fields: "id") { id: ID! displayName: String }\n';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lattice-schema-'));
  await writeFile(join(dir, 'identity.graphql'), IDENTITY_SDL);
  contractViolations = [];
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((closed) => server.close(() => closed()));
  }
  await rm(dir, { recursive: true, force: true });
  expect(contractViolations).toEqual([]);
});

async function run(args: string[], options: { registry?: string; env?: Record<string, string>; currentCommit?: CliIo['currentCommit'] } = {}) {
  let stdout = '';
  let stderr = '';
  const env = { LATTICE_REGISTRY_TOKEN: 'lat_test_key', ...(options.registry ? { LATTICE_REGISTRY_URL: options.registry } : {}), ...options.env };
  const code = await main(args, {
    env,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    fetch,
    ...localEffects(dir),
    currentCommit: options.currentCommit ?? (async () => null),
  });
  return { code, stdout, stderr };
}

/** Every error is a single `lattice-schema: …` line, never a stack trace. */
function expectOneErrorLine(stderr: string): void {
  expect(stderr).toMatch(/^lattice-schema: [^\n]+\n$/);
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
}

const dashboard = { signatureHash: 'f3a9c0d1e2b4a5968778695a4b3c2d1e', operationName: 'Dashboard', clientName: 'web', clientVersion: '1.2.0', count: 42, lastSeen: '2026-12-01T09:30:00.000Z' };
const displayNameRemoved = {
  criticality: 'BREAKING',
  type: 'FIELD_REMOVED',
  message: "Field 'displayName' was removed from object type 'User'",
  path: 'User.displayName',
  affectedOperations: [dashboard],
};
const emailAdded = { criticality: 'SAFE', type: 'FIELD_ADDED', message: "Field 'email' was added to object type 'User'", path: 'User.email', affectedOperations: [] };

function schemaCheck(overrides: Record<string, unknown> = {}) {
  return {
    passed: true,
    subgraph: 'identity',
    baseVersion: 3,
    composition: { passed: true, errors: [] },
    changes: [emailAdded],
    operations: { passed: true, windowDays: 7, checked: 120, affected: [] },
    lint: { passed: true, messages: [{ rule: 'field-description', severity: 'warning', message: 'Field has no description', coordinate: 'User.email' }] },
    ...overrides,
  };
}
const failingCheck = schemaCheck({
  passed: false,
  changes: [displayNameRemoved],
  operations: { passed: false, windowDays: 7, checked: 120, affected: [dashboard] },
});
const compositionFailed = schemaCheck({
  passed: false,
  composition: {
    passed: false,
    errors: [{ code: 'INVALID_FIELD_SHARING', message: 'Non-shareable field "User.displayName" is resolved from multiple subgraphs', locations: [{ subgraph: 'identity', line: 2, column: 37 }] }],
  },
});

describe('lattice-schema check', () => {
  it('exits 0 for a passing check, posting to /registry/graphql with the token as a bearer header', async () => {
    const registry = await startRegistry({ checkSubgraph: () => schemaCheck() });
    const { code, stdout, stderr } = await run(['check', '--subgraph', 'identity', '--schema', 'identity.graphql', '--window-days', '14'], { registry: registry.url });

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')).toEqual([
      'check identity against version 3: passed',
      'composition: passed',
      'changes: 1 change (0 breaking, 0 dangerous, 1 safe)',
      "  SAFE  User.email  Field 'email' was added to object type 'User'",
      'operations: passed; 120 operations seen in the last 7 days checked; 0 affected',
      'lint: passed (1 message)',
      '  warning  field-description  User.email  Field has no description',
      '',
    ]);
    expect(registry.requests).toHaveLength(1);
    const [request] = registry.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/registry/graphql', headers: { authorization: 'Bearer lat_test_key', 'content-type': 'application/json' } });
    expect(request!.variables).toEqual({ input: { subgraph: 'identity', sdl: IDENTITY_SDL, windowDays: 14 } });
  });

  it('exits 1 for a failing check and names the breaking change, the operation it breaks and its client', async () => {
    const registry = await startRegistry({ checkSubgraph: () => failingCheck });
    const { code, stdout } = await run(['check', '--subgraph', 'identity', '--schema', 'identity.graphql'], { registry: registry.url });

    expect(code).toBe(1);
    expect(stdout).toContain('check identity against version 3: FAILED\n');
    expect(stdout).toContain("  BREAKING  User.displayName  Field 'displayName' was removed from object type 'User'\n    used by Dashboard (client web 1.2.0, 42 requests, last seen 2026-12-01)\n");
    expect(stdout).toContain('operations: FAILED; 120 operations seen in the last 7 days checked; 1 affected\n');
    expect(registry.requests[0]!.variables).toEqual({ input: { subgraph: 'identity', sdl: IDENTITY_SDL } });
  });

  it('exits 1 with FILE:line:column when the schema does not parse, before sending anything', async () => {
    await writeFile(join(dir, 'broken.graphql'), 'type Query {\n  me: User\n\ntype User { id: ID! }\n');
    const registry = await startRegistry({ checkSubgraph: () => schemaCheck() });
    const { code, stdout, stderr } = await run(['check', '--subgraph', 'identity', '--schema', 'broken.graphql'], { registry: registry.url });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('lattice-schema: broken.graphql:4:6: Syntax Error: Expected ":", found Name "User".\n');
    expect(registry.requests).toHaveLength(0);
  });

  it('exits 2 when the schema file cannot be read', async () => {
    const registry = await startRegistry({});
    const { code, stderr } = await run(['check', '--subgraph', 'identity', '--schema', 'missing.graphql'], { registry: registry.url });

    expect(code).toBe(2);
    expect(stderr).toBe('lattice-schema: cannot read missing.graphql: no such file\n');
    expect(registry.requests).toHaveLength(0);
  });

  it('answers --json with one JSON document carrying the check as the registry gave it', async () => {
    const registry = await startRegistry({ checkSubgraph: () => failingCheck });
    const { code, stdout } = await run(['check', '--subgraph', 'identity', '--schema', 'identity.graphql', '--json'], { registry: registry.url });

    expect(code).toBe(1);
    const document = JSON.parse(stdout);
    expect(document).toEqual(failingCheck);
    expect(document.changes[0].affectedOperations[0]).toMatchObject({ operationName: 'Dashboard', clientName: 'web', count: 42 });
  });
});

describe('lattice-schema publish', () => {
  const publishArgs = ['publish', '--subgraph', 'identity', '--schema', 'identity.graphql', '--url', 'http://identity:4001/graphql'];

  it('exits 0 and names the new version and supergraph, sending the author and commit from the CI environment', async () => {
    const registry = await startRegistry({ publishSubgraph: () => ({ published: true, version: 4, supergraphId: 'sg-7f3a', check: schemaCheck() }) });
    const { code, stdout, stderr } = await run(publishArgs, { registry: registry.url, env: { GITHUB_ACTOR: 'octocat', USER: 'runner', GITHUB_SHA: 'a'.repeat(40) } });

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^published identity version 4; supergraph sg-7f3a\n\ncheck identity against version 3: passed\n/);
    expect(registry.requests[0]!.variables).toEqual({
      input: { subgraph: 'identity', sdl: IDENTITY_SDL, url: 'http://identity:4001/graphql', author: 'octocat', commit: 'a'.repeat(40), new: false },
    });
  });

  it.each([
    ['--author and --commit win over the environment', ['--author', 'alice', '--commit', 'c0ffee'], { LATTICE_SCHEMA_AUTHOR: 'bot', GITHUB_SHA: 'b'.repeat(40) }, { author: 'alice', commit: 'c0ffee' }],
    ['LATTICE_SCHEMA_AUTHOR comes before GITHUB_ACTOR, and git names the commit', [], { LATTICE_SCHEMA_AUTHOR: 'bot', GITHUB_ACTOR: 'octocat' }, { author: 'bot', commit: 'd'.repeat(40) }],
    ['USER is the last resort before "unknown"', [], { USER: 'runner' }, { author: 'runner', commit: 'd'.repeat(40) }],
    ['"unknown" when nothing names the author', [], {}, { author: 'unknown', commit: 'd'.repeat(40) }],
  ])('%s', async (_title, flags, env, expected) => {
    const registry = await startRegistry({ publishSubgraph: () => ({ published: true, version: 4, supergraphId: 'sg-7f3a', check: schemaCheck() }) });
    const { code } = await run([...publishArgs, ...flags], { registry: registry.url, env, currentCommit: async () => 'd'.repeat(40) });

    expect(code).toBe(0);
    expect(registry.requests[0]!.variables.input).toMatchObject(expected);
  });

  it('sends a null commit when neither GITHUB_SHA nor git names one, and new: true with --new', async () => {
    const registry = await startRegistry({ publishSubgraph: () => ({ published: true, version: 1, supergraphId: 'sg-1', check: schemaCheck({ baseVersion: null, changes: [] }) }) });
    const { code, stdout } = await run([...publishArgs, '--new'], { registry: registry.url, currentCommit: async () => null });

    expect(code).toBe(0);
    expect(stdout).toContain('check identity as a new subgraph: passed\n');
    expect(registry.requests[0]!.variables.input).toMatchObject({ commit: null, new: true });
  });

  it('exits 1 when the registry refuses the publish because composition fails, and shows why', async () => {
    const registry = await startRegistry({ publishSubgraph: () => ({ published: false, version: null, supergraphId: null, check: compositionFailed }) });
    const { code, stdout } = await run(publishArgs, { registry: registry.url });

    expect(code).toBe(1);
    expect(stdout).toMatch(/^refused: identity was not published \(composition failed\); nothing changed\n/);
    expect(stdout).toContain('composition: FAILED (1 error)\n  INVALID_FIELD_SHARING  Non-shareable field "User.displayName" is resolved from multiple subgraphs (identity:2:37)\n');
  });

  it('exits 1 on CONFLICT and names the version of the publish that won', async () => {
    const registry = await startRegistry({
      publishSubgraph: () => {
        throw registryError('CONFLICT', 'identity was published concurrently', { currentVersion: 5 });
      },
    });
    const { code, stdout, stderr } = await run(publishArgs, { registry: registry.url });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expectOneErrorLine(stderr);
    expect(stderr).toContain('another publish of identity won: the registry is at version 5 now');
  });

  it('exits 1 with the registry message for a CONFLICT that names no winning version (--new for a known subgraph)', async () => {
    const registry = await startRegistry({
      publishSubgraph: () => {
        throw registryError('CONFLICT', 'subgraph "identity" is already registered (version 3); publish without new');
      },
    });
    const { code, stderr } = await run([...publishArgs, '--new'], { registry: registry.url });

    expect(code).toBe(1);
    expect(stderr).toBe('lattice-schema: subgraph "identity" is already registered (version 3); publish without new\n');
  });

  it('reports a CONFLICT under --json with the winning version', async () => {
    const registry = await startRegistry({
      publishSubgraph: () => {
        throw registryError('CONFLICT', 'identity was published concurrently', { currentVersion: 5 });
      },
    });
    const { code, stdout } = await run([...publishArgs, '--json'], { registry: registry.url });

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({ error: { kind: 'conflict', message: expect.stringContaining('version 5'), currentVersion: 5 } });
  });

  it('exits 2 for a subgraph the registry does not know, with its message and a hint at --new', async () => {
    const registry = await startRegistry({
      publishSubgraph: () => {
        throw registryError('NOT_FOUND', 'subgraph "identiy" was not found; known subgraphs: audit, identity, tenancy');
      },
    });
    const { code, stderr } = await run(['publish', '--subgraph', 'identiy', '--schema', 'identity.graphql', '--url', 'http://identity:4001/graphql'], { registry: registry.url });

    expect(code).toBe(2);
    expect(stderr).toBe('lattice-schema: subgraph "identiy" was not found; known subgraphs: audit, identity, tenancy; pass --new to register a new subgraph\n');
  });
});

describe('lattice-schema list, diff and fetch-supergraph', () => {
  const supergraph = { id: 'sg-7f3a', sdl: 'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }\ntype Query { me: User }', createdAt: '2026-12-01T10:00:00.000Z', subgraphs: [{ name: 'identity', version: 4 }] };

  it('lists each subgraph in a table, then the supergraph', async () => {
    const registry = await startRegistry({
      registrySubgraphs: () => [
        { name: 'identity', version: 4, url: 'http://identity:4001/graphql', author: 'octocat', commit: '3f2a1b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a', publishedAt: '2026-12-01T10:00:00.000Z' },
        { name: 'audit', version: 12, url: 'http://audit:4003/graphql', author: 'bot', commit: null, publishedAt: '2026-11-30T08:00:00.000Z' },
      ],
      registrySupergraph: () => supergraph,
    });
    const { code, stdout } = await run(['list'], { registry: registry.url });

    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'NAME      VERSION  URL                           AUTHOR   COMMIT   PUBLISHED AT',
      'identity  4        http://identity:4001/graphql  octocat  3f2a1b9  2026-12-01T10:00:00.000Z',
      'audit     12       http://audit:4003/graphql     bot      -        2026-11-30T08:00:00.000Z',
      '',
      'supergraph sg-7f3a (composed 2026-12-01T10:00:00.000Z)',
      '',
    ]);
  });

  it('answers list --json with the subgraphs and the supergraph without its SDL', async () => {
    const registry = await startRegistry({ registrySubgraphs: () => [], registrySupergraph: () => null });
    const { code, stdout } = await run(['list', '--json'], { registry: registry.url });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ subgraphs: [], supergraph: null });
  });

  it('shows the changes between two versions', async () => {
    const registry = await startRegistry({ registryDiff: () => [displayNameRemoved, emailAdded] });
    const { code, stdout } = await run(['diff', '--subgraph', 'identity', '3', '4'], { registry: registry.url });

    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'diff identity version 3 to 4: 2 changes (1 breaking, 0 dangerous, 1 safe)',
      "  BREAKING  User.displayName  Field 'displayName' was removed from object type 'User'",
      '    used by Dashboard (client web 1.2.0, 42 requests, last seen 2026-12-01)',
      "  SAFE  User.email  Field 'email' was added to object type 'User'",
      '',
    ]);
    expect(registry.requests[0]!.variables).toEqual({ subgraph: 'identity', from: 3, to: 4 });
  });

  it('exits 2 with the registry message for an unknown subgraph', async () => {
    const registry = await startRegistry({
      registryDiff: () => {
        throw registryError('NOT_FOUND', 'subgraph "identiy" was not found; known subgraphs: audit, identity, tenancy');
      },
    });
    const { code, stderr } = await run(['diff', '--subgraph', 'identiy', '3', '4'], { registry: registry.url });

    expect(code).toBe(2);
    expect(stderr).toBe('lattice-schema: subgraph "identiy" was not found; known subgraphs: audit, identity, tenancy\n');
  });

  it('writes the supergraph SDL to --out', async () => {
    const registry = await startRegistry({ registrySupergraph: () => supergraph });
    const { code, stdout } = await run(['fetch-supergraph', '--out', 'supergraph.graphql'], { registry: registry.url });

    expect(code).toBe(0);
    expect(stdout).toBe('wrote supergraph.graphql (supergraph sg-7f3a)\n');
    expect(await readFile(join(dir, 'supergraph.graphql'), 'utf8')).toBe(`${supergraph.sdl}\n`);
  });

  it('writes the supergraph SDL to stdout without --out', async () => {
    const registry = await startRegistry({ registrySupergraph: () => supergraph });
    const { code, stdout } = await run(['fetch-supergraph'], { registry: registry.url });

    expect(code).toBe(0);
    expect(stdout).toBe(`${supergraph.sdl}\n`);
  });

  it('exits 2 when nothing has been composed yet', async () => {
    const registry = await startRegistry({ registrySupergraph: () => null });
    const { code, stderr } = await run(['fetch-supergraph'], { registry: registry.url });

    expect(code).toBe(2);
    expectOneErrorLine(stderr);
    expect(stderr).toContain('nothing has been composed yet');
  });
});

describe('lattice-schema credentials and connections', () => {
  it('exits 2 when the registry answers HTTP 403', async () => {
    const registry = await startRegistry(
      {
        registrySubgraphs: () => {
          throw registryError('FORBIDDEN', 'schema:publish permission required');
        },
      },
      { status: 403 },
    );
    const { code, stderr } = await run(['list'], { registry: registry.url });

    expect(code).toBe(2);
    expectOneErrorLine(stderr);
    expect(stderr).toContain('the registry refused the credentials: schema:publish permission required; check the token');
  });

  it('exits 2 when the registry answers FORBIDDEN with HTTP 200', async () => {
    const registry = await startRegistry({
      checkSubgraph: () => {
        throw registryError('FORBIDDEN', 'this API key may not check subgraph "identity"');
      },
    });
    const { code, stderr } = await run(['check', '--subgraph', 'identity', '--schema', 'identity.graphql'], { registry: registry.url });

    expect(code).toBe(2);
    expect(stderr).toContain('this API key may not check subgraph "identity"');
  });

  it('exits 2 for UNAUTHENTICATED without a token and says how to give one', async () => {
    const registry = await startRegistry({
      registrySubgraphs: () => {
        throw registryError('UNAUTHENTICATED', 'authentication required');
      },
    });
    const { code, stderr } = await run(['list'], { registry: registry.url, env: { LATTICE_REGISTRY_TOKEN: '' } });

    expect(code).toBe(2);
    expect(registry.requests[0]!.headers.authorization).toBeUndefined();
    expect(stderr).toBe('lattice-schema: the registry refused the credentials: authentication required; no token was sent: set LATTICE_REGISTRY_TOKEN or pass --token\n');
  });

  it('exits 2 and names the URL when the registry is unreachable', async () => {
    const origin = await closedOrigin();
    const { code, stderr } = await run(['list'], { registry: origin });

    expect(code).toBe(2);
    expectOneErrorLine(stderr);
    expect(stderr).toBe(`lattice-schema: the registry at ${origin}/registry/graphql is unreachable (ECONNREFUSED); check --registry or LATTICE_REGISTRY_URL\n`);
  });

  it('lets --registry and --token override the environment', async () => {
    const registry = await startRegistry({ registrySubgraphs: () => [], registrySupergraph: () => null });
    const { code } = await run(['list', '--registry', `${registry.url}/`, '--token', 'access-token'], { registry: await closedOrigin() });

    expect(code).toBe(0);
    expect(registry.requests.map((request) => [request.path, request.headers.authorization])).toEqual([
      ['/registry/graphql', 'Bearer access-token'],
      ['/registry/graphql', 'Bearer access-token'],
    ]);
  });

  it('exits 2 for an answer that is not GraphQL', async () => {
    const url = await startRawServer(502, 'text/html', '<html>Bad Gateway</html>');
    const { code, stderr } = await run(['fetch-supergraph'], { registry: url });

    expect(code).toBe(2);
    expect(stderr).toBe(`lattice-schema: the registry at ${url}/registry/graphql answered HTTP 502 without a GraphQL response\n`);
  });

  it('exits 2 for an answer that does not match the contract', async () => {
    const url = await startRawServer(200, 'application/json', JSON.stringify({ data: { registrySupergraph: { id: 'sg-1', sdl: 'type Query { a: Int }' } } }));
    const { code, stderr } = await run(['fetch-supergraph'], { registry: url });

    expect(code).toBe(2);
    expect(stderr).toMatch(/^lattice-schema: the registry's answer does not match the contract at registrySupergraph\.createdAt: .+\n$/);
  });
});

describe('lattice-schema usage', () => {
  it.each([
    ['no command', [], 'no command given; see lattice-schema --help'],
    ['an unknown command', ['chek'], 'unknown command "chek"; the commands are check, publish, list, diff, register-operations, fetch-supergraph'],
    ['a missing flag', ['check', '--schema', 'identity.graphql'], 'check needs --subgraph NAME; see lattice-schema check --help'],
    ['a flag of another command', ['check', '--subgraph', 'identity', '--schema', 'identity.graphql', '--url', 'http://x'], 'check does not take --url; see lattice-schema check --help'],
    ['an unknown flag', ['list', '--verbose'], "unknown option '--verbose'; see lattice-schema list --help"],
    ['a flag without its value', ['check', '--schema', 'identity.graphql', '--subgraph'], "option '--subgraph <value>' argument missing; see lattice-schema check --help"],
    ['a repeated flag', ['check', '--subgraph', 'a', '--subgraph', 'b', '--schema', 'identity.graphql'], '--subgraph is given twice; see lattice-schema check --help'],
    ['a bad number', ['check', '--subgraph', 'identity', '--schema', 'identity.graphql', '--window-days', 'week'], '--window-days must be a whole number, 1 or more (got "week"); see lattice-schema check --help'],
    ['a bad version', ['diff', '--subgraph', 'identity', '3', 'latest'], 'TO must be a whole number, 1 or more (got "latest"); see lattice-schema diff --help'],
    ['a missing version', ['diff', '--subgraph', 'identity', '3'], 'diff takes FROM and TO (got "3"); see lattice-schema diff --help'],
    ['an extra argument', ['list', 'everything'], 'list takes no arguments (got "everything"); see lattice-schema list --help'],
    ['a subgraph URL that is not one', ['publish', '--subgraph', 'identity', '--schema', 'identity.graphql', '--url', 'identity:4001'], '--url must be the http(s) URL the subgraph is served at (got "identity:4001"); see lattice-schema publish --help'],
  ])('exits 2 for %s without sending a request', async (_title, args, message) => {
    const registry = await startRegistry({});
    const { code, stdout, stderr } = await run(args, { registry: registry.url });

    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `lattice-schema: ${message}\n` });
    expect(registry.requests).toHaveLength(0);
  });

  it('reports a missing flag before a missing registry setting', async () => {
    const { code, stderr } = await run(['check', '--schema', 'identity.graphql']);

    expect(code).toBe(2);
    expect(stderr).toBe('lattice-schema: check needs --subgraph NAME; see lattice-schema check --help\n');
  });

  it('exits 2 when no registry is configured', async () => {
    const { code, stderr } = await run(['list']);

    expect(code).toBe(2);
    expect(stderr).toBe('lattice-schema: no registry given: set LATTICE_REGISTRY_URL or pass --registry URL (an origin such as http://localhost:4000)\n');
  });

  it('prints the help of a command on stdout and exits 0', async () => {
    const { code, stdout, stderr } = await run(['publish', '--help']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^usage: lattice-schema publish --subgraph NAME --schema FILE --url URL \[--author NAME\] \[--commit SHA\] \[--new\]\n/);
    expect(stdout).toContain('--json');
  });

  it('lists the commands with --help', async () => {
    const { code, stdout } = await run(['--help']);

    expect(code).toBe(0);
    for (const command of ['check', 'publish', 'list', 'diff', 'fetch-supergraph']) expect(stdout).toContain(`\n  ${command} `);
  });
});
