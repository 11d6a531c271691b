import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, graphql } from '../support/graphql-client';
import { distributedAvailable } from '../support/modes';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startDistributedPlatform, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { ROOT } from '../support/processes';
import { lattice, reportOperationsAsGateway } from '../support/schema-cli';
import { createTenantWithAdmin, signInAsAdmin, unique } from '../support/scenario';

const IDENTITY = readFileSync(join(ROOT, 'schema', 'subgraphs', 'identity.graphql'), 'utf8');
/** identity without `User.displayName` (the output field only; the input fields keep theirs). */
const WITHOUT_DISPLAY_NAME = IDENTITY.replace(/(type User\n\s+@key\(fields: "id"\)\n\{[\s\S]*?)\n\s+displayName: String!/, '$1');
/** identity with a nullable field added to User. */
const WITH_NICKNAME = IDENTITY.replace(/(type User\n\s+@key\(fields: "id"\)\n\{)/, '$1\n  """What the user likes to be called; optional."""\n  nickname: String');
const DASHBOARD = 'query Dashboard { me { displayName } }';
const today = new Date();
const daysAgo = (n: number) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);

/**
 * The schema registry through its CLI (`lattice-schema`, the compiled bin) against the embedded platform, whose
 * registry the gateway serves at its own origin: checks against the operations clients really ran, publishes
 * picked up by the running gateway under load, refusals, and who may do what.
 */
describe('schema registry (embedded)', () => {
  let platform: RunningPlatform;
  let admin: string;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** The CLI with the platform admin's token, another token, or (null) none. */
  const cli = (args: string[], token: string | null = admin) => lattice(args, { registry: platform.baseUrl, ...(token ? { token } : {}) });
  const readyId = async () => ((await (await fetch(`${platform.baseUrl}/health/ready`)).json()) as { supergraph: { id: string } }).supergraph.id;

  beforeAll(async () => {
    // Operation reports go out every 200 ms here, so a check sees a query moments after it ran.
    platform = await startEmbeddedPlatform({ env: { LATTICE_OPERATION_FLUSH_MS: '200', LATTICE_REGISTRY_POLL_MS: '500' } });
    admin = await signInAsAdmin(platform.graphqlUrl);
    dir = mkdtempSync(join(tmpdir(), 'lattice-registry-'));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the subgraphs the running code published at start, and the supergraph the gateway serves', async () => {
    const listed = await cli(['list', '--json']);
    expect(listed.code).toBe(0);
    const body = JSON.parse(listed.stdout) as { subgraphs: { name: string; version: number }[]; supergraph: { id: string } };
    expect(body.subgraphs.map((s) => [s.name, s.version])).toEqual([['audit', 1], ['identity', 1], ['tenancy', 1]]);
    expect(body.supergraph.id).toBe(await readyId());
    const human = await cli(['list']);
    expect(human.stdout).toMatch(/identity\s+1\s+http:\/\/identity:4001\/graphql/);
  }, 60_000);

  it('fails a breaking change only while an operation within the window uses it, naming the operation and its client', async () => {
    const schema = file('identity-without-display-name.graphql', WITHOUT_DISPLAY_NAME);
    // Nothing has selected User.displayName yet: the removal is breaking, but no client would notice.
    const unused = await cli(['check', '--subgraph', 'identity', '--schema', schema]);
    expect(unused.code).toBe(0);
    expect(unused.stdout).toMatch(/BREAKING\s+User\.displayName/);

    // A client ran Dashboard ten days ago: outside the default 7-day window, inside a 30-day one.
    await reportOperationsAsGateway(platform.registry, platform.contextSecret, [
      {
        signatureHash: 'a'.repeat(64),
        signature: 'query Dashboard{me{displayName}}',
        operationName: 'Dashboard',
        coordinates: ['Query.me', 'User.displayName'],
        clientName: 'legacy-app',
        clientVersion: '0.9.0',
        day: daysAgo(10),
        count: 12,
      },
    ]);
    expect((await cli(['check', '--subgraph', 'identity', '--schema', schema])).code).toBe(0);
    const wide = await cli(['check', '--subgraph', 'identity', '--schema', schema, '--window-days', '30']);
    expect(wide.code).toBe(1);
    expect(wide.stdout).toMatch(/used by Dashboard \(client legacy-app 0\.9\.0, 12 requests, last seen \d{4}-\d{2}-\d{2}\)/);

    // Today, through the gateway, with the client's name and version headers.
    const ran = await fetch(platform.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'apollographql-client-name': 'web', 'apollographql-client-version': '1.2.0' },
      body: JSON.stringify({ query: DASHBOARD }),
    });
    expect(ran.status).toBe(200);
    let failed = await cli(['check', '--subgraph', 'identity', '--schema', schema, '--json']);
    for (let i = 0; i < 20 && failed.code === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      failed = await cli(['check', '--subgraph', 'identity', '--schema', schema, '--json']);
    }
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout) as { passed: boolean; operations: { affected: { operationName: string; clientName: string; clientVersion: string }[] } };
    expect(report.passed).toBe(false);
    expect(report.operations.affected).toEqual(expect.arrayContaining([expect.objectContaining({ operationName: 'Dashboard', clientName: 'web', clientVersion: '1.2.0' })]));
    const human = await cli(['check', '--subgraph', 'identity', '--schema', schema]);
    expect(human.stdout).toMatch(/used by Dashboard \(client web 1\.2\.0/);
  }, 60_000);

  it('passes adding a nullable field, and fails a schema that does not compose or does not parse without sending it', async () => {
    const added = await cli(['check', '--subgraph', 'identity', '--schema', file('nickname.graphql', WITH_NICKNAME)]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/SAFE\s+User\.nickname/);
    const broken = await cli(['check', '--subgraph', 'identity', '--schema', file('broken.graphql', WITH_NICKNAME.replace('nickname: String', 'nickname: Nickname'))]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/composition: FAILED/);
    expect(broken.stdout).toMatch(/Nickname/);
    const unparsable = await cli(['check', '--subgraph', 'identity', '--schema', file('unparsable.graphql', 'type User {')]);
    expect(unparsable.code).toBe(1);
    expect(unparsable.stderr).toMatch(/unparsable\.graphql:1:\d+/);
  }, 60_000);

  it('refuses a publish that does not compose and changes nothing', async () => {
    const before = await readyId();
    const refused = await cli(['publish', '--subgraph', 'identity', '--schema', file('broken-publish.graphql', WITH_NICKNAME.replace('nickname: String', 'nickname: Nickname')), '--url', 'http://identity:4001/graphql']);
    expect(refused.code).toBe(1);
    const listed = JSON.parse((await cli(['list', '--json'])).stdout) as { subgraphs: { name: string; version: number }[]; supergraph: { id: string } };
    expect(listed.subgraphs.find((s) => s.name === 'identity')?.version).toBe(1);
    expect(listed.supergraph.id).toBe(before);
  }, 60_000);

  it('publishes a version the running gateway serves within 5 s, with no failed request under load, and audits it', async () => {
    const before = await readyId();
    let stop = false;
    let requests = 0;
    const failures: string[] = [];
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const response = await graphql<{ me: { email: string } }>(platform.graphqlUrl, '{ me { id email } }', {}, bearer(admin));
        requests += 1;
        if (response.status !== 200 || response.errors || !response.data?.me.email) failures.push(JSON.stringify(response).slice(0, 200));
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const publishedAt = Date.now();
    const published = await cli(['publish', '--subgraph', 'identity', '--schema', file('publish.graphql', WITH_NICKNAME), '--url', 'http://identity:4001/graphql', '--commit', 'abc1234', '--json']);
    expect(published.code).toBe(0);
    const outcome = JSON.parse(published.stdout) as { published: boolean; version: number; supergraphId: string };
    expect(outcome).toMatchObject({ published: true, version: 2 });
    let id = before;
    while (id !== outcome.supergraphId && Date.now() - publishedAt < 5_000) {
      await new Promise((r) => setTimeout(r, 50));
      id = await readyId();
    }
    const servedAfterMs = Date.now() - publishedAt;
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(load);
    expect(id).toBe(outcome.supergraphId);
    expect(failures).toEqual([]);
    console.info(`[embedded] publish → served in ${servedAfterMs} ms (after the CLI returned); ${requests} requests under load across it, ${failures.length} failed`);
    // The new field is in the public schema now (the running identity does not implement it: that is its team's deploy).
    const user = await graphql<{ __type: { fields: { name: string }[] } }>(platform.graphqlUrl, '{ __type(name: "User") { fields { name } } }', {});
    expect(user.data?.__type.fields.map((f) => f.name)).toContain('nickname');

    // Publishing the same schema again (a deploy that changed nothing here) is a no-op: still version 2.
    const again = await cli(['publish', '--subgraph', 'identity', '--schema', join(dir, 'publish.graphql'), '--url', 'http://identity:4001/graphql', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ published: true, version: 2, supergraphId: outcome.supergraphId });

    const diff = await cli(['diff', '--subgraph', 'identity', '1', '2']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/SAFE\s+User\.nickname/);
    const out = join(dir, 'fetched.graphql');
    expect((await cli(['fetch-supergraph', '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('nickname: String');

    // Every publish is an audited event, in the platform's chain.
    let audited: { type: string; data?: unknown }[] = [];
    for (let i = 0; i < 40 && audited.length === 0; i++) {
      const events = await graphql<{ auditEvents: { edges: { node: { type: string; aggregateId: string } }[] } }>(
        platform.graphqlUrl,
        'query($f: AuditEventFilter) { auditEvents(first: 10, filter: $f) { edges { node { type aggregateId } } } }',
        { f: { types: ['schema.subgraph.published'], aggregateId: 'identity' } },
        bearer(admin),
      );
      audited = events.data?.auditEvents.edges.map((e) => e.node) ?? [];
      if (audited.length < 2) await new Promise((r) => setTimeout(r, 250));
    }
    // Version 1 (published by the platform at start) and version 2.
    expect(audited.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('lets one of two concurrent publishes of a subgraph win and refuses the other with the version it lost to', async () => {
    // Two CI jobs' publishes arriving together (two CLI processes would rarely overlap: each takes a while to start).
    const publish = (n: number) =>
      graphql<{ publishSubgraph: { published: boolean; version: number } }>(
        `${platform.baseUrl}/registry/graphql`,
        'mutation($i: PublishSubgraphInput!) { publishSubgraph(input: $i) { published version } }',
        { i: { subgraph: 'identity', sdl: WITH_NICKNAME.replace('nickname: String', `nickname: String\n  race${n}: String`), url: 'http://identity:4001/graphql', author: 'e2e' } },
        bearer(admin),
      );
    const answers = await Promise.all([publish(1), publish(2)]);
    const won = answers.filter((a) => a.data?.publishSubgraph.published);
    const lost = answers.filter((a) => a.errors);
    expect(won).toHaveLength(1);
    expect(won[0]!.data!.publishSubgraph.version).toBe(3);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.errors![0]).toMatchObject({ extensions: { code: 'CONFLICT', currentVersion: 3 }, message: expect.stringMatching(/another publish of identity won/) });
    const listed = JSON.parse((await cli(['list', '--json'])).stdout) as { subgraphs: { name: string; version: number }[] };
    expect(listed.subgraphs.find((s) => s.name === 'identity')?.version).toBe(3);
  }, 60_000);

  it('needs a credential holding the right permission: none, a tenant admin and a check-only API key are refused what they may not do', async () => {
    const schema = file('nickname-again.graphql', WITH_NICKNAME);
    // The endpoint itself: a POST of JSON, or a coded refusal.
    const endpoint = `${platform.baseUrl}/registry/graphql`;
    const get = await fetch(endpoint, { headers: { authorization: `Bearer ${admin}` } });
    expect([get.status, ((await get.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code]).toEqual([400, 'BAD_USER_INPUT']);
    const text = await fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' }, body: '{ registrySubgraphs { name } }' });
    expect(text.status).toBe(400);
    const badToken = await fetch(endpoint, { method: 'POST', headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ registrySubgraphs { name } }' }) });
    expect([badToken.status, ((await badToken.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code]).toEqual([401, 'UNAUTHENTICATED']);

    const anonymous = await cli(['list'], null);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/^lattice-schema: .*(authentication|credential|token)/im);
    const tenant = await createTenantWithAdmin(platform.graphqlUrl, admin);
    const asTenant = await cli(['list'], tenant.admin.token);
    expect(asTenant.code).toBe(2);
    expect(asTenant.stderr).toMatch(/schema:read/);

    const key = await graphql<{ createApiKey: { secret: string } }>(
      platform.graphqlUrl,
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }',
      { i: { name: unique('ci'), permissions: ['schema:check'] } },
      bearer(admin),
    );
    expect(key.errors).toBeUndefined();
    const ci = key.data!.createApiKey.secret;
    expect((await cli(['check', '--subgraph', 'identity', '--schema', schema], ci)).code).toBe(0);
    const publish = await cli(['publish', '--subgraph', 'identity', '--schema', schema, '--url', 'http://identity:4001/graphql'], ci);
    expect(publish.code).toBe(2);
    expect(publish.stderr).toMatch(/schema:publish/);
    const unknown = await cli(['check', '--subgraph', 'billing', '--schema', schema], ci);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subgraph "billing".*audit, identity, tenancy/);

    // A platform key reaches no tenant's data: only the registry's permissions, and revoking it ends it.
    const wide = await graphql(platform.graphqlUrl, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }', { i: { name: unique('ci'), permissions: ['schema:check', 'users:read'] } }, bearer(admin));
    expect(wide.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/only schema:read, schema:check, schema:publish/) });
    const keys = await graphql<{ apiKeys: { edges: { node: { id: string; permissions: string[]; tenant: null } }[] } }>(platform.graphqlUrl, '{ apiKeys(first: 10) { edges { node { id permissions tenant { id } } } } }', {}, bearer(admin));
    expect(keys.errors).toBeUndefined();
    const ciKey = keys.data!.apiKeys.edges.map((e) => e.node).find((k) => k.permissions.join() === 'schema:check')!;
    expect(ciKey.tenant).toBeNull();
    const revoked = await graphql(platform.graphqlUrl, 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { id } }', { i: { id: ciKey.id } }, bearer(admin));
    expect(revoked.errors).toBeUndefined();
    let after = await cli(['check', '--subgraph', 'identity', '--schema', schema], ci);
    for (let i = 0; i < 20 && after.code === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await cli(['check', '--subgraph', 'identity', '--schema', schema], ci);
    }
    expect(after.code).toBe(2);
  }, 60_000);
});

/**
 * Distributed: the registry its own process (`npm run start:registry`), two gateways serving its supergraph. A
 * publish reaches both; with the registry stopped they keep serving, say so, and one restarted meanwhile starts from
 * its copy on disk.
 */
(distributedAvailable() ? describe : describe.skip)('schema registry (distributed, two gateways)', () => {
  let platform: RunningPlatform;
  let admin: string;
  let dir: string;
  const readiness = async (baseUrl: string) =>
    (await (await fetch(`${baseUrl}/health/ready`)).json()) as { status: string; supergraph: { id: string; source?: { registry: string; servingCachedCopy: boolean } } };
  const gateways = () => [platform.baseUrl, new URL(platform.extraGateways![0]!).origin];

  beforeAll(async () => {
    platform = await startDistributedPlatform({ extraGateways: 1, env: { LATTICE_REGISTRY_POLL_MS: '300' } });
    admin = await signInAsAdmin(platform.graphqlUrl);
    dir = mkdtempSync(join(tmpdir(), 'lattice-registry-'));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes through one gateway and both serve the new supergraph within 5 s', async () => {
    const schema = join(dir, 'nickname.graphql');
    writeFileSync(schema, WITH_NICKNAME);
    const published = await lattice(['publish', '--subgraph', 'identity', '--schema', schema, '--url', 'http://identity:4001/graphql', '--json'], { registry: platform.baseUrl, token: admin });
    expect(published.code).toBe(0);
    const { supergraphId } = JSON.parse(published.stdout) as { supergraphId: string };
    const at = Date.now();
    const served = await Promise.all(
      gateways().map(async (gateway) => {
        while (Date.now() - at < 5_000) {
          if ((await readiness(gateway)).supergraph.id === supergraphId) return Date.now() - at;
          await new Promise((r) => setTimeout(r, 50));
        }
        return null;
      }),
    );
    expect(served.every((ms) => ms !== null)).toBe(true);
    console.info(`[distributed] publish → served by both gateways after ${served.join(' and ')} ms`);
  }, 60_000);

  it('keeps serving with the registry stopped, says so, and a gateway restarted meanwhile starts from its copy', async () => {
    const before = (await readiness(platform.baseUrl)).supergraph.id;
    // The registry is down for 12 s while the checks below run.
    const registryBack = platform.restartService!('registry', { downForMs: 12_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    const answers = await Promise.all(Array.from({ length: 20 }, () => graphql<{ me: { email: string } }>(platform.graphqlUrl, '{ me { email } }', {}, bearer(admin))));
    expect(answers.filter((a) => a.status !== 200 || a.errors)).toEqual([]);
    const ready = await readiness(platform.baseUrl);
    expect(ready.status).toBe('ready');
    expect(ready.supergraph).toMatchObject({ id: before, source: { registry: 'unreachable' } });
    const cli = await lattice(['list'], { registry: platform.baseUrl, token: admin });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/not reachable|unreachable/i);

    const restarted = await platform.restartService!('gateway');
    await restarted.waitForLog('starting on the copy of the last supergraph loaded from the schema registry');
    const afterRestart = await readiness(platform.baseUrl);
    expect(afterRestart.supergraph).toMatchObject({ id: before, source: { registry: 'unreachable', servingCachedCopy: true } });
    expect((await graphql<{ me: { email: string } }>(platform.graphqlUrl, '{ me { email } }', {}, bearer(admin))).errors).toBeUndefined();

    await registryBack;
    const deadline = Date.now() + 10_000;
    let source = (await readiness(platform.baseUrl)).supergraph.source;
    while (source?.registry !== 'reachable' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      source = (await readiness(platform.baseUrl)).supergraph.source;
    }
    expect(source?.registry).toBe('reachable');
  }, 90_000);
});

/**
 * The safelist: a client registers its persisted operations (an Apollo manifest) through the CLI, each checked
 * against the current supergraph; restarted with LATTICE_SAFELIST=enforce, the gateway runs only those, by id or
 * by their exact text.
 */
describe('safelist (embedded, LATTICE_SAFELIST=enforce)', () => {
  let platform: RunningPlatform;
  let dir: string;
  const SIGN_IN = 'mutation SignIn($i: SignInInput!) { signIn(input: $i) { accessToken } }';
  const ME = 'query Me { me { email } }';
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const manifest = (bodies: [string, string, string][]) =>
    JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: bodies.map(([name, type, body]) => ({ id: sha(body), name, type, body })) });
  const post = async (body: Record<string, unknown>, token?: string) => {
    const response = await fetch(platform.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] } };
  };

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ env: { LATTICE_REGISTRY_POLL_MS: '300' } });
    dir = mkdtempSync(join(tmpdir(), 'lattice-safelist-'));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers only a manifest whose every operation validates, then runs nothing else once enforcing', async () => {
    const admin = await signInAsAdmin(platform.graphqlUrl);
    const registry = (args: string[]) => lattice(args, { registry: platform.baseUrl, token: admin });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, manifest([['Me', 'query', ME], ['Ghost', 'query', 'query Ghost { me { ghost } }']]));
    const refused = await registry(['register-operations', '--client', 'web', '--manifest', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/operation 1 \(Ghost\): does not validate.*ghost/);
    const good = join(dir, 'web.json');
    writeFileSync(good, manifest([['SignIn', 'mutation', SIGN_IN], ['Me', 'query', ME]]));
    const registered = await registry(['register-operations', '--client', 'web', '--manifest', good]);
    expect(registered.code).toBe(0);
    // Ghost was refused with the manifest it came in: Me is new here, not "already known".
    expect(registered.stdout).toMatch(/registered 2 operation\(s\) of web; 0 already known/);

    platform = await platform.restart({ LATTICE_SAFELIST: 'enforce' });
    const signIn = await post({ variables: { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }, extensions: { persistedQuery: { version: 1, sha256Hash: sha(SIGN_IN) } } });
    expect(signIn.body.errors).toBeUndefined();
    const token = (signIn.body.data!.signIn as { accessToken: string }).accessToken;
    expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(ME) } } }, token)).body.data).toEqual({ me: { email: ADMIN_EMAIL } });
    expect((await post({ query: ME }, token)).body.data).toEqual({ me: { email: ADMIN_EMAIL } });

    const unregistered = await post({ query: '{ me { email displayName } }' }, token);
    expect(unregistered.status).toBe(403);
    expect(unregistered.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }, token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // The registry's own API is not behind the safelist: CI keeps working.
    expect((await lattice(['list'], { registry: platform.baseUrl, token })).code).toBe(0);
  }, 120_000);
});
