import { Client } from 'pg';
import type { ClusterLayout, ClusterState, DatabaseState, ForeignObjects, RoleState, SetupPlan, SetupStep } from './cluster-setup-plan';

/**
 * The effects around planClusterSetup: reads what an administrator connection sees of the cluster, and runs a plan's
 * statements one at a time (CREATE DATABASE cannot run in a transaction; a run stopped halfway is finished by the
 * next one, since the plan only ever adds what is missing).
 */
export interface ClusterConnection {
  /** The administrator's connection, to the maintenance database. */
  admin: Client;
  /** The same login, connected to another database of the server. */
  connectTo(database: string): Promise<Client>;
}

/** An administrator connection from its URL (the `postgres` database, or whichever it names). */
export async function connectToCluster(adminUrl: string): Promise<ClusterConnection> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  return {
    admin,
    connectTo: async (database) => {
      const url = new URL(adminUrl);
      url.pathname = `/${encodeURIComponent(database)}`;
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      return client;
    },
  };
}

export async function readClusterState(cluster: ClusterConnection, layout: ClusterLayout): Promise<ClusterState> {
  const { admin } = cluster;
  const names = [layout.appRole, layout.owner.name, layout.service.name];
  const { rows: roles } = await admin.query<Omit<RoleState, 'verifier'>>(
    `SELECT r.rolname AS name, r.rolcanlogin AS "canLogin", r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
            array(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS "memberOf"
       FROM pg_roles r WHERE r.rolname = ANY($1::text[])`,
    [names],
  );
  // Only a superuser reads pg_authid; without it passwords of existing logins are left alone, unchecked.
  const { rows: [me] } = await admin.query<{ superuser: boolean }>(`SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`);
  const verifiers = new Map<string, string | null>();
  if (me?.superuser) {
    const { rows } = await admin.query<{ name: string; verifier: string | null }>(`SELECT rolname AS name, rolpassword AS verifier FROM pg_authid WHERE rolname = ANY($1::text[])`, [names]);
    for (const row of rows) verifiers.set(row.name, row.verifier);
  }
  const { rows: databases } = await admin.query<{ name: string; owner: string }>(
    `SELECT datname AS name, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ANY($1::text[])`,
    [layout.databases],
  );
  const databaseStates = new Map<string, DatabaseState>();
  for (const database of databases) {
    const foreign = layout.takeOwnership && database.owner !== layout.owner.name ? await readForeignObjects(cluster, database.name, layout) : undefined;
    databaseStates.set(database.name, { ...database, ...(foreign ? { foreign } : {}) });
  }
  return {
    roles: new Map(roles.map((role) => [role.name, me?.superuser ? { ...role, verifier: verifiers.get(role.name) ?? null } : role])),
    databases: databaseStates,
  };
}

/**
 * Runs each step's statements in order (`database` statements on a connection to that database, opened once) and
 * tells `onStep` after each step, so a failure is known to be in the step after the last one told.
 */
export async function applyClusterSetup(cluster: ClusterConnection, plan: SetupPlan, onStep: (step: SetupStep) => void = () => undefined): Promise<void> {
  if (plan.problems.length > 0) throw new Error('a plan with problems is not applied');
  const connections = new Map<string, Client>();
  try {
    for (const step of plan.steps) {
      for (const statement of step.statements) {
        const client = statement.database ? await connectionTo(cluster, statement.database, connections) : cluster.admin;
        await client.query(statement.sql);
      }
      onStep(step);
    }
  } finally {
    await Promise.all([...connections.values()].map((c) => c.end().catch(() => undefined)));
  }
}

async function connectionTo(cluster: ClusterConnection, database: string, open: Map<string, Client>): Promise<Client> {
  const existing = open.get(database);
  if (existing) return existing;
  const client = await cluster.connectTo(database);
  open.set(database, client);
  return client;
}

async function readForeignObjects(cluster: ClusterConnection, database: string, layout: ClusterLayout): Promise<ForeignObjects> {
  const client = await cluster.connectTo(database);
  try {
    const owner = layout.owner.name;
    // Sequences that belong to a column (serial, identity) follow their table and cannot be given away on their own.
    const { rows: relations } = await client.query<ForeignObjects['relations'][number]>(
      `SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind,
              format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> $1
          AND NOT (c.relkind = 'S' AND EXISTS (
            SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
        ORDER BY c.relkind DESC, c.relname`,
      [owner],
    );
    const { rows: functions } = await client.query<{ signature: string }>(
      `SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> $1 ORDER BY p.proname`,
      [owner],
    );
    const { rows: [grants] } = await client.query<{ granted: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_default_acl a JOIN pg_namespace n ON n.oid = a.defaclnamespace, aclexplode(a.defaclacl) x
          WHERE n.nspname = 'public' AND a.defaclobjtype = 'r' AND pg_get_userbyid(a.defaclrole) <> $1
            AND x.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)) AS granted`,
      [owner, layout.appRole],
    );
    return { relations, functions: functions.map((f) => f.signature), appDefaultPrivileges: grants?.granted ?? false };
  } finally {
    await client.end();
  }
}
