import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { CONTEXT_HEADER, signContext } from '../context/signed-context';
import { ANONYMOUS } from '../context/request-context';
import { loggerOver } from '../logging/logger';
import { createSubgraphGraphqlRoute, type SubgraphContextBase } from './subgraph-server';

const SECRET = randomBytes(32).toString('base64url');
const logger = loggerOver({ write: () => undefined });

interface Running {
  url: string;
  close(): Promise<void>;
}

/** A subgraph server on a loopback port, with or without introspection. */
async function startSubgraph(introspection: boolean): Promise<Running> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type Tenant @key(fields: "id") { id: ID! name: String! }
      type Query { tenants: [Tenant!]! }
    `),
    resolvers: { Query: { tenants: () => [{ id: '01964d9e-7a1c-7b2e-8f00-2a1b3c4d5e6f', name: 'Acme' }] } },
  });
  const { route, stop } = await createSubgraphGraphqlRoute<SubgraphContextBase>({
    name: 'test',
    schema,
    contextSecret: SECRET,
    logger,
    introspection,
    createContext: (request, requestLogger) => ({ request, logger: requestLogger }),
  });
  const server: Server = createServer((req, res) => {
    void route(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stop();
    },
  };
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function ask(url: string, query: string): Promise<Answer> {
  const context = signContext({ principal: ANONYMOUS, requestId: 'req-1', ipAddress: null, userAgent: null }, SECRET);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context }, body: JSON.stringify({ query }) });
  return (await response.json()) as Answer;
}

describe.each([
  { introspection: false, label: 'with introspection off (production)' },
  { introspection: true, label: 'with introspection on' },
])('a subgraph server $label', ({ introspection }) => {
  let subgraph: Running;
  beforeAll(async () => {
    subgraph = await startSubgraph(introspection);
  });
  afterAll(async () => {
    await subgraph?.close();
  });

  it(introspection ? 'describes its schema to `__schema`' : 'refuses `__schema` with BAD_USER_INPUT', async () => {
    const answer = await ask(subgraph.url, '{ __schema { types { name } } }');
    if (introspection) {
      expect(answer.errors).toBeUndefined();
      expect(JSON.stringify(answer.data)).toContain('"Tenant"');
    } else {
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toMatch(/introspection/i);
    }
  });

  it(introspection ? 'suggests the field a misspelt one was meant to be' : 'names no other field when one is misspelt', async () => {
    const answer = await ask(subgraph.url, '{ tenantz { id } }');
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    if (introspection) expect(answer.errors?.[0]?.message).toMatch(/Did you mean "tenants"\?/);
    else expect(answer.errors?.[0]?.message).not.toMatch(/Did you mean|tenants/);
  });

  it('still gives the gateway its SDL through `_service { sdl }`, an ordinary field', async () => {
    const answer = await ask(subgraph.url, '{ _service { sdl } }');
    expect(answer.errors).toBeUndefined();
    expect(JSON.stringify(answer.data)).toContain('type Tenant');
  });

  it('still answers ordinary queries', async () => {
    expect(await ask(subgraph.url, '{ tenants { name } }')).toEqual({ data: { tenants: [{ name: 'Acme' }] } });
  });
});

describe('a subgraph server behind CSRF prevention', () => {
  it('refuses a simple cross-site GET that could not have come from the gateway', async () => {
    const subgraph = await startSubgraph(false);
    try {
      const context = signContext({ principal: ANONYMOUS, requestId: 'req-1', ipAddress: null, userAgent: null }, SECRET);
      const response = await fetch(`${subgraph.url}?query=${encodeURIComponent('{ tenants { name } }')}`, { headers: { [CONTEXT_HEADER]: context } });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/CSRF/);
    } finally {
      await subgraph.close();
    }
  });
});
