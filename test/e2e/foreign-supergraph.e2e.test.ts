import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { cleanEnv, type ServiceProcess } from '../support/processes';
import { startLatticeGateway } from '../foreign/gateway-process';
import { startForeignFederation, type ForeignFederation } from '../foreign/foreign-supergraph';
import { ISSUER_ALGORITHMS, startJwksIssuer, type JwksIssuer } from '../foreign/jwks-issuer';
import { withFieldAdded } from '../foreign/supergraph-text';

/**
 * `npm run start:gateway -- --supergraph FILE` in front of subgraphs that are not Lattice's (products and reviews,
 * plain @apollo/subgraph, composed with @apollo/composition), verifying a third party's JWTs through its JWKS, with
 * nothing else configured: no context secret, no Redis, no identity.
 */
describe('Lattice gateway in front of foreign subgraphs', () => {
  let federation: ForeignFederation;
  let issuer: JwksIssuer;
  let gateway: ServiceProcess;
  let graphqlUrl: string;
  let baseUrl: string;
  let readyLog: Record<string, unknown>;

  const query = <T = Record<string, unknown>>(text: string, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(graphqlUrl, text, {}, headers);
  const subgraphRequests = () => Object.values(federation.subgraphs).reduce((sum, s) => sum + s.requestCount(), 0);

  beforeAll(async () => {
    federation = await startForeignFederation();
    issuer = await startJwksIssuer();
    gateway = startLatticeGateway(
      federation.supergraphPath,
      cleanEnv({ PORT: '0', HOST: '127.0.0.1', LATTICE_JWKS_URL: issuer.jwksUrl, LATTICE_JWT_ISSUER: issuer.issuer, LATTICE_JWT_AUDIENCE: issuer.audience }),
    );
    readyLog = await gateway.waitForLog('Lattice gateway ready');
    graphqlUrl = String(readyLog.url);
    baseUrl = new URL(graphqlUrl).origin;
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await issuer?.stop();
    await federation?.stop();
  });

  it('answers an anonymous query of open fields, resolving Product across both subgraphs', async () => {
    const before = federation.subgraphs.reviews!.requestCount();
    const response = await query<{ products: { id: string; name: string; reviews: { rating: number; body: string }[]; averageRating: number | null }[] }>(
      '{ products { id name reviews { rating body } averageRating } }',
    );
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.products).toEqual([
      { id: 'p1', name: 'Oak chair', reviews: [{ rating: 5, body: 'Sturdy and comfortable.' }, { rating: 3, body: 'Wobbles a little.' }], averageRating: 4 },
      { id: 'p2', name: 'Desk lamp', reviews: [{ rating: 4, body: 'Bright enough to read by.' }], averageRating: 4 },
      { id: 'p3', name: 'Standing desk', reviews: [], averageRating: null },
    ]);
    // The reviews really came from the reviews subgraph, through an _entities fetch.
    expect(federation.subgraphs.reviews!.requestCount()).toBeGreaterThan(before);
  });

  it('answers an anonymous query that starts in reviews and resolves Product in products', async () => {
    const response = await query<{ latestReviews: { id: string; product: { name: string } }[] }>('{ latestReviews(first: 1) { id product { name } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ latestReviews: [{ id: 'r3', product: { name: 'Desk lamp' } }] });
  });

  it('refuses an anonymous selection of an @authenticated field with UNAUTHENTICATED, errors only, before any subgraph call', async () => {
    const before = subgraphRequests();
    const response = await query('{ products { id name supplierEmail } }');
    expect(response.status).toBe(200);
    expect(response).not.toHaveProperty('data');
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors![0]!.path).toEqual(['products', 'supplierEmail']);
    expect(subgraphRequests()).toBe(before);
  });

  it('refuses an anonymous selection of a @requiresScopes field with UNAUTHENTICATED', async () => {
    const response = await query('{ latestReviews { id authorEmail } }');
    expect(response).not.toHaveProperty('data');
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
  });

  it.each(ISSUER_ALGORITHMS)('answers the @authenticated field to a caller whose %s token verifies against the JWKS', async (algorithm) => {
    const token = await issuer.sign({ algorithm });
    const response = await query<{ product: { supplierEmail: string } }>('{ product(id: "p1") { supplierEmail } }', bearer(token));
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ product: { supplierEmail: 'chairs@supplier.example' } });
  });

  it('refuses the @requiresScopes field with FORBIDDEN to a signed-in caller without the reviews:read scope, naming it', async () => {
    const before = subgraphRequests();
    const token = await issuer.sign({ scope: 'products:read reviews:write' });
    const response = await query('{ products { id reviews { authorEmail } } }', bearer(token));
    expect(response.status).toBe(200);
    expect(response).not.toHaveProperty('data');
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(response.errors![0]!.message).toContain('reviews:read');
    expect(subgraphRequests()).toBe(before);
  });

  it('answers the @requiresScopes field to a caller with reviews:read in a space-separated scope claim', async () => {
    const token = await issuer.sign({ scope: 'openid reviews:read' });
    const response = await query<{ product: { reviews: { authorEmail: string }[] } }>('{ product(id: "p1") { reviews { authorEmail } } }', bearer(token));
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ product: { reviews: [{ authorEmail: 'ann@customer.example' }, { authorEmail: 'bob@customer.example' }] } });
  });

  it('answers the @requiresScopes field to a caller with reviews:read in an scp array', async () => {
    const token = await issuer.sign({ scp: ['reviews:read'], algorithm: 'ES256' });
    const response = await query<{ latestReviews: { authorEmail: string }[] }>('{ latestReviews(first: 1) { authorEmail } }', bearer(token));
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ latestReviews: [{ authorEmail: 'cy@customer.example' }] });
  });

  it('forwards nothing the client sends to the subgraphs: not its Authorization header, not its own headers', async () => {
    const token = await issuer.sign({ scope: 'reviews:read' });
    const products = federation.subgraphs.products!;
    const before = products.received.length;
    const response = await query('{ product(id: "p2") { name supplierEmail } }', { ...bearer(token), 'x-client-secret': 'do-not-forward' });
    expect(response.errors).toBeUndefined();
    const arrived = products.received.slice(before);
    expect(arrived.length).toBeGreaterThan(0);
    for (const request of arrived) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers['x-client-secret']).toBeUndefined();
    }
  });

  it.each([
    ['a string that is not a JWT', () => Promise.resolve('not-a-jwt')],
    ['a token signed with a key the JWKS does not publish', () => issuer.signWithUnpublishedKey()],
    ['an expired token', () => issuer.sign({ expiresIn: -60 })],
    ['a token from another issuer', () => issuer.sign({ issuer: 'https://someone-else.example/' })],
    ['a token for another audience', () => issuer.sign({ audience: 'https://another-api.example' })],
  ])('answers HTTP 401 UNAUTHENTICATED to %s, even for open fields', async (_what, makeToken) => {
    const before = subgraphRequests();
    const response = await query('{ products { id } }', bearer(await makeToken()));
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(subgraphRequests()).toBe(before);
  });

  it('answers GET /health with 200, and /health/ready with the served supergraph id', async () => {
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/health/ready`);
    const body = (await ready.json()) as { status: string; supergraph: { id: string; loadedAt: string } };
    expect(ready.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.supergraph.id).toBe(createHash('sha256').update(federation.supergraphSdl).digest('hex').slice(0, 12));
    expect(new Date(body.supergraph.loadedAt).toISOString()).toBe(body.supergraph.loadedAt);
  });

  it("names the features that are on in its ready log, and none of Lattice's own", () => {
    const features = readyLog.features as string[];
    expect(features).toEqual(expect.arrayContaining(['request-id', 'health', 'authentication', 'field-authorization']));
    for (const latticeOnly of ['api-keys', 'access-tokens', 'tenant-status', 'revocations', 'signed-context', 'jwks']) expect(features).not.toContain(latticeOnly);
  });
});

describe('Lattice gateway refusing to start on a bad --supergraph', () => {
  let federation: ForeignFederation;

  beforeAll(async () => {
    federation = await startForeignFederation();
  });

  afterAll(async () => {
    await federation?.stop();
  });

  /** Starts the gateway on `path` and resolves with its exit code and everything it wrote, or fails if it serves. */
  const startOn = async (path: string) => {
    const gateway = startLatticeGateway(path, cleanEnv({ PORT: '0', HOST: '127.0.0.1' }));
    const outcome = await Promise.race([
      gateway.exited.then((code) => ({ code })),
      gateway.waitForLog('Lattice gateway ready', 30_000).then(() => 'served' as const),
    ]);
    if (outcome === 'served') {
      await gateway.stop();
      throw new Error(`the gateway started on ${path}; output:\n${gateway.output()}`);
    }
    return { code: outcome.code, output: gateway.output() };
  };

  it('exits non-zero naming the file when the --supergraph path does not exist', async () => {
    const missing = join(federation.dir, 'no-such-supergraph.graphql');
    const { code, output } = await startOn(missing);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(missing);
    expect(output).toMatch(/no such file|ENOENT|does not exist/i);
  });

  it('exits non-zero naming the file and the parse error when the file is not GraphQL', async () => {
    const garbage = join(federation.dir, 'garbage.graphql');
    writeFileSync(garbage, 'this is { not graphql at all\n');
    const { code, output } = await startOn(garbage);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(garbage);
    expect(output).toMatch(/Syntax Error/);
  });

  it('exits non-zero naming the file and why when valid SDL is not a supergraph (a subgraph schema)', async () => {
    const subgraphOnly = join(federation.dir, 'subgraph-only.graphql');
    writeFileSync(subgraphOnly, 'type Query { products: [Product!]! }\ntype Product { id: ID! name: String! }\n');
    const { code, output } = await startOn(subgraphOnly);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(subgraphOnly);
    expect(output).toMatch(/not a (composed )?supergraph|join__Graph/i);
  });

  it('exits non-zero naming the file and the planner error when a supergraph parses but does not load', async () => {
    // A field routed to a graph the join__Graph enum does not define: it parses, but no planner can load it.
    const broken = join(federation.dir, 'unloadable.graphql');
    writeFileSync(broken, withFieldAdded(federation.supergraphSdl, 'Query', 'ghost: String @join__field(graph: NOWHERE)'));
    const { code, output } = await startOn(broken);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(broken);
    expect(output).toMatch(/Query\.ghost/);
  });
});
