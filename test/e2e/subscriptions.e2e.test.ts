import { WebSocket } from 'ws';
import { bearer, graphql } from '../support/graphql-client';
import { distributedAvailable, platformModes } from '../support/modes';
import { startDistributedPlatform, startPlatform, type PlatformMode, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';
import { connectSubscriber, openSubscriptionSocket, type WsConnection } from '../support/subscription-client';

const USER_CHANGES = 'subscription { userChanged { type user { email tenant { name } } } }';
const RECORDED = `subscription($types: [String!]) {
  auditEventRecorded(filter: { types: $types }) { type aggregateId sequence hash actor { email tenant { name } } }
}`;

type UserChangeData = { userChanged: { type: string; user: { email: string; tenant: { name: string } } | null } };

describe.each(platformModes())('subscriptions over graphql-ws (%s)', (mode: PlatformMode) => {
  let platform: RunningPlatform;
  let url: string;
  let platformToken: string;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  const open: WsConnection[] = [];

  const subscriber = async (token: string) => {
    const connection = await connectSubscriber(url, token);
    open.push(connection);
    return connection;
  };
  const createUser = async (tenant: TenantWithAdmin, roles: string[] = ['member']) => {
    const email = `${unique('user')}@example.test`;
    const created = await graphql<{ createUser: { id: string } }>(url, CREATE_USER, { input: { tenantId: tenant.tenant.id, email, displayName: 'Someone', password: PASSWORD, roles } }, bearer(tenant.admin.token));
    if (!created.data) throw new Error(JSON.stringify(created.errors));
    return { id: created.data.createUser.id, email };
  };
  /** Waits for the subscription's `count`-th event; resolves with all of them. */
  const events = async <T>(connection: WsConnection, id: string, count: number, ms = 15_000) => {
    await connection.waitFor(() => connection.nexts(id).length >= count, ms);
    return connection.nexts(id) as { data: T; errors?: unknown[] }[];
  };
  /** Nothing more arrives for `id` within `ms`. */
  const quiet = async (connection: WsConnection, id: string, already: number, ms = 1_500) => {
    await new Promise((r) => setTimeout(r, ms));
    expect(connection.nexts(id)).toHaveLength(already);
  };

  beforeAll(async () => {
    // The slow-consumer test widens each event with 3,000 aliases, far past the default alias limit of 30; its paused
    // socket answers no ping, so the keep-alive (12 s) would drop it first (1006) on a loaded machine, not the 4429 it tests.
    platform = await startPlatform(mode, { env: { LATTICE_MAX_ALIASES: '5000', LATTICE_MAX_TOKENS: '20000', LATTICE_SUBSCRIPTION_KEEPALIVE_MS: '120000' } });
    url = platform.graphqlUrl;
    platformToken = await signInAsAdmin(url);
    [acme, globex] = await Promise.all([createTenantWithAdmin(url, platformToken), createTenantWithAdmin(url, platformToken)]);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await platform?.destroy();
  });

  it("delivers each tenant only its own users' changes while both tenants write at once, with fields from identity and tenancy", async () => {
    const [a, b] = await Promise.all([subscriber(acme.admin.token), subscriber(globex.admin.token)]);
    a.subscribe('1', USER_CHANGES);
    b.subscribe('1', USER_CHANGES);
    await new Promise((r) => setTimeout(r, 200)); // the subscriptions are registered
    const PER_TENANT = 10;
    const created = await Promise.all(Array.from({ length: PER_TENANT * 2 }, (_, i) => createUser(i % 2 === 0 ? acme : globex)));
    const [gotA, gotB] = await Promise.all([events<UserChangeData>(a, '1', PER_TENANT), events<UserChangeData>(b, '1', PER_TENANT)]);
    await quiet(a, '1', PER_TENANT, 500);
    const emails = (got: typeof gotA) => got.map((e) => e.data.userChanged.user?.email).sort();
    expect(emails(gotA)).toEqual(created.filter((_, i) => i % 2 === 0).map((u) => u.email).sort());
    expect(emails(gotB)).toEqual(created.filter((_, i) => i % 2 === 1).map((u) => u.email).sort());
    expect(new Set(gotA.map((e) => e.data.userChanged.user?.tenant.name))).toEqual(new Set([acme.tenant.name]));
    expect(new Set(gotB.map((e) => e.data.userChanged.user?.tenant.name))).toEqual(new Set([globex.tenant.name]));
    expect(gotA.every((e) => e.data.userChanged.type === 'identity.user.created' && e.errors === undefined)).toBe(true);
    console.info(`[${mode}] cross-tenant: acme received ${gotA.length}/${PER_TENANT} own and 0 of globex's; globex received ${gotB.length}/${PER_TENANT} own and 0 of acme's`);
  }, 60_000);

  it('delivers an audit record once it is written, with its sequence and hash and the actor from identity and tenancy', async () => {
    const socket = await subscriber(acme.admin.token);
    socket.subscribe('r', RECORDED, { types: ['identity.user.created'] });
    await new Promise((r) => setTimeout(r, 200));
    const user = await createUser(acme);
    type Recorded = { auditEventRecorded: { type: string; aggregateId: string; sequence: number; hash: string; actor: { email: string; tenant: { name: string } } } };
    const [first] = await events<Recorded>(socket, 'r', 1);
    expect(first!.data.auditEventRecorded).toMatchObject({ type: 'identity.user.created', aggregateId: user.id, actor: { email: acme.admin.email, tenant: { name: acme.tenant.name } } });
    expect(first!.data.auditEventRecorded.sequence).toBeGreaterThan(0);
    expect(first!.data.auditEventRecorded.hash).toMatch(/^[0-9a-f]{64}$/);
  }, 30_000);

  it('every subscription field, aimed at another tenant, delivers nothing of it, while the same subscriptions see their own tenant', async () => {
    const socket = await subscriber(acme.admin.token);
    const subscriptions: Record<string, [string, Record<string, unknown>?]> = {
      userById: ['subscription($id: ID) { userChanged(id: $id) { type user { id } } }', { id: globex.admin.id }],
      users: ['subscription { userChanged { type user { id email } } }'],
      tenantById: ['subscription($id: ID) { tenantChanged(id: $id) { type tenant { id } } }', { id: globex.tenant.id }],
      tenants: ['subscription { tenantChanged { type tenant { id name } } }'],
      organizations: ['subscription { organizationChanged { type organization { id name } } }'],
      departments: ['subscription { departmentChanged { type department { id name } } }'],
      configuration: ['subscription { configurationChanged { type key scopeId entry { value } } }'],
      audit: ['subscription { auditEventRecorded { type aggregateId tenant { id } } }'],
    };
    for (const [id, [query, variables]] of Object.entries(subscriptions)) socket.subscribe(id, query, variables);
    await new Promise((r) => setTimeout(r, 300));
    const changes = async (tenant: TenantWithAdmin) => {
      const as = <T>(query: string, variables: Record<string, unknown>) => graphql<T>(url, query, variables, bearer(tenant.admin.token));
      const user = await createUser(tenant);
      const org = await as<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('org') } });
      const dep = await as<{ createDepartment: { id: string } }>('mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }', { i: { organizationId: org.data!.createOrganization.id, name: unique('dep') } });
      await as('mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', { i: { scope: { level: 'TENANT', id: tenant.tenant.id }, key: unique('k'), value: 1 } });
      return [tenant.tenant.id, user.id, org.data!.createOrganization.id, dep.data!.createDepartment.id];
    };
    const theirs = await changes(globex);
    // A tenant created by the platform admin is no tenant admin's business either.
    const third = await createTenantWithAdmin(url, platformToken);
    const ours = await changes(acme);
    await socket.waitFor(() => ['users', 'organizations', 'departments', 'configuration', 'audit'].every((id) => socket.nexts(id).length > 0));
    await new Promise((r) => setTimeout(r, 1_000));
    const received = JSON.stringify(socket.messages);
    expect([...theirs, third.tenant.id].filter((id) => received.includes(id))).toEqual([]);
    expect(ours.filter((id) => !received.includes(id))).toEqual([]);
    const counts = Object.fromEntries(Object.keys(subscriptions).map((id) => [id, socket.nexts(id).length]));
    expect({ userById: counts.userById, tenantById: counts.tenantById, tenants: counts.tenants }).toEqual({ userById: 0, tenantById: 0, tenants: 0 });
    console.info(`[${mode}] every field aimed at another tenant: 0 of its events; own tenant's: ${JSON.stringify(counts)}`);
  }, 60_000);

  it("shows an organization admin the changes of their own organization's users only, even when no user field is selected", async () => {
    const as = <T>(query: string, variables: Record<string, unknown>) => graphql<T>(url, query, variables, bearer(acme.admin.token));
    const organization = async () =>
      (await as<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('org') } })).data!.createOrganization.id;
    const [ours, other] = [await organization(), await organization()];
    const person = async (organizationId: string, roles: string[] = ['member']) => {
      const email = `${unique('person')}@example.test`;
      const created = await as<{ createUser: { id: string } }>(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'P', password: PASSWORD, organizationId, roles } });
      if (!created.data) throw new Error(JSON.stringify(created.errors));
      return { id: created.data.createUser.id, email };
    };
    const orgAdmin = await person(ours, ['organization-admin']);
    const socket = await subscriber(await signIn(url, orgAdmin.email, PASSWORD, acme.tenant.slug));
    socket.subscribe('bare', 'subscription { userChanged { type occurredAt } }');
    socket.subscribe('user', 'subscription { userChanged { type user { id } } }');
    await new Promise((r) => setTimeout(r, 200));
    await person(other);
    const colleague = await person(ours);
    await events(socket, 'user', 1);
    await quiet(socket, 'bare', 1, 1_000);
    expect(socket.nexts('user').map((e) => (e.data as UserChangeData).userChanged.user)).toEqual([{ id: colleague.id }]);
  }, 30_000);

  it('delivers a configuration deletion, with the entry null where it is selected', async () => {
    const socket = await subscriber(acme.admin.token);
    const key = unique('k');
    socket.subscribe('entry', 'subscription($key: String) { configurationChanged(key: $key) { type entry { value } } }', { key });
    socket.subscribe('bare', 'subscription($key: String) { configurationChanged(key: $key) { type key } }', { key });
    await new Promise((r) => setTimeout(r, 200));
    const as = <T>(query: string, variables: Record<string, unknown>) => graphql<T>(url, query, variables, bearer(acme.admin.token));
    const scope = { level: 'TENANT', id: acme.tenant.id };
    await as('mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', { i: { scope, key, value: 7 } });
    // The entry is read as it is when the event is delivered: wait for the set's delivery before deleting.
    await events(socket, 'entry', 1);
    const deleted = await as('mutation($i: DeleteConfigurationInput!) { deleteConfiguration(input: $i) }', { i: { scope, key } });
    expect(deleted.errors).toBeUndefined();
    const [withEntry, bare] = await Promise.all([events(socket, 'entry', 2), events(socket, 'bare', 2)]);
    expect(withEntry.map((e) => e.data)).toEqual([
      { configurationChanged: { type: 'tenancy.configuration.set', entry: { value: 7 } } },
      { configurationChanged: { type: 'tenancy.configuration.deleted', entry: null } },
    ]);
    expect(bare.map((e) => e.data)).toEqual([
      { configurationChanged: { type: 'tenancy.configuration.set', key } },
      { configurationChanged: { type: 'tenancy.configuration.deleted', key } },
    ]);
  }, 30_000);

  describe('ends delivery the moment access ends', () => {
    it('closes an API key subscriber with 4401 once the key is revoked, and delivers nothing after', async () => {
      const key = await graphql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
        url,
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }',
        { input: { name: unique('key'), permissions: ['users:read'] } },
        bearer(acme.admin.token),
      );
      const socket = await subscriber(key.data!.createApiKey.secret);
      socket.subscribe('1', 'subscription { userChanged { type user { email } } }');
      await new Promise((r) => setTimeout(r, 200));
      await createUser(acme);
      await events(socket, '1', 1);
      await graphql(url, 'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { id } }', { input: { id: key.data!.createApiKey.apiKey.id } }, bearer(acme.admin.token));
      expect((await socket.closed).code).toBe(4401);
      await createUser(acme);
      await quiet(socket, '1', 1, 500);
      console.info(`[${mode}] revoke mid-stream: API key revoked → closed 4401, 1 event before, 0 after`);
    }, 30_000);

    it('closes a subscriber with 4401 when its session is signed out', async () => {
      const member = await createUser(acme);
      const token = await signIn(url, member.email, PASSWORD, acme.tenant.slug);
      const socket = await subscriber(token);
      socket.subscribe('1', 'subscription { userChanged { type } }');
      await new Promise((r) => setTimeout(r, 200));
      await graphql(url, 'mutation { signOut }', {}, bearer(token));
      expect((await socket.closed).code).toBe(4401);
      await createUser(acme);
      await quiet(socket, '1', 0, 500);
      console.info(`[${mode}] revoke mid-stream: signed out → closed 4401, 0 events after`);
    }, 30_000);

    it('closes a subscriber with 4401 when its user is suspended', async () => {
      const member = await createUser(acme);
      const socket = await subscriber(await signIn(url, member.email, PASSWORD, acme.tenant.slug));
      socket.subscribe('1', 'subscription { userChanged { type } }');
      await new Promise((r) => setTimeout(r, 200));
      await graphql(url, 'mutation($input: SuspendUserInput!) { suspendUser(input: $input) { id } }', { input: { id: member.id } }, bearer(acme.admin.token));
      const closed = await socket.closed;
      expect(closed.code).toBe(4401);
      // The suspension itself is a user change: it is not delivered to the suspended user.
      expect(socket.nexts('1')).toEqual([]);
      console.info(`[${mode}] revoke mid-stream: user suspended → closed 4401, 0 events after`);
    }, 30_000);

    it("closes a subscriber with 4401 when its roles are taken away, before the next event reaches it", async () => {
      const admin2 = await createUser(acme, ['tenant-admin']);
      const socket = await subscriber(await signIn(url, admin2.email, PASSWORD, acme.tenant.slug));
      socket.subscribe('r', RECORDED, { types: ['identity.user.created'] });
      await new Promise((r) => setTimeout(r, 200));
      await graphql(url, 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { id } }', { input: { id: admin2.id, roles: ['member'] } }, bearer(acme.admin.token));
      expect((await socket.closed).code).toBe(4401);
      await createUser(acme);
      await quiet(socket, 'r', 0, 500);
      console.info(`[${mode}] revoke mid-stream: role taken away → closed 4401, 0 events after`);
    }, 30_000);

    it("closes a suspended tenant's sockets with 4403 within a second of suspendTenant returning", async () => {
      const doomed = await createTenantWithAdmin(url, platformToken);
      const socket = await subscriber(doomed.admin.token);
      socket.subscribe('1', 'subscription { userChanged { type } }');
      await new Promise((r) => setTimeout(r, 200));
      await graphql(url, 'mutation($input: SuspendTenantInput!) { suspendTenant(input: $input) { id } }', { input: { id: doomed.tenant.id, reason: 'test' } }, bearer(platformToken));
      const returned = Date.now();
      const closed = await socket.closed;
      expect(closed.code).toBe(4403);
      expect(Date.now() - returned).toBeLessThan(1000);
    }, 30_000);
  });

  it('disconnects a subscriber that stops reading with 4429 and a reason, instead of buffering for it', async () => {
    const slow = await subscriber(acme.admin.token);
    // About 100 KB an event, so a paused reader fills the socket buffers within some dozens of events.
    const wide = Array.from({ length: 3000 }, (_, i) => `a${i}:type`).join(' ');
    slow.subscribe('1', `subscription { userChanged { ${wide} } }`);
    await new Promise((r) => setTimeout(r, 200));
    const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket; // ws keeps its net.Socket there
    tcp.pause();
    for (let i = 0; i < 200 && slow.socket.readyState === WebSocket.OPEN; i += 10) await Promise.all(Array.from({ length: 10 }, () => createUser(acme)));
    tcp.resume();
    const closed = await slow.closed;
    expect(closed).toEqual({ code: 4429, reason: expect.stringMatching(/too slow/) });
    console.info(`[${mode}] slow consumer: closed ${closed.code} "${closed.reason}" after ${slow.nexts('1').length} events reached it`);
  }, 90_000);

  describe('bad input', () => {
    it('answers a syntax error, an unknown field, two root fields and a query with a coded error, and the socket stays usable', async () => {
      const socket = await subscriber(acme.admin.token);
      const cases: [string, string, string][] = [
        ['a', 'subscription { userChanged { ', 'GRAPHQL_PARSE_FAILED'],
        ['b', 'subscription { userChanged { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
        ['c', 'subscription { userChanged { type } tenantChanged { type } }', 'GRAPHQL_VALIDATION_FAILED'],
        ['d', 'query { me { id } }', 'BAD_USER_INPUT'],
      ];
      for (const [id, query, code] of cases) {
        socket.subscribe(id, query);
        const error = await socket.waitFor((m) => m.type === 'error' && m.id === id);
        expect({ id, code: (error.payload as { extensions?: { code?: string } }[])[0]?.extensions?.code }).toEqual({ id, code });
      }
      socket.subscribe('ok', 'subscription { userChanged { type } }');
      await new Promise((r) => setTimeout(r, 200));
      await createUser(acme);
      await events(socket, 'ok', 1);
    }, 30_000);

    it('refuses a socket that does not offer graphql-transport-ws at the upgrade', async () => {
      const refused = await new Promise<number>((resolve) => {
        const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-ws');
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => resolve(101));
        socket.on('error', () => undefined);
      });
      expect(refused).toBe(400);
    });

    it('closes with 4400 on an oversized message, 4429 on a second connection_init, 4401 without a credential', async () => {
      const big = await subscriber(acme.admin.token);
      big.subscribe('1', `subscription { userChanged { type ${'__typename '.repeat(10_000)}} }`);
      expect((await big.closed).code).toBe(4400);
      const twice = await subscriber(acme.admin.token);
      twice.send({ type: 'connection_init', payload: { authorization: `Bearer ${acme.admin.token}` } });
      expect((await twice.closed).code).toBe(4429);
      const anonymous = await openSubscriptionSocket(url, {});
      open.push(anonymous);
      expect((await anonymous.closed).code).toBe(4401);
      const forged = await openSubscriptionSocket(url, { authorization: 'Bearer not-a-token' });
      open.push(forged);
      expect((await forged.closed).code).toBe(4401);
    });

    it('closes a connection over the per-user limit with 4429, and a closed one frees its place', async () => {
      const member = await createUser(acme);
      const token = await signIn(url, member.email, PASSWORD, acme.tenant.slug);
      const held = await Promise.all(Array.from({ length: 25 }, () => subscriber(token)));
      const over = await openSubscriptionSocket(url, { authorization: `Bearer ${token}` });
      open.push(over);
      expect(await over.closed).toEqual({ code: 4429, reason: 'at most 25 subscription connections per user' });
      await held[0]!.close();
      await new Promise((r) => setTimeout(r, 100));
      await subscriber(token); // the place it left
    });

    it('refuses a subscription sent over HTTP, pointing at the WebSocket', async () => {
      const response = await graphql(url, 'subscription { userChanged { type } }', {}, bearer(acme.admin.token));
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message).toMatch(/WebSocket/);
    });
  });
});

(distributedAvailable() ? describe : describe.skip)('subscriptions on two gateway replicas sharing Redis', () => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  const open: WsConnection[] = [];

  beforeAll(async () => {
    platform = await startDistributedPlatform({ extraGateways: 1 });
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await platform?.destroy();
  });

  it("delivers every event of the tenant to the subscribers of both replicas, once each and in order", async () => {
    const urls = [platform.graphqlUrl, platform.extraGateways![0]!];
    const sockets = await Promise.all(urls.flatMap((url) => [connectSubscriber(url, acme.admin.token), connectSubscriber(url, acme.admin.token)]));
    open.push(...sockets);
    sockets.forEach((s) => s.subscribe('1', 'subscription { userChanged { type user { email } } }'));
    await new Promise((r) => setTimeout(r, 300));
    const emails: string[] = [];
    // One after another, so the order of the changes is known.
    for (let i = 0; i < 8; i++) {
      const email = `${unique('replica')}@example.test`;
      const created = await graphql(platform.graphqlUrl, CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'R', password: PASSWORD } }, bearer(acme.admin.token));
      expect(created.errors).toBeUndefined();
      emails.push(email);
    }
    for (const socket of sockets) await socket.waitFor(() => socket.nexts('1').length >= emails.length, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    const received = sockets.map((s) => s.nexts('1').map((n) => (n.data as UserChangeData).userChanged.user?.email));
    expect(received).toEqual(sockets.map(() => emails));
    console.info(`[distributed] two replicas: ${sockets.length} subscribers (2 per replica) each received ${emails.length}/${emails.length} events once, in order`);
  }, 60_000);

  it("closes a suspended tenant's sockets on both replicas with 4403 within a second", async () => {
    const platformToken = await signInAsAdmin(platform.graphqlUrl);
    const doomed = await createTenantWithAdmin(platform.graphqlUrl, platformToken);
    const sockets = await Promise.all([platform.graphqlUrl, platform.extraGateways![0]!].map((url) => connectSubscriber(url, doomed.admin.token)));
    open.push(...sockets);
    sockets.forEach((s) => s.subscribe('1', 'subscription { userChanged { type } }'));
    await new Promise((r) => setTimeout(r, 300));
    await graphql(platform.graphqlUrl, 'mutation($input: SuspendTenantInput!) { suspendTenant(input: $input) { id } }', { input: { id: doomed.tenant.id, reason: 'test' } }, bearer(platformToken));
    const returned = Date.now();
    const closed = await Promise.all(sockets.map(async (s) => ({ code: (await s.closed).code, withinMs: Date.now() - returned })));
    expect(closed.map((c) => c.code)).toEqual([4403, 4403]);
    expect(Math.max(...closed.map((c) => c.withinMs))).toBeLessThan(1000);
    console.info(`[distributed] tenant suspended: sockets on both replicas closed 4403 after ${closed.map((c) => c.withinMs).join(' and ')} ms`);
  }, 60_000);
});
