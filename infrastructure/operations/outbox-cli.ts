import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig, serviceSettings, type LatticeConfig } from '../config/config';
import { TenantDatabase } from '../database/scoped-database';
import { replayPublishedSince } from '../events/outbox/outbox-replay';
import { ConsoleLogSink, loggerOver, type LogSink, type Logger } from '../logging/logger';
import { readOutbox } from '../metrics/outbox-metrics';

/**
 * `npm run ops:outbox` and `npm run ops:replay`: an operator's view of the services' outboxes, with the services' own
 * variables (`*_DATABASE_APP_URL`, else `*_DATABASE_URL`). Row-level security is forced on event_store, so plain SQL
 * as the owner sees no row; these go through platform scope as the relay does, and log and print the reason.
 */
export interface OutboxCliIo {
  /** The services' configuration (loadConfig('platform')); throws ConfigError. */
  config: () => LatticeConfig;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where `platform-scope database access` lines go (stderr when run from the command line). */
  logSink: LogSink;
}

const EXIT = { done: 0, failed: 1, usage: 2 } as const;
const OUTBOX_SERVICES = ['identity', 'tenancy', 'registry'] as const;
type OutboxService = (typeof OUTBOX_SERVICES)[number];

const USAGE = `usage: npm run ops:outbox [-- --service identity|tenancy|registry]
       npm run ops:replay -- --service identity|tenancy|registry --since <ISO time with zone> [--dry-run]

ops:outbox   per service database: events not yet relayed to the stream, and how long the oldest has waited
ops:replay   marks the events published at or after --since unpublished, so the relay publishes them again
             (audit stores each event id once); --dry-run only counts them
Both read IDENTITY_/TENANCY_/REGISTRY_DATABASE_APP_URL (else _DATABASE_URL), as the services do.
`;

class UsageError extends Error {}

export async function runOutboxCli(args: readonly string[], io: OutboxCliIo): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === 'outbox') return await outbox(rest, io);
    if (command === 'replay') return await replay(rest, io);
    throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}: outbox or replay`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`ops: ${error.message}\n${error instanceof UsageError ? USAGE : ''}`);
      return EXIT.usage;
    }
    io.stderr(`ops: ${messageOf(error)}\n`);
    return EXIT.failed;
  }
}

async function outbox(args: readonly string[], io: OutboxCliIo): Promise<number> {
  const values = flags(args, { service: { type: 'string' } });
  const config = io.config();
  const wanted = values.service === undefined ? OUTBOX_SERVICES.filter((s) => databaseUrl(config, s) !== undefined) : [serviceOf(values.service)];
  if (wanted.length === 0) throw new UsageError('no service database is configured: set IDENTITY_DATABASE_URL, TENANCY_DATABASE_URL or REGISTRY_DATABASE_URL (or their _APP_URL), as for the services');
  wanted.forEach((service) => requireUrl(config, service));
  const reason = 'ops:outbox: counts the events of every tenant the outbox relay has not moved yet';
  io.stdout(`platform scope, reason: ${reason}\n${pad('service', 10)}${pad('unpublished', 13)}oldest unpublished\n`);
  let failed = false;
  for (const service of wanted) {
    try {
      const reading = await withDatabase(config, service, io, (database) => readOutbox(database.asPlatform(reason)));
      io.stdout(`${pad(service, 10)}${pad(String(reading.backlog), 13)}${reading.backlog === 0 ? '-' : `${reading.oldestAgeSeconds.toFixed(1)} s`}\n`);
    } catch (error) {
      failed = true;
      io.stdout(`${pad(service, 10)}error: ${explain(error, config, service)}\n`);
    }
  }
  return failed ? EXIT.failed : EXIT.done;
}

async function replay(args: readonly string[], io: OutboxCliIo): Promise<number> {
  const values = flags(args, { service: { type: 'string' }, since: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (values.service === undefined) throw new UsageError('--service is required');
  const service = serviceOf(values.service);
  const since = sinceOf(values.since);
  const config = io.config();
  requireUrl(config, service);
  const dryRun = values['dry-run'] === true;
  const reason = `ops:replay: ${dryRun ? 'counts' : 'marks unpublished'} the events of every tenant published since ${since.toISOString()}`;
  io.stdout(`platform scope, reason: ${reason}\n`);
  try {
    const count = await withDatabase(config, service, io, (database) => replayPublishedSince(database.asPlatform(reason), since, { dryRun }));
    io.stdout(
      dryRun
        ? `${service}: ${count} events were published since ${since.toISOString()}; nothing changed (--dry-run)\n`
        : `${service}: ${count} events published since ${since.toISOString()} marked unpublished; the relay publishes them again (audit keeps each event once)\n`,
    );
    return EXIT.done;
  } catch (error) {
    io.stderr(`ops: ${service}: ${explain(error, config, service)}\n`);
    return EXIT.failed;
  }
}

function flags<O extends Record<string, { type: 'string' | 'boolean' }>>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

function serviceOf(value: string): OutboxService {
  const service = OUTBOX_SERVICES.find((s) => s === value);
  if (!service) throw new UsageError(`--service must be identity, tenancy or registry (got ${JSON.stringify(value)})`);
  return service;
}

/** A time with its zone: a bare local time would replay a different hour depending on where it is typed. */
function sinceOf(value: string | undefined): Date {
  if (value === undefined) throw new UsageError('--since is required: an ISO 8601 time with a zone, e.g. 2026-12-03T20:00:00Z');
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--since must be an ISO 8601 time with a zone, e.g. 2026-12-03T20:00:00Z (got ${JSON.stringify(value)})`);
  }
  return date;
}

function databaseUrl(config: LatticeConfig, service: OutboxService): string | undefined {
  const settings = serviceSettings(config, service);
  return settings.appDatabaseUrl ?? settings.databaseUrl;
}

function requireUrl(config: LatticeConfig, service: OutboxService): string {
  const url = databaseUrl(config, service);
  if (!url) throw new UsageError(`${service.toUpperCase()}_DATABASE_URL is not set (nor ${service.toUpperCase()}_DATABASE_APP_URL)`);
  return url;
}

/** A one-connection pool on the service's database, as its running service logs in; no migration runs. */
async function withDatabase<T>(config: LatticeConfig, service: OutboxService, io: OutboxCliIo, work: (database: TenantDatabase) => Promise<T>): Promise<T> {
  const url = requireUrl(config, service);
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    entities: [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 1, connectionTimeoutMillis: 10_000 },
  }).initialize();
  const logger: Logger = loggerOver(io.logSink, { component: 'ops', service });
  try {
    return await work(new TenantDatabase(dataSource, logger));
  } finally {
    await dataSource.destroy();
  }
}

/** PostgreSQL's answers an operator can act on, in their words. */
function explain(error: unknown, config: LatticeConfig, service: OutboxService): string {
  const code = (error as { code?: string; driverError?: { code?: string } } | null)?.driverError?.code ?? (error as { code?: string } | null)?.code;
  const variable = serviceSettings(config, service).appDatabaseUrl ? `${service.toUpperCase()}_DATABASE_APP_URL` : `${service.toUpperCase()}_DATABASE_URL`;
  if (code === '42P01') return `its database has no event_store yet: start the ${service} service on it once (its migrations create it)`;
  if (code === '42501') return `the login in ${variable} cannot act as lattice_app (${messageOf(error)}): GRANT lattice_app TO it (npm run db:init does)`;
  return messageOf(error);
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (require.main === module) {
  let sink: LogSink = new ConsoleLogSink('info');
  void runOutboxCli(process.argv.slice(2), {
    config: () => {
      const config = loadConfig('platform');
      sink = new ConsoleLogSink(config.logLevel);
      return config;
    },
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    logSink: { write: (level, message, fields) => sink.write(level, message, fields) },
  }).then((code) => {
    process.exitCode = code;
  });
}
