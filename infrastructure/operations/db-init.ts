import { parseArgs } from 'node:util';
import { ConfigError, loadDatabaseInitConfig, type DatabaseInitSettings, type ServiceName } from '../config/config';
import { planClusterSetup, type ClusterLayout, type SetupStep } from '../database/cluster-setup-plan';
import { applyClusterSetup, connectToCluster, readClusterState, type ClusterConnection } from '../database/cluster-setup';
import { APP_ROLE } from '../database/row-level-security';

/**
 * `npm run db:init`: prepares a PostgreSQL cluster for the distributed services, on a fresh cluster or again on a
 * prepared one (where it changes nothing and says so). Output is for the operator on stdout; it holds a password only
 * with --with-passwords, and nothing is logged.
 */
export interface DatabaseInitIo {
  /** The variables, parsed (loadDatabaseInitConfig); throws ConfigError naming every bad one. */
  settings: () => DatabaseInitSettings;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  connect?: (adminUrl: string) => Promise<ClusterConnection>;
}

const EXIT = { done: 0, failed: 1, usage: 2 } as const;
/** The databases, one per service with a database of its own, and the variables each service reads. */
const SERVICES: readonly ServiceName[] = ['identity', 'tenancy', 'audit', 'registry'];

const USAGE = `usage: npm run db:init [-- --take-ownership] [--with-passwords]

Creates, unless they exist: the role ${APP_ROLE} (NOLOGIN), the owner login (LATTICE_DB_OWNER, default lattice_owner),
the service login (LATTICE_DB_SERVICE_LOGIN, default lattice_service) and the databases <LATTICE_DB_PREFIX>_identity,
_tenancy, _audit and _registry (prefix default lattice), through LATTICE_DB_ADMIN_URL (a superuser; default
postgres://postgres@127.0.0.1:5432/postgres). LATTICE_DB_OWNER_PASSWORD and LATTICE_SERVICE_DB_PASSWORD are needed to
create the logins, and set again when they differ.

  --take-ownership   hand databases that exist with another owner (from before db:init) to the owner login
  --with-passwords   print the URLs with the passwords in them instead of placeholders
`;

export async function runDatabaseInit(args: readonly string[], io: DatabaseInitIo): Promise<number> {
  let flags: { 'take-ownership'?: boolean; 'with-passwords'?: boolean; help?: boolean };
  try {
    flags = parseArgs({ args: [...args], options: { 'take-ownership': { type: 'boolean' }, 'with-passwords': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (error) {
    io.stderr(`db:init: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return EXIT.usage;
  }
  if (flags.help) {
    io.stdout(USAGE);
    return EXIT.done;
  }
  let settings: DatabaseInitSettings;
  try {
    settings = io.settings();
  } catch (error) {
    io.stderr(`db:init: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  const usage = usageProblems(settings, flags['with-passwords'] === true);
  if (usage.length > 0) {
    io.stderr(`db:init: ${usage.join('\n  ')}\n`);
    return EXIT.usage;
  }
  const layout = layoutOf(settings, flags['take-ownership'] === true);
  io.stdout(`db:init on ${withoutPassword(settings.adminUrl)}\n`);
  let cluster: ClusterConnection;
  try {
    cluster = await (io.connect ?? connectToCluster)(settings.adminUrl);
  } catch (error) {
    io.stderr(`db:init: cannot connect with LATTICE_DB_ADMIN_URL (${withoutPassword(settings.adminUrl)}): ${messageOf(error)}\n`);
    return EXIT.failed;
  }
  try {
    const plan = planClusterSetup(layout, await readClusterState(cluster, layout));
    if (plan.problems.length > 0) {
      io.stderr(`db:init: nothing was changed:\n${plan.problems.map((p) => `  - ${p}\n`).join('')}`);
      return EXIT.failed;
    }
    let next = 0;
    try {
      await applyClusterSetup(cluster, plan, (step) => {
        next += 1;
        io.stdout(`  ${stepLine(step)}\n`);
      });
    } catch (error) {
      const failed = plan.steps[next];
      io.stderr(`db:init: ${failed?.subject ?? 'a step'} failed: ${messageOf(error)}\nThe steps above are done; run db:init again once this is fixed.\n`);
      return EXIT.failed;
    }
    const changes = plan.steps.filter((s) => s.outcome !== 'in place').length;
    io.stdout(changes === 0 ? 'Nothing to change: every role and database was already in place.\n' : `Done: ${changes} of ${plan.steps.length} created or changed.\n`);
    io.stdout(urlLines(settings, layout, flags['with-passwords'] === true));
    return EXIT.done;
  } catch (error) {
    io.stderr(`db:init: ${messageOf(error)}\n`);
    return EXIT.failed;
  } finally {
    await cluster.admin.end().catch(() => undefined);
  }
}

function usageProblems(settings: DatabaseInitSettings, withPasswords: boolean): string[] {
  const problems: string[] = [];
  if (settings.owner.name === APP_ROLE) problems.push(`LATTICE_DB_OWNER: must not be ${APP_ROLE}, the role row-level security binds`);
  if (settings.service.name === APP_ROLE) problems.push(`LATTICE_DB_SERVICE_LOGIN: must not be ${APP_ROLE} itself: the service login is a member of it`);
  if (withPasswords && settings.owner.password === undefined) problems.push('LATTICE_DB_OWNER_PASSWORD: required with --with-passwords');
  if (withPasswords && settings.service.password === undefined) problems.push('LATTICE_SERVICE_DB_PASSWORD: required with --with-passwords');
  return problems;
}

export function layoutOf(settings: DatabaseInitSettings, takeOwnership: boolean): ClusterLayout {
  return {
    appRole: APP_ROLE,
    owner: { ...settings.owner, nameVariable: 'LATTICE_DB_OWNER', passwordVariable: 'LATTICE_DB_OWNER_PASSWORD' },
    service: { ...settings.service, nameVariable: 'LATTICE_DB_SERVICE_LOGIN', passwordVariable: 'LATTICE_SERVICE_DB_PASSWORD' },
    databases: SERVICES.map((service) => `${settings.databasePrefix}_${service}`),
    takeOwnership,
  };
}

function stepLine(step: SetupStep): string {
  return `${step.subject}: ${step.outcome}${step.detail ? ` (${step.detail})` : ''}`;
}

/** The variables each service reads, on the server the admin URL names (its host, port and query, e.g. sslmode). */
function urlLines(settings: DatabaseInitSettings, layout: ClusterLayout, withPasswords: boolean): string {
  const server = new URL(settings.adminUrl);
  const url = (login: { name: string; password: string | undefined }, placeholder: string, database: string) => {
    const secret = withPasswords && login.password !== undefined ? encodeURIComponent(login.password) : placeholder;
    return `postgres://${login.name}:${secret}@${server.host}/${database}${server.search}`;
  };
  const lines = SERVICES.flatMap((service, i) => {
    const database = layout.databases[i]!;
    const prefix = service.toUpperCase();
    return [
      `${prefix}_DATABASE_URL=${url(settings.owner, '<LATTICE_DB_OWNER_PASSWORD>', database)}`,
      `${prefix}_DATABASE_APP_URL=${url(settings.service, '<LATTICE_SERVICE_DB_PASSWORD>', database)}`,
    ];
  });
  const note = withPasswords
    ? 'Set these for the services (they hold the passwords: keep them where you keep secrets):'
    : 'Set these for the services, with each <…> replaced by that password, percent-encoded (or run with --with-passwords):';
  return `\n${note}\n${lines.join('\n')}\n`;
}

function withoutPassword(url: string): string {
  return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (require.main === module) {
  void runDatabaseInit(process.argv.slice(2), {
    settings: loadDatabaseInitConfig,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
