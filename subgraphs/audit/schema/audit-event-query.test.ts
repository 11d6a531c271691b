import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { graphql, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { DataSource } from 'typeorm';
import type { Principal, RequestContext } from '../../../infrastructure/context/request-context';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { loggerOver } from '../../../infrastructure/logging/logger';
import { startEmbeddedDatabase } from '../../../test/support/embedded-database';
import { createTestDatabases, TEST_POSTGRES_URL } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import type { AuditContext } from '../audit-context';
import { buildAuditSchema } from '../audit-subgraph';
import { ActorDirectory } from '../service/actor-directory';
import { AuditQueryService } from '../service/audit-query-service';
import { AuditReferences } from '../service/audit-references';
import type { AuditRecordInput } from '../store/audit-store';
import { AUDIT_MIGRATIONS } from '../store/postgres-audit-schema';
import { PostgresAuditStore } from '../store/postgres-audit-store';

/**
 * `auditEvent(id)` in the audit subgraph over its PostgreSQL store (the MongoDB store answers findByIds alike: the
 * store contract suite). Real PostgreSQL when the distributed suite's server is there, else the embedded PGlite.
 */
const logger = loggerOver({ write: () => undefined });

async function auditDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  if (distributedAvailable()) {
    const databases = await createTestDatabases(TEST_POSTGRES_URL, ['audit']);
    return { url: databases.urls.audit, close: () => databases.drop() };
  }
  const server = await startEmbeddedDatabase();
  return { url: server.url, close: () => server.stop() };
}

function recordOf(tenantId: string | null): AuditRecordInput {
  return {
    eventId: uuid7(),
    type: 'tenancy.organization.created',
    schemaVersion: 1,
    source: 'audit-event-query-test',
    aggregateType: 'Organization',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    tenantId,
    actorKind: 'SYSTEM',
    actorId: null,
    requestId: null,
    ipAddress: null,
    userAgent: null,
    occurredAt: new Date(),
    data: { name: 'Research' },
  };
}

const AUDIT_EVENT = 'query($id: ID!) { auditEvent(id: $id) { id type aggregateId sequence hash } }';

describe('auditEvent(id) in the audit subgraph', () => {
  let opened: Awaited<ReturnType<typeof auditDatabase>>;
  let dataSource: DataSource;
  let store: PostgresAuditStore;
  let schema: GraphQLSchema;
  const acme = randomUUID();
  const globex = randomUUID();
  const acmeRecord = recordOf(acme);
  const globexRecord = recordOf(globex);
  const platformRecord = recordOf(null);

  const acmeAuditor: Principal = { kind: 'USER', subject: randomUUID(), tenantId: acme, roles: ['tenant-admin'], permissions: ['audit:read', 'tenants:read'] };
  const acmeMember: Principal = { kind: 'USER', subject: randomUUID(), tenantId: acme, roles: ['member'], permissions: ['users:read'] };
  const platformAdmin: Principal = { kind: 'USER', subject: randomUUID(), tenantId: null, roles: ['platform-admin'], permissions: ['platform:admin', 'audit:read'] };

  async function auditEventAs(principal: Principal, id: string): Promise<ExecutionResult> {
    const request: RequestContext = { principal, requestId: uuid7(), ipAddress: null, userAgent: null };
    const contextValue: AuditContext = { request, logger, audit: new AuditQueryService(store, request), references: new AuditReferences(request, new ActorDirectory(null).loader()) };
    return graphql({ schema, source: AUDIT_EVENT, variableValues: { id }, contextValue });
  }

  const codesOf = (result: ExecutionResult) => (result.errors ?? []).map((error) => error.extensions.code);
  const shapeOf = (result: ExecutionResult) => ({ data: result.data, messages: result.errors?.map((error) => error.message.replace(/"[^"]*"/g, '"…"')) });

  beforeAll(async () => {
    opened = await auditDatabase();
    dataSource = await new DataSource({ type: 'postgres', url: opened.url, migrations: AUDIT_MIGRATIONS, migrationsTableName: 'lattice_migrations', logging: false, extra: { max: 4 } }).initialize();
    await dataSource.runMigrations();
    store = new PostgresAuditStore(dataSource);
    await store.append([acmeRecord, globexRecord, platformRecord]);
    schema = await buildAuditSchema();
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await opened?.close();
  });

  it("finds a record of the caller's own tenant by the id AuditEvent.id shows", async () => {
    const result = await auditEventAs(acmeAuditor, acmeRecord.eventId);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      auditEvent: { id: acmeRecord.eventId, type: acmeRecord.type, aggregateId: acmeRecord.aggregateId, sequence: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it("answers another tenant's record with null and NOT_FOUND, word for word as for an id that exists nowhere", async () => {
    const foreign = await auditEventAs(acmeAuditor, globexRecord.eventId);
    expect(foreign.data).toEqual({ auditEvent: null });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    expect(shapeOf(foreign)).toEqual(shapeOf(await auditEventAs(acmeAuditor, uuid7())));
    expect(codesOf(await auditEventAs(acmeAuditor, platformRecord.eventId))).toEqual(['NOT_FOUND']);
  });

  it('shows platform admins any tenant’s record and the platform’s own', async () => {
    expect((await auditEventAs(platformAdmin, globexRecord.eventId)).data).toMatchObject({ auditEvent: { id: globexRecord.eventId } });
    expect((await auditEventAs(platformAdmin, platformRecord.eventId)).data).toMatchObject({ auditEvent: { id: platformRecord.eventId } });
  });

  it('answers a caller of the tenant without audit:read with NOT_FOUND too', async () => {
    expect(codesOf(await auditEventAs(acmeMember, acmeRecord.eventId))).toEqual(['NOT_FOUND']);
  });
});
