import { hostname } from 'node:os';
import { PERMISSIONS } from '../../infrastructure/authorization/permissions';
import type { LatticeConfig } from '../../infrastructure/config/config';
import { describeDeadLetter } from '../../infrastructure/events/stream/event-stream';
import type { StoreCheck } from '../../infrastructure/http/routes';
import { processIdentity } from '../../infrastructure/modules/event-stream-module';
import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import { SystemSubgraphClient } from '../../infrastructure/graphql/system-subgraph-client';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import type { Logger } from '../../infrastructure/logging/logger';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule, subgraphModuleName, type RunningSubgraph } from '../../infrastructure/modules/subgraph-module';
import type { AuditContext } from './audit-context';
import { toAuditEventType } from './schema/audit-event-mapping';
import { AUDIT_ID_FORMATS } from './schema/audit-event.inputs';
import { AuditEventResolver, AuditUserResolver } from './schema/audit-event.resolver';
import { AuditAnnouncer } from './service/audit-announcements';
import { ActorDirectory, identityUserTenants } from './service/actor-directory';
import { AuditQueryService } from './service/audit-query-service';
import { AuditReferences } from './service/audit-references';
import { AuditRecorder } from './service/audit-recorder';
import { recordTraced } from './service/audit-tracing';
import { AuditRetention, parseRetentionDays } from './service/audit-retention';
import type { AuditStore } from './store/audit-store';
import { MongoAuditStore } from './store/mongo-audit-store';
import { PostgresAuditStore } from './store/postgres-audit-store';
import { AUDIT_ENTITIES, AUDIT_MIGRATIONS } from './store/postgres-audit-schema';
import type { AuditEventType } from './schema/audit-event.type';

export function buildAuditSchema() {
  return buildFederatedSchema([AuditEventResolver, AuditUserResolver], {
    AuditEvent: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: AuditContext): Promise<AuditEventType | null> => {
        const [record] = await ctx.audit.byIds([String(reference.id)]);
        return record ? toAuditEventType(record) : null;
      },
    },
    User: { __resolveReference: (reference: Record<string, unknown>) => ({ id: String(reference.id) }) },
  }, { idFormats: AUDIT_ID_FORMATS });
}

const RETENTION_EVERY_MS = 60 * 60 * 1000;

/**
 * The audit subgraph: consumes every committed event from the durable stream (consumer group `audit`) and keeps one
 * hash-chained record per event, in MongoDB when MONGO_URL is set, otherwise in its PostgreSQL database. It asks
 * tenancy for retention settings and identity which tenant each user actor belongs to: inside the embedded platform
 * (`embeddedTenancy`, where identity runs in the same process too) through their modules, distributed through
 * TENANCY_URL and IDENTITY_URL.
 */
export function auditModules(options: { embeddedTenancy: boolean } = { embeddedTenancy: false }): InfrastructureModule[] {
  const tenancyModule = subgraphModuleName('tenancy');
  const identityModule = subgraphModuleName('identity');
  return [
    postgresModule('audit'),
    databaseModule('audit', { entities: AUDIT_ENTITIES, migrations: AUDIT_MIGRATIONS }),
    subgraphModule({
      name: 'audit',
      deps: options.embeddedTenancy ? [tenancyModule, identityModule] : [],
      buildSchema: buildAuditSchema,
      start: async ({ dataSource, stream, bus, config, logger, ctx }) => {
        const store: AuditStore = config.mongoUrl ? await MongoAuditStore.connect(config.mongoUrl) : new PostgresAuditStore(dataSource);
        logger.info(`audit records kept in ${config.mongoUrl ? 'MongoDB' : 'PostgreSQL'}`);
        // Each record written is announced on the live bus (audit.event.recorded), never on the stream it reads.
        const recorder = new AuditRecorder(store, new AuditAnnouncer(bus, logger));
        const consumer = await stream.consume({
          group: 'audit',
          // Stable per replica: a restarted audit takes back what it held when it stopped, before anything newer.
          consumer: config.auditConsumer ?? (config.subgraphs.audit.port ? `audit@${hostname()}:${config.subgraphs.audit.port}` : processIdentity('audit')),
          handle: async (events) => {
            await recordTraced(events, () => recorder.record(events));
          },
          onError: (error, detail) => logger.warn('audit consumer', { ...detail, error }),
          // Never the payload: the letter names the event, and the dead-letter stream keeps the rest.
          onDeadLetter: (letter) => logger.error('event dead-lettered: audit will not record it', describeDeadLetter(letter)),
        });
        const tenancyUrl = options.embeddedTenancy ? () => `${ctx.get<RunningSubgraph>(tenancyModule).url}/graphql` : config.subgraphs.tenancy.url ? () => config.subgraphs.tenancy.url! : null;
        const retention = new AuditRetention(store, retentionSetting(tenancyUrl, config, logger), logger);
        const runRetention = () => void retention.runOnce().catch((error: unknown) => logger.error('audit retention failed', { error }));
        const retentionTimer = setInterval(runRetention, RETENTION_EVERY_MS);
        retentionTimer.unref();
        const identityUrl = options.embeddedTenancy ? () => `${ctx.get<RunningSubgraph>(identityModule).url}/graphql` : config.subgraphs.identity.url ? () => config.subgraphs.identity.url! : null;
        const actors = new ActorDirectory(userTenantLookup(identityUrl, config, logger));
        return { store, consumer, retentionTimer, actors };
      },
      stop: async (services) => {
        clearInterval(services.retentionTimer);
        await services.consumer.stop();
        await services.store.close();
      },
      // Audit records are written to MongoDB when MONGO_URL is set: audit cannot answer without it.
      stores: ({ store }): Record<string, StoreCheck> => (store instanceof MongoAuditStore ? { mongodb: { ping: () => store.ping(), required: true } } : {}),
      createContext: (services, request, logger): AuditContext => ({
        request,
        logger,
        audit: new AuditQueryService(services.store, request),
        references: new AuditReferences(request, services.actors.loader()),
      }),
    }),
  ];
}

/** Asks identity, as the audit service, which tenant user actors belong to (actorKind, and who may see an actor). */
function userTenantLookup(identityUrl: (() => string) | null, config: LatticeConfig, logger: Logger) {
  if (!identityUrl || !config.contextSecret) {
    logger.warn('audit: IDENTITY_URL is not known here, so no actor can be shown (actor is null, and platform users read as USER)');
    return null;
  }
  return identityUserTenants(
    new SystemSubgraphClient({ service: 'identity', graphqlUrl: identityUrl, contextSecret: config.contextSecret, caller: 'audit', permissions: [PERMISSIONS.platformAdmin] }),
  );
}

/** Reads a tenant's `audit.retention_days` from tenancy, asking as the audit service with config:read only. */
function retentionSetting(tenancyUrl: (() => string) | null, config: LatticeConfig, logger: Logger): (tenantId: string) => Promise<number | null> {
  if (!tenancyUrl || !config.contextSecret) {
    logger.warn('audit retention: TENANCY_URL is not known here, so audit records are kept forever');
    return () => Promise.resolve(null);
  }
  const tenancy = new SystemSubgraphClient({ service: 'tenancy', graphqlUrl: tenancyUrl, contextSecret: config.contextSecret, caller: 'audit', permissions: ['config:read'] });
  return async (tenantId) => {
    const answer = await tenancy.query<{ effectiveConfiguration: { value: unknown } | null }>(
      'query Retention($tenantId: ID!) { effectiveConfiguration(key: "audit.retention_days", tenantId: $tenantId) { value } }',
      { tenantId },
    );
    const raw = answer.effectiveConfiguration?.value;
    const days = parseRetentionDays(raw);
    if (raw !== undefined && raw !== null && days === null) logger.warn('audit.retention_days is not a whole number of days from 1 to 36500; records are kept', { tenantId });
    return days;
  };
}
