import { planClusterSetup, type ClusterLayout, type ClusterState } from './cluster-setup-plan';
import { scramVerifier, verifierAccepts } from './scram-verifier';

const layout: ClusterLayout = {
  appRole: 'lattice_app',
  owner: { name: 'lattice_owner', password: 'owner-password-1', nameVariable: 'LATTICE_DB_OWNER', passwordVariable: 'LATTICE_DB_OWNER_PASSWORD' },
  service: { name: 'lattice_service', password: 'service-password-1', nameVariable: 'LATTICE_DB_SERVICE_LOGIN', passwordVariable: 'LATTICE_SERVICE_DB_PASSWORD' },
  databases: ['lattice_identity', 'lattice_audit'],
  takeOwnership: false,
};
const empty: ClusterState = { roles: new Map(), databases: new Map() };
const sqlOf = (state: ClusterState, l: ClusterLayout = layout) => planClusterSetup(l, state).steps.flatMap((s) => s.statements.map((st) => st.sql));

describe('the db:init plan', () => {
  it('on a fresh cluster creates the app role before the logins that join it, and the owner before its databases', () => {
    const sql = sqlOf(empty);
    expect(sql.map((s) => s.split(' PASSWORD ')[0])).toEqual([
      'CREATE ROLE "lattice_app" NOLOGIN NOSUPERUSER NOBYPASSRLS',
      'CREATE ROLE "lattice_owner" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE',
      'CREATE ROLE "lattice_service" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE',
      'CREATE DATABASE "lattice_identity" OWNER "lattice_owner"',
      'CREATE DATABASE "lattice_audit" OWNER "lattice_owner"',
    ]);
  });

  it('sends PostgreSQL a SCRAM verifier, never the password itself', () => {
    const sql = sqlOf(empty).join('\n');
    expect(sql).not.toContain('owner-password-1');
    expect(sql).not.toContain('service-password-1');
    const verifier = /CREATE ROLE "lattice_service" .* PASSWORD '([^']+)'/.exec(sql)?.[1];
    expect(verifier && verifierAccepts(verifier, 'service-password-1')).toBe(true);
  });

  it('adds only what is missing: a login outside the app role is granted it, nothing is taken away', () => {
    const state: ClusterState = {
      roles: new Map([
        ['lattice_app', { name: 'lattice_app', canLogin: false, superuser: false, bypassRls: false, memberOf: [] }],
        ['lattice_owner', { name: 'lattice_owner', canLogin: true, superuser: false, bypassRls: false, memberOf: ['lattice_app'], verifier: scramVerifier('owner-password-1') }],
        ['lattice_service', { name: 'lattice_service', canLogin: true, superuser: false, bypassRls: false, memberOf: [], verifier: scramVerifier('service-password-1') }],
      ]),
      databases: new Map([
        ['lattice_identity', { name: 'lattice_identity', owner: 'lattice_owner' }],
        ['lattice_audit', { name: 'lattice_audit', owner: 'lattice_owner' }],
      ]),
    };
    expect(sqlOf(state)).toEqual(['GRANT "lattice_app" TO "lattice_service"']);
  });

  it('refuses, before any statement, an owner with BYPASSRLS and a database of another owner', () => {
    const state: ClusterState = {
      roles: new Map([['lattice_owner', { name: 'lattice_owner', canLogin: true, superuser: false, bypassRls: true, memberOf: ['lattice_app'], verifier: null }]]),
      databases: new Map([['lattice_audit', { name: 'lattice_audit', owner: 'postgres' }]]),
    };
    const plan = planClusterSetup(layout, state);
    expect(plan.problems).toEqual([
      expect.stringContaining('ALTER ROLE lattice_owner NOSUPERUSER NOBYPASSRLS'),
      expect.stringContaining('database lattice_audit belongs to "postgres"'),
    ]);
  });

  it('a login it must create without a password is a problem naming the variable', () => {
    const plan = planClusterSetup({ ...layout, service: { ...layout.service, password: undefined } }, empty);
    expect(plan.problems).toEqual(['LATTICE_SERVICE_DB_PASSWORD is not set: db:init creates the service login (what the running services use) lattice_service and needs its password']);
  });
});

describe('SCRAM-SHA-256 verifiers', () => {
  it('accept their own password and no other; an md5 or missing verifier accepts nothing', () => {
    const verifier = scramVerifier('correct-horse-1');
    expect(verifierAccepts(verifier, 'correct-horse-1')).toBe(true);
    expect(verifierAccepts(verifier, 'correct-horse-2')).toBe(false);
    expect(verifierAccepts('md5' + 'a'.repeat(32), 'correct-horse-1')).toBe(false);
    expect(verifierAccepts(null, 'correct-horse-1')).toBe(false);
  });
});
