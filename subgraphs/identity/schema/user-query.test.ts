import 'reflect-metadata';
import { graphql, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Principal, RequestContext } from '../../../infrastructure/context/request-context';
import { openDatabase } from '../../../infrastructure/database/data-source';
import { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import { EventStore } from '../../../infrastructure/events/outbox/event-store';
import { OutboxSignal } from '../../../infrastructure/events/outbox/outbox-signal';
import { RequestEvents } from '../../../infrastructure/events/outbox/request-events';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { loggerOver } from '../../../infrastructure/logging/logger';
import { startEmbeddedDatabase } from '../../../test/support/embedded-database';
import { appLoginUrl, createTestDatabases, TEST_POSTGRES_URL } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import type { IdentityContext } from '../identity-context';
import { buildIdentitySchema } from '../identity-subgraph';
import { TenantDirectory } from '../service/tenant-directory';
import { UserService } from '../service/user-service';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS, IdentityStore } from '../store/identity-store';
import type { UserEntity, UserStatusValue } from '../store/user.entity';

/**
 * `user(id)` in the identity subgraph, on its real database: the resolver, UserService and the request's row scope
 * together, as a request routed by the gateway runs them. Real PostgreSQL when the distributed suite's server is
 * there, else the embedded PGlite.
 */
const logger = loggerOver({ write: () => undefined });

async function identityDatabase(): Promise<{ ownerUrl: string; appUrl: string | undefined; close(): Promise<void> }> {
  if (distributedAvailable()) {
    const databases = await createTestDatabases(TEST_POSTGRES_URL, ['identity']);
    return { ownerUrl: databases.urls.identity, appUrl: appLoginUrl(databases.urls.identity), close: () => databases.drop() };
  }
  const server = await startEmbeddedDatabase();
  return { ownerUrl: server.url, appUrl: undefined, close: () => server.stop() };
}

function userRow(tenantId: string | null, fields: { organizationId?: string; status?: UserStatusValue; roles?: string[] } = {}): UserEntity {
  const id = uuid7();
  const now = new Date();
  const email = `${id.slice(-12)}@example.test`;
  return {
    id,
    tenantId,
    organizationId: fields.organizationId ?? null,
    departmentId: null,
    email,
    emailNormalized: email,
    displayName: `User ${id.slice(-4)}`,
    passwordHash: 'not-a-real-hash',
    status: fields.status ?? 'ACTIVE',
    roles: fields.roles ?? ['member'],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

const USER = 'query($id: ID!) { user(id: $id) { id email status } }';

describe('user(id) in the identity subgraph', () => {
  let opened: Awaited<ReturnType<typeof identityDatabase>>;
  let dataSource: DataSource;
  let database: TenantDatabase;
  let schema: GraphQLSchema;
  const acme = uuid7();
  const globex = uuid7();
  const acmeResearch = uuid7();
  const acmeSales = uuid7();
  const researcher = userRow(acme, { organizationId: acmeResearch });
  const seller = userRow(acme, { organizationId: acmeSales });
  const departed = userRow(acme, { status: 'DELETED' });
  const globexUser = userRow(globex);
  const platformUser = userRow(null, { roles: ['platform-admin'] });

  const acmeAdmin: Principal = { kind: 'USER', subject: uuid7(), tenantId: acme, roles: ['tenant-admin'], permissions: ['users:read', 'users:write'] };
  const researchAdmin: Principal = {
    kind: 'USER',
    subject: uuid7(),
    tenantId: acme,
    organizationId: acmeResearch,
    roles: ['organization-admin'],
    permissions: ['users:read', 'users:write'],
  };
  const platformAdmin: Principal = { kind: 'USER', subject: platformUser.id, tenantId: null, roles: ['platform-admin'], permissions: ['platform:admin', 'users:read'] };

  /** Runs `user(id)` as the subgraph would for a request of `principal`, in that request's row scope. */
  async function userAs(principal: Principal, id: string): Promise<ExecutionResult> {
    const request: RequestContext = { principal, requestId: uuid7(), ipAddress: null, userAgent: null };
    const db = database.forRequest(request);
    const events = RequestEvents.of(new EventStore('identity', new OutboxSignal()), db, request);
    // Never asked here: administeredScope needs tenancy only for department admins' subtrees.
    const directory = new TenantDirectory(() => 'http://127.0.0.1:9/graphql', 'unused-context-secret');
    const users = new UserService(new IdentityStore(db), directory, events, request, logger);
    // user(id) reads nothing of the context but the request and its UserService.
    const contextValue = { request, logger, users } as Partial<IdentityContext> as IdentityContext;
    return graphql({ schema, source: USER, variableValues: { id }, contextValue });
  }

  const codesOf = (result: ExecutionResult) => (result.errors ?? []).map((error) => error.extensions.code);

  beforeAll(async () => {
    opened = await identityDatabase();
    dataSource = await openDatabase({
      name: 'identity',
      url: opened.ownerUrl,
      appUrl: opened.appUrl,
      poolSize: 4,
      logger,
      entities: IDENTITY_ENTITIES,
      migrations: IDENTITY_MIGRATIONS,
    });
    database = new TenantDatabase(dataSource, logger);
    const fixtures = new IdentityStore(database.asPlatform('test fixtures'));
    for (const row of [researcher, seller, departed, globexUser, platformUser]) await fixtures.insertUser(row);
    schema = await buildIdentitySchema();
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await opened?.close();
  });

  it("finds a user of the caller's own tenant", async () => {
    const result = await userAs(acmeAdmin, seller.id);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ user: { id: seller.id, email: seller.email, status: 'ACTIVE' } });
  });

  it("answers another tenant's user with null and NOT_FOUND, word for word as for an id that exists nowhere", async () => {
    const foreign = await userAs(acmeAdmin, globexUser.id);
    const unknown = await userAs(acmeAdmin, uuid7());
    expect(foreign.data).toEqual({ user: null });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    const shape = (result: ExecutionResult) => result.errors?.map((error) => error.message.replace(/"[^"]*"/g, '"…"'));
    expect(shape(foreign)).toEqual(shape(unknown));
  });

  it('hides platform users from tenant admins, and shows platform admins any tenant’s users', async () => {
    expect(codesOf(await userAs(acmeAdmin, platformUser.id))).toEqual(['NOT_FOUND']);
    expect((await userAs(platformAdmin, globexUser.id)).data).toEqual({ user: { id: globexUser.id, email: globexUser.email, status: 'ACTIVE' } });
    expect((await userAs(platformAdmin, platformUser.id)).data).toMatchObject({ user: { id: platformUser.id } });
  });

  it('answers a deleted user with NOT_FOUND, as users leaves them out', async () => {
    const result = await userAs(acmeAdmin, departed.id);
    expect(result.data).toEqual({ user: null });
    expect(codesOf(result)).toEqual(['NOT_FOUND']);
  });

  it('shows an organization admin the users of their organization only, like users does', async () => {
    expect((await userAs(researchAdmin, researcher.id)).data).toMatchObject({ user: { id: researcher.id } });
    expect(codesOf(await userAs(researchAdmin, seller.id))).toEqual(['NOT_FOUND']);
  });

  it('asks an anonymous caller to sign in', async () => {
    const anonymous: Principal = { kind: 'ANONYMOUS', subject: null, tenantId: null, roles: [], permissions: [] };
    expect(codesOf(await userAs(anonymous, seller.id))).toEqual(['UNAUTHENTICATED']);
  });
});
