import { scramVerifier, verifierAccepts } from './scram-verifier';

/**
 * What `npm run db:init` decides, as a pure function of what the cluster holds: the roles and databases a
 * distributed Lattice needs, in the order that works on a fresh cluster (the app role before the logins that join
 * it, the owner before the databases it owns). It adds what is missing and never takes a privilege away: a role that
 * has too much (a superuser, BYPASSRLS) is a problem to fix by hand, named with the statement that fixes it.
 */
export interface ClusterLayout {
  /** The NOLOGIN role row-level security binds (row-level-security.ts, APP_ROLE). */
  appRole: string;
  /** Owns the databases and runs the migrations (`*_DATABASE_URL`). */
  owner: LoginSpec;
  /** What the running services log in as (`*_DATABASE_APP_URL`): only a member of the app role. */
  service: LoginSpec;
  /** One database per service, in the order they are reported. */
  databases: readonly string[];
  /** A database that exists with another owner is handed to `owner` (a volume from before db:init) instead of refused. */
  takeOwnership: boolean;
}

export interface LoginSpec {
  name: string;
  /** Needed to create the login, and to set it again when it differs; never printed or logged. */
  password: string | undefined;
  /** The variables that configure it, for messages. */
  nameVariable: string;
  passwordVariable: string;
}

export interface RoleState {
  name: string;
  canLogin: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** Roles it is a direct member of. */
  memberOf: readonly string[];
  /** Its password verifier from pg_authid (null: none); undefined when the admin login may not read pg_authid. */
  verifier?: string | null;
}

export interface DatabaseState {
  name: string;
  owner: string;
  /** What a take-over must hand over: read only when the database has another owner and takeOwnership is on. */
  foreign?: ForeignObjects;
}

/** Objects of a database's public schema that its new owner does not own yet. */
export interface ForeignObjects {
  relations: readonly { kind: 'TABLE' | 'SEQUENCE' | 'VIEW' | 'MATERIALIZED VIEW'; name: string }[];
  functions: readonly string[];
  /** Whether the previous owner's default privileges grant the app role its tables (what new tables relied on). */
  appDefaultPrivileges: boolean;
}

export interface ClusterState {
  roles: ReadonlyMap<string, RoleState>;
  databases: ReadonlyMap<string, DatabaseState>;
}

export interface SetupStatement {
  sql: string;
  /** Run connected to this database (a take-over's object owners); otherwise on the admin connection. */
  database?: string;
}

export interface SetupStep {
  subject: string;
  outcome: 'in place' | 'created' | 'changed';
  /** What was found or done, for the operator. Never a password. */
  detail: string;
  statements: readonly SetupStatement[];
}

export interface SetupPlan {
  steps: readonly SetupStep[];
  /** Each stops the run before any statement: nothing is half done because of them. */
  problems: readonly string[];
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function planClusterSetup(layout: ClusterLayout, state: ClusterState, makeVerifier: (password: string) => string = (p) => scramVerifier(p)): SetupPlan {
  const problems: string[] = [];
  const steps: SetupStep[] = [appRoleStep(layout, state, problems)];
  for (const [spec, what] of [
    [layout.owner, 'owner login (owns the databases, runs the migrations)'],
    [layout.service, 'service login (what the running services use)'],
  ] as const) {
    const step = loginStep(layout, spec, what, state, problems, makeVerifier);
    if (step) steps.push(step);
  }
  for (const database of layout.databases) steps.push(databaseStep(layout, database, state, problems));
  return { steps, problems };
}

function appRoleStep(layout: ClusterLayout, state: ClusterState, problems: string[]): SetupStep {
  const { appRole } = layout;
  const subject = `role ${appRole}`;
  const role = state.roles.get(appRole);
  if (!role) return { subject, outcome: 'created', detail: 'NOLOGIN NOSUPERUSER NOBYPASSRLS', statements: [{ sql: `CREATE ROLE ${ident(appRole)} NOLOGIN NOSUPERUSER NOBYPASSRLS` }] };
  const excess = [role.superuser ? 'is a superuser' : null, role.bypassRls ? 'has BYPASSRLS' : null].filter((e): e is string => e !== null);
  if (excess.length > 0) {
    problems.push(`role ${appRole} ${excess.join(' and ')}, so row-level security binds nothing: fix it with ALTER ROLE ${appRole} NOSUPERUSER NOBYPASSRLS`);
  }
  return { subject, outcome: 'in place', detail: 'exists', statements: [] };
}

function loginStep(
  layout: ClusterLayout,
  spec: LoginSpec,
  what: string,
  state: ClusterState,
  problems: string[],
  makeVerifier: (password: string) => string,
): SetupStep | null {
  const subject = `login ${spec.name}`;
  const role = state.roles.get(spec.name);
  const app = ident(layout.appRole);
  if (!role) {
    if (spec.password === undefined) {
      problems.push(`${spec.passwordVariable} is not set: db:init creates the ${what} ${spec.name} and needs its password`);
      return null;
    }
    return {
      subject,
      outcome: 'created',
      detail: `${what}; LOGIN NOSUPERUSER NOBYPASSRLS, member of ${layout.appRole}, password from ${spec.passwordVariable}`,
      statements: [{ sql: `CREATE ROLE ${ident(spec.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${makeVerifier(spec.password)}' IN ROLE ${app}` }],
    };
  }
  const excess = [role.superuser ? 'is a superuser' : null, role.bypassRls ? 'has BYPASSRLS' : null].filter((e): e is string => e !== null);
  if (excess.length > 0) {
    problems.push(
      `${spec.nameVariable} names "${spec.name}", which ${excess.join(' and ')}: the ${what} must be bound by row-level security. Choose another name, or ALTER ROLE ${spec.name} NOSUPERUSER NOBYPASSRLS (db:init takes no privilege away)`,
    );
  }
  const statements: SetupStatement[] = [];
  const done: string[] = [];
  if (!role.canLogin) {
    statements.push({ sql: `ALTER ROLE ${ident(spec.name)} LOGIN` });
    done.push('LOGIN granted');
  }
  if (!role.memberOf.includes(layout.appRole)) {
    statements.push({ sql: `GRANT ${app} TO ${ident(spec.name)}` });
    done.push(`made a member of ${layout.appRole}`);
  }
  let passwordNote = 'password unchanged';
  if (spec.password !== undefined && role.verifier === undefined) passwordNote = 'password not checked: only a superuser can read it';
  else if (spec.password !== undefined && !verifierAccepts(role.verifier ?? null, spec.password)) {
    statements.push({ sql: `ALTER ROLE ${ident(spec.name)} PASSWORD '${makeVerifier(spec.password)}'` });
    done.push(`password set from ${spec.passwordVariable}`);
  } else if (spec.password !== undefined) passwordNote = `password matches ${spec.passwordVariable}`;
  if (statements.length === 0) return { subject, outcome: 'in place', detail: `exists; ${passwordNote}`, statements };
  return { subject, outcome: 'changed', detail: done.join(', '), statements };
}

function databaseStep(layout: ClusterLayout, database: string, state: ClusterState, problems: string[]): SetupStep {
  const subject = `database ${database}`;
  const owner = layout.owner.name;
  const existing = state.databases.get(database);
  if (!existing) return { subject, outcome: 'created', detail: `owner ${owner}`, statements: [{ sql: `CREATE DATABASE ${ident(database)} OWNER ${ident(owner)}` }] };
  if (existing.owner === owner) return { subject, outcome: 'in place', detail: `owner ${owner}`, statements: [] };
  if (!layout.takeOwnership || !existing.foreign) {
    problems.push(
      `database ${database} belongs to "${existing.owner}", not to ${owner}: run db:init with --take-ownership to hand it, with its tables, sequences and functions, to ${owner} (a database from before db:init)`,
    );
    return { subject, outcome: 'in place', detail: `owner ${existing.owner}`, statements: [] };
  }
  const { relations, functions, appDefaultPrivileges } = existing.foreign;
  const inDatabase = (sql: string): SetupStatement => ({ sql, database });
  const statements: SetupStatement[] = [
    { sql: `ALTER DATABASE ${ident(database)} OWNER TO ${ident(owner)}` },
    ...relations.map((r) => inDatabase(`ALTER ${r.kind} ${r.name} OWNER TO ${ident(owner)}`)),
    ...functions.map((f) => inDatabase(`ALTER FUNCTION ${f} OWNER TO ${ident(owner)}`)),
    // Tables later migrations create are granted to the app role by the owner's default privileges, as before.
    ...(appDefaultPrivileges
      ? [inDatabase(`ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner)} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${ident(layout.appRole)}`)]
      : []),
  ];
  return {
    subject,
    outcome: 'changed',
    detail: `taken over from ${existing.owner}: ${relations.length} tables and sequences, ${functions.length} functions${appDefaultPrivileges ? `, default grants to ${layout.appRole}` : ''}`,
    statements,
  };
}
