import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECK_DEFAULTS,
  checkCompose,
  interpolate,
  isLatticeVariable,
  parseComposeText,
  parseEnvFile,
  renderCompose,
  runComposeCheck,
  type ComposeCheckIo,
  type Env,
} from './compose-check';

const ROOT = join(__dirname, '..', '..');
const REAL_TEXT = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const CI_ENV: Env = { ...CHECK_DEFAULTS };

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating parsed YAML in tests

/** The real file, parsed (merge keys resolved), for a test to change before rendering. */
function realDocument(): Yaml {
  return parseComposeText(REAL_TEXT) as Yaml;
}

function problemsOf(document: unknown, env: Env = CI_ENV): string[] {
  const rendered = renderCompose([{ name: 'docker-compose.yml', document }], env);
  expect(rendered.errors).toEqual([]);
  return checkCompose(rendered.project).problems;
}

describe('the real docker-compose.yml', () => {
  it('passes every check with the CI environment (a dummy context secret, no admin password)', () => {
    const rendered = renderCompose([{ name: 'docker-compose.yml', document: realDocument() }], CI_ENV);
    expect(rendered.errors).toEqual([]);
    const result = checkCompose(rendered.project);
    expect(result.problems).toEqual([]);
    expect(result.services.map((s) => s.name)).toEqual(['postgres', 'db-init', 'redis', 'mongo', 'tenancy', 'identity', 'audit', 'registry', 'gateway']);
    expect(result.services.find((s) => s.name === 'gateway')?.line).toMatch(/^gateway: ok \(role gateway, port 4000, \d+ variables\)$/);
  });

  it('renders with an empty environment, so docker compose ps, logs and down need no variable', () => {
    const rendered = renderCompose([{ name: 'docker-compose.yml', document: realDocument() }], {});
    expect(rendered.errors).toEqual([]);
    expect(rendered.project.services.identity?.environment.LATTICE_ADMIN_PASSWORD).toBe('');
    expect(rendered.project.services.gateway?.environment.LATTICE_CONTEXT_SECRET).toBe('');
  });

  it('keeps audit on PostgreSQL by default and passes with audit pointed at the mongo profile', () => {
    const bare = renderCompose([{ name: 'docker-compose.yml', document: realDocument() }], CI_ENV);
    expect(bare.project.services.audit?.environment.MONGO_URL).toBe('');
    expect(bare.project.services.mongo?.profiles).toEqual(['mongo']);
    expect(problemsOf(realDocument(), { ...CI_ENV, LATTICE_AUDIT_MONGO_URL: 'mongodb://mongo:27017/lattice_audit' })).toEqual([]);
  });

  it('runs every database service on the owner and service logins db-init makes, never on the superuser', () => {
    const services = renderCompose([{ name: 'docker-compose.yml', document: realDocument() }], CI_ENV).project.services;
    for (const name of ['identity', 'tenancy', 'audit', 'registry']) {
      const env = services[name]!.environment;
      const prefix = name.toUpperCase();
      expect(new URL(env[`${prefix}_DATABASE_URL`]!).username).toBe('lattice_owner');
      expect(new URL(env[`${prefix}_DATABASE_APP_URL`]!).username).toBe('lattice_service');
      expect(services[name]!.dependsOn['db-init']).toEqual({ condition: 'service_completed_successfully', required: true });
    }
    expect(new URL(services['db-init']!.environment.LATTICE_DB_ADMIN_URL!).username).toBe('lattice');
  });
});

describe('interpolation', () => {
  const env: Env = { SET: 'value', EMPTY: '' };

  it.each([
    ['${SET}', 'value'],
    ['$SET/x', 'value/x'],
    ['${UNSET}', ''],
    ['${SET:-d}', 'value'],
    ['${EMPTY:-d}', 'd'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${UNSET:-${SET}}', 'value'],
    ['${SET:+r}', 'r'],
    ['${EMPTY:+r}', ''],
    ['${EMPTY+r}', 'r'],
    ['${EMPTY?e}', ''],
    ['$$SET and $${SET}', '$SET and ${SET}'],
    ['a-${SET:?must be set}-b', 'a-value-b'],
  ])('%s renders as %j', (template, expected) => {
    const result = interpolate(template, env);
    expect(result.errors).toEqual([]);
    expect(result.value).toBe(expected);
  });

  it('reports ${VAR} with VAR unset as a warning, not an error', () => {
    expect(interpolate('${UNSET}', env).unset).toEqual(['UNSET']);
  });

  it.each([['${UNSET:?set UNSET please}'], ['${EMPTY:?set UNSET please}'], ['${UNSET?set UNSET please}']])('%s with the variable missing is a render error naming it', (template) => {
    const result = interpolate(template, env, 'services.x.environment.A');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/services\.x\.environment\.A: required variable (UNSET|EMPTY) is missing a value: set UNSET please/);
  });

  it('calls a lone $ an invalid template', () => {
    expect(interpolate('cost $5', env).errors[0]).toMatch(/invalid interpolation format/);
    expect(interpolate('${SET', env).errors[0]).toMatch(/invalid interpolation format/);
  });

  it('makes a :? with the variable unset a render error of the whole file, naming the variable', () => {
    const document = realDocument();
    document.services.identity.environment.LATTICE_ADMIN_PASSWORD = '${LATTICE_ADMIN_PASSWORD:?set LATTICE_ADMIN_PASSWORD (12..128 chars)}';
    const rendered = renderCompose([{ name: 'docker-compose.yml', document }], {});
    expect(rendered.errors).toEqual([
      'error while interpolating services.identity.environment.LATTICE_ADMIN_PASSWORD: required variable LATTICE_ADMIN_PASSWORD is missing a value: set LATTICE_ADMIN_PASSWORD (12..128 chars)',
    ]);
  });

  it('reads env files: comments, export, quotes, bare values with a trailing comment', () => {
    expect(parseEnvFile('# c\nexport A=1\nB="two words"\nC=\'${A}\'\nD=${A}x # note\n')).toEqual({ A: '1', B: 'two words', C: '${A}', D: '1x' });
  });
});

describe('YAML', () => {
  it('resolves merge keys, a later key overriding a merged one', () => {
    const document = parseComposeText(`
x-env: &env
  HOST: 0.0.0.0
  LOG_LEVEL: info
services:
  tenancy:
    image: lattice:local
    environment:
      <<: *env
      LOG_LEVEL: debug
`) as Yaml;
    expect(document.services.tenancy.environment).toEqual({ HOST: '0.0.0.0', LOG_LEVEL: 'debug' });
  });

  it('merges a second file over the first as compose does: environment and depends_on entry by entry, command replaced', () => {
    const override = parseComposeText(`
services:
  audit:
    environment:
      MONGO_URL: mongodb://mongo:27017/lattice_audit
    depends_on:
      mongo:
        condition: service_healthy
  mongo:
    profiles: []
`);
    const rendered = renderCompose(
      [
        { name: 'docker-compose.yml', document: realDocument() },
        { name: 'docker-compose.mongo.yml', document: override },
      ],
      CI_ENV,
    );
    const audit = rendered.project.services.audit!;
    expect(audit.environment.MONGO_URL).toBe('mongodb://mongo:27017/lattice_audit');
    expect(audit.environment.AUDIT_DATABASE_URL).toMatch(/^postgres:\/\/lattice_owner:/);
    expect(Object.keys(audit.dependsOn)).toEqual(['postgres', 'db-init', 'redis', 'mongo']);
    expect(audit.command).toEqual(['node', 'dist/subgraphs/audit/main.js']);
    expect(checkCompose(rendered.project).problems).toEqual([]);
  });
});

describe('problems it reports', () => {
  it('names a misspelled variable, and what it probably meant', () => {
    const document = realDocument();
    document.services.identity.environment.LATTICE_ADMIN_PASWORD = 'x';
    expect(problemsOf(document)).toEqual(['service identity: LATTICE_ADMIN_PASWORD is not a Lattice variable (did you mean LATTICE_ADMIN_PASSWORD?)']);
  });

  it('knows the variables read outside the schema: OTEL_* and LATTICE_SUBGRAPH_TIMEOUT_MS_<NAME>', () => {
    expect(isLatticeVariable('OTEL_BSP_SCHEDULE_DELAY')).toBe(true);
    expect(isLatticeVariable('LATTICE_SUBGRAPH_TIMEOUT_MS_TENANCY')).toBe(true);
    expect(isLatticeVariable('LATTICE_SUBGRAPH_TIMEOUT_MS_')).toBe(false);
    expect(isLatticeVariable('IDENTITY_DATABASE_APP_URL')).toBe(true);
  });

  it('passes on what the config schema refuses, with the service named', () => {
    const document = realDocument();
    document.services.tenancy.environment.LATTICE_METRICS_PORT = 'ninety';
    expect(problemsOf(document)).toEqual(['service tenancy: LATTICE_METRICS_PORT: must be a port number (got "ninety")']);
  });

  it('reports a required variable a service does not set', () => {
    const document = realDocument();
    delete document.services.gateway.environment.REDIS_URL;
    expect(problemsOf(document)).toContain('service gateway: REDIS_URL: required when starting the gateway service');
  });

  it('reports a subgraph URL with the wrong port', () => {
    const document = realDocument();
    document.services.gateway.environment.IDENTITY_URL = 'http://identity:4011/graphql';
    expect(problemsOf(document)).toEqual(['service gateway: IDENTITY_URL names identity:4011, but identity listens on 4001 (its IDENTITY_PORT)']);
  });

  it('reports a URL naming no service', () => {
    const document = realDocument();
    document.services.identity.environment.TENANCY_URL = 'http://tenancyy:4002/graphql';
    expect(problemsOf(document)).toEqual(['service identity: TENANCY_URL names host tenancyy, which is no service']);
  });

  it('reports a service on the superuser login', () => {
    const document = realDocument();
    document.services.registry.environment.REGISTRY_DATABASE_APP_URL = 'postgres://lattice:lattice@postgres:5432/lattice_registry';
    const problems = problemsOf(document);
    expect(problems).toContain('service registry: REGISTRY_DATABASE_APP_URL logs in as lattice, the PostgreSQL superuser of postgres: only db-init\'s LATTICE_DB_ADMIN_URL may');
  });

  it('reports a service running as the owner login, or with no service login at all', () => {
    const same = realDocument();
    same.services.tenancy.environment.TENANCY_DATABASE_APP_URL = same.services.tenancy.environment.TENANCY_DATABASE_URL;
    expect(problemsOf(same)).toContain(
      'service tenancy: TENANCY_DATABASE_APP_URL logs in as lattice_owner, as TENANCY_DATABASE_URL does: the service must run as a login other than the owner',
    );
    const none = realDocument();
    delete none.services.audit.environment.AUDIT_DATABASE_APP_URL;
    expect(problemsOf(none)).toEqual(['service audit: AUDIT_DATABASE_APP_URL is not set: the service would run as the owner login of AUDIT_DATABASE_URL']);
  });

  it('reports a database URL whose password is not the one db-init sets, without printing either', () => {
    const document = realDocument();
    document.services.identity.environment.IDENTITY_DATABASE_APP_URL = 'postgres://lattice_service:other-password-here@postgres:5432/lattice_identity';
    const problems = problemsOf(document);
    expect(problems).toEqual(["service identity: the password in IDENTITY_DATABASE_APP_URL is not db-init's LATTICE_SERVICE_DB_PASSWORD (a password with characters a URL reserves must be percent-encoded there)"]);
    expect(problems.join('\n')).not.toContain('other-password-here');
  });

  it('reports a password a URL cannot hold as it is, without printing any of it', () => {
    const problems = problemsOf(realDocument(), { ...CI_ENV, LATTICE_SERVICE_DB_PASSWORD: 'Zq9kX@vvQ/Jm#Rt' });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/TENANCY_DATABASE_APP_URL: its login holds a character a URL reserves/);
    expect(problems.join('\n')).not.toMatch(/Zq9|vvQ|Jm|Rt/);
  });

  it('reports a healthcheck on the wrong port', () => {
    const document = realDocument();
    document.services.tenancy.healthcheck.test = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:4001/health/ready').then((r) => process.exit(r.ok ? 0 : 1))"];
    expect(problemsOf(document)).toEqual(['service tenancy: healthcheck asks port 4001, but tenancy listens on 4002 (TENANCY_PORT)']);
  });

  it('reports a gateway healthcheck on strict readiness', () => {
    const document = realDocument();
    document.services.gateway.healthcheck.test = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:4000/health/ready?strict=1').then((r) => process.exit(r.ok ? 0 : 1))"];
    expect(problemsOf(document)).toEqual([expect.stringMatching(/^service gateway: healthcheck uses \/health\/ready\?strict=/)]);
  });

  it('reports dependencies that do not exist or wait for the wrong condition', () => {
    const document = realDocument();
    document.services.gateway.depends_on.identity.condition = 'service_started';
    document.services.tenancy.depends_on['db-init'].condition = 'service_healthy';
    document.services.registry.depends_on.regsitry = { condition: 'service_healthy' };
    expect(problemsOf(document)).toEqual([
      'service tenancy: waits for db-init to be healthy, but db-init has no healthcheck',
      'service tenancy: depends_on db-init (db-init) must wait for condition service_completed_successfully, not service_healthy',
      'service registry: depends_on names regsitry, which is no service',
      'service gateway: depends_on identity (a Lattice service) must wait for condition service_healthy, not service_started',
    ]);
  });

  it('reports a database service that does not wait for db-init', () => {
    const document = realDocument();
    delete document.services.identity.depends_on['db-init'];
    expect(problemsOf(document)).toEqual(['service identity: does not wait for db-init (depends_on db-init: condition service_completed_successfully)']);
  });

  it('reports a dependency on a service that only runs with a profile', () => {
    const document = realDocument();
    document.services.audit.depends_on.mongo = { condition: 'service_healthy' };
    expect(problemsOf(document)).toEqual(['service audit: depends_on mongo, which runs only with the profile mongo: `docker compose up` without it fails']);
  });

  it('reports a published port on anything but the gateway', () => {
    const document = realDocument();
    document.services.postgres.ports = ['5432:5432'];
    document.services.identity.ports = ['4001:4001'];
    expect(problemsOf(document)).toEqual([
      'service postgres: publishes 5432:5432: only the gateway is published; the rest is reached on the compose network',
      'service identity: publishes 4001:4001: only the gateway is published; the rest is reached on the compose network',
    ]);
  });

  it('reports a Lattice command it cannot place', () => {
    const document = realDocument();
    document.services.audit.command = ['node', 'dist/subgraphs/auditt/main.js'];
    expect(problemsOf(document)).toEqual([expect.stringMatching(/^service audit: cannot tell which Lattice program its command runs/)]);
  });
});

describe('the command line', () => {
  function io(files: Record<string, string>, env: Env = {}): ComposeCheckIo & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return {
      env,
      cwd: '/project/sub',
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT ${path}`);
        return text;
      },
      exists: (path) => path in files,
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      out,
      err,
    };
  }

  it('finds docker-compose.yml above the working directory, prints a line per service and exits 0', () => {
    const run = io({ '/project/docker-compose.yml': REAL_TEXT });
    expect(runComposeCheck([], run)).toBe(0);
    expect(run.out.join('')).toContain('  gateway: ok (role gateway, port 4000, 15 variables)\n');
    expect(run.out.join('')).toContain('compose:check passed: 9 services');
    expect(run.err).toEqual([]);
  });

  it('exits 1 on a problem and 2 on a usage error', () => {
    const broken = REAL_TEXT.replace('http://identity:4001/graphql', 'http://identity:4009/graphql');
    const run = io({ '/project/sub/c.yml': broken });
    expect(runComposeCheck(['--file', 'c.yml'], run)).toBe(1);
    expect(run.err.join('')).toMatch(/IDENTITY_URL names identity:4009, but identity listens on 4001/);
    expect(runComposeCheck(['--file', 'missing.yml'], io({}))).toBe(2);
    expect(runComposeCheck(['--nope'], io({}))).toBe(2);
  });

  it('fails a file that does not render with no variable set', () => {
    const strict = REAL_TEXT.replace('${LATTICE_CONTEXT_SECRET:-}', '${LATTICE_CONTEXT_SECRET:?set it}');
    const run = io({ '/project/docker-compose.yml': strict }, { LATTICE_CONTEXT_SECRET: 'x'.repeat(40) });
    expect(runComposeCheck([], run)).toBe(1);
    expect(run.err.join('')).toMatch(/no variable set[\s\S]*required variable LATTICE_CONTEXT_SECRET is missing a value/);
  });

  it('reads the project .env, which the shell environment overrides', () => {
    const run = io({ '/project/docker-compose.yml': REAL_TEXT, '/project/.env': 'LATTICE_AUDIT_MONGO_URL=mongodb://mongo:27099/x\n' });
    expect(runComposeCheck([], run)).toBe(1);
    expect(run.err.join('')).toMatch(/MONGO_URL names mongo:27099/);
    const overridden = io({ '/project/docker-compose.yml': REAL_TEXT, '/project/.env': 'LATTICE_AUDIT_MONGO_URL=mongodb://mongo:27099/x\n' }, { LATTICE_AUDIT_MONGO_URL: '' });
    expect(runComposeCheck([], overridden)).toBe(0);
  });
});
