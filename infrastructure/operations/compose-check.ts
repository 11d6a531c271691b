import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import {
  CONFIG_VARIABLES,
  ConfigError,
  parseConfig,
  parseDatabaseInitConfig,
  type DatabaseInitSettings,
  type LatticeConfig,
  type ServiceRole,
} from '../config/config';

/**
 * `npm run compose:check`: renders the compose file(s) as `docker compose config` would (YAML merge keys, `${…}`
 * interpolation, several files merged), without Docker, then checks every Lattice service against the configuration
 * schema: the variables it sets exist and validate for its role, its healthcheck asks the port it listens on, the
 * services and ports its URLs name exist, its dependencies wait for the right condition, it runs on non-superuser
 * database logins, and only the gateway is published. Values are never printed, only names (they hold secrets).
 */

export type Env = Readonly<Record<string, string | undefined>>;

// ---- interpolation --------------------------------------------------------------------------------------------------

export interface Interpolated {
  value: string;
  /** `${VAR:?…}` / `${VAR?…}` with VAR missing, or an invalid template: `docker compose` refuses to render. */
  errors: string[];
  /** `${VAR}` / `$VAR` with VAR unset: compose warns and substitutes an empty string. */
  unset: string[];
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/**
 * Compose's interpolation: `$$` is a literal `$`; `$VAR` and `${VAR}`; `${VAR:-default}` (unset or empty) and
 * `${VAR-default}` (unset); `${VAR:?message}` and `${VAR?message}` (an error instead); `${VAR:+other}` and
 * `${VAR+other}`. Defaults and replacements are interpolated in turn, so they may hold `${…}` themselves.
 */
export function interpolate(template: string, env: Env, path = 'value'): Interpolated {
  const result: Interpolated = { value: '', errors: [], unset: [] };
  result.value = substitute(template, env, path, result);
  return result;
}

function substitute(template: string, env: Env, path: string, out: Interpolated): string {
  let text = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, dollar);
    const next = template[dollar + 1];
    if (next === '$') {
      text += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(template, dollar + 2);
      if (end === -1) {
        out.errors.push(invalid(path, template));
        return text;
      }
      text += braced(template.slice(dollar + 2, end), env, path, template, out);
      i = end + 1;
      continue;
    }
    const name = NAME.exec(template.slice(dollar + 1))?.[0];
    if (name === undefined) {
      out.errors.push(invalid(path, template));
      return text;
    }
    text += lookup(name, env, out);
    i = dollar + 1 + name.length;
  }
  return text;
}

/** The `}` closing the `${` whose content starts at `from`, nested `${…}` and `$$` skipped; -1 when there is none. */
function closingBrace(template: string, from: number): number {
  let depth = 0;
  for (let i = from; i < template.length; i++) {
    const c = template[i];
    if (c === '$' && template[i + 1] === '$') i++;
    else if (c === '$' && template[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function braced(content: string, env: Env, path: string, template: string, out: Interpolated): string {
  const name = NAME.exec(content)?.[0];
  if (name === undefined) {
    out.errors.push(invalid(path, template));
    return '';
  }
  const rest = content.slice(name.length);
  if (rest === '') return lookup(name, env, out);
  const operator = /^(:-|:\?|:\+|-|\?|\+)/.exec(rest)?.[0];
  if (operator === undefined) {
    out.errors.push(invalid(path, template));
    return '';
  }
  const argument = rest.slice(operator.length);
  const value = env[name];
  const emptyCounts = operator.startsWith(':');
  const missing = value === undefined || (emptyCounts && value === '');
  switch (operator) {
    case ':-':
    case '-':
      return missing ? substitute(argument, env, path, out) : value;
    case ':+':
    case '+':
      return missing ? '' : substitute(argument, env, path, out);
    default:
      if (missing) {
        const message = substitute(argument, env, path, out);
        out.errors.push(`error while interpolating ${path}: required variable ${name} is missing a value${message ? `: ${message}` : ''}`);
        return '';
      }
      return value;
  }
}

function lookup(name: string, env: Env, out: Interpolated): string {
  const value = env[name];
  if (value === undefined) {
    if (!out.unset.includes(name)) out.unset.push(name);
    return '';
  }
  return value;
}

function invalid(path: string, template: string): string {
  return `invalid interpolation format for ${path}: ${JSON.stringify(template)}; you may need to escape any $ with another $`;
}

// ---- rendering ------------------------------------------------------------------------------------------------------

export interface Dependency {
  condition: string;
  required: boolean;
}

export interface RenderedService {
  name: string;
  image: string | undefined;
  build: boolean;
  command: string[] | undefined;
  /** Undefined: listed without a value and not in the environment, so unset in the container. */
  environment: Record<string, string | undefined>;
  dependsOn: Record<string, Dependency>;
  /** The healthcheck's `test`, as one string per element. */
  healthcheck: string[] | undefined;
  ports: string[];
  profiles: string[];
  restart: string | undefined;
  envFile: boolean;
}

export interface RenderedProject {
  services: Record<string, RenderedService>;
}

export interface RenderResult {
  project: RenderedProject;
  /** What makes `docker compose` refuse the files: interpolation errors, a file that is no compose file. */
  errors: string[];
  /** What compose only warns about: variables left unset (`${VAR}` without a default). */
  warnings: string[];
}

export interface ComposeDocument {
  name: string;
  document: unknown;
}

/** YAML 1.2 with merge keys (`<<: *anchor`), as compose reads it; a syntax error throws with the line. */
export function parseComposeText(text: string, name = 'docker-compose.yml'): unknown {
  return load(text, { filename: name });
}

/** The project `docker compose -f a -f b config` renders: each file interpolated, then merged over the previous ones. */
export function renderCompose(documents: readonly ComposeDocument[], env: Env): RenderResult {
  const errors: string[] = [];
  const unset = new Set<string>();
  const services: Record<string, RenderedService> = {};
  for (const { name, document } of documents) {
    const rendered = interpolateTree(document, env, '', errors, unset);
    if (!isMap(rendered)) {
      errors.push(`${name}: not a compose file (the top level is no mapping)`);
      continue;
    }
    const fileServices = rendered.services ?? {};
    if (!isMap(fileServices)) {
      errors.push(`${name}: services is no mapping`);
      continue;
    }
    for (const [serviceName, raw] of Object.entries(fileServices)) {
      if (!isMap(raw)) {
        errors.push(`${name}: service ${serviceName} is no mapping`);
        continue;
      }
      const service = normalizeService(serviceName, raw, env, errors);
      services[serviceName] = services[serviceName] ? mergeService(services[serviceName], service, raw) : service;
    }
  }
  const warnings = [...unset].map((v) => `the "${v}" variable is not set: defaulting to a blank string`);
  return { project: { services }, errors, warnings };
}

function interpolateTree(node: unknown, env: Env, path: string, errors: string[], unset: Set<string>): unknown {
  if (typeof node === 'string') {
    const result = interpolate(node, env, path || 'value');
    errors.push(...result.errors);
    result.unset.forEach((v) => unset.add(v));
    return result.value;
  }
  if (Array.isArray(node)) return node.map((item, i) => interpolateTree(item, env, `${path}[${i}]`, errors, unset));
  if (isMap(node)) {
    // Keys are not interpolated, values are (compose does the same).
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateTree(value, env, path ? `${path}.${key}` : key, errors, unset)]));
  }
  return node;
}

function normalizeService(name: string, raw: Record<string, unknown>, env: Env, errors: string[]): RenderedService {
  const healthcheck = isMap(raw.healthcheck) ? raw.healthcheck : undefined;
  return {
    name,
    image: typeof raw.image === 'string' ? raw.image : undefined,
    build: raw.build !== undefined && raw.build !== null,
    command: raw.command === undefined || raw.command === null ? undefined : words(raw.command),
    environment: environmentOf(name, raw.environment, env, errors),
    dependsOn: dependenciesOf(name, raw.depends_on, errors),
    healthcheck: healthcheck?.test === undefined ? undefined : words(healthcheck.test),
    ports: Array.isArray(raw.ports) ? raw.ports.map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : JSON.stringify(p))) : [],
    profiles: Array.isArray(raw.profiles) ? raw.profiles.map(String) : [],
    restart: typeof raw.restart === 'string' ? raw.restart : undefined,
    envFile: raw.env_file !== undefined && raw.env_file !== null,
  };
}

/**
 * A later file's service over an earlier one's, by compose's rules: single values and command/healthcheck test are
 * replaced, environment and depends_on merged entry by entry (the later file winning), ports concatenated.
 */
function mergeService(base: RenderedService, over: RenderedService, raw: Record<string, unknown>): RenderedService {
  const has = (key: string) => raw[key] !== undefined;
  return {
    name: base.name,
    image: has('image') ? over.image : base.image,
    build: base.build || over.build,
    command: has('command') ? over.command : base.command,
    environment: { ...base.environment, ...over.environment },
    dependsOn: { ...base.dependsOn, ...over.dependsOn },
    healthcheck: over.healthcheck ?? base.healthcheck,
    ports: [...base.ports, ...over.ports.filter((p) => !base.ports.includes(p))],
    profiles: has('profiles') ? over.profiles : base.profiles,
    restart: has('restart') ? over.restart : base.restart,
    envFile: base.envFile || over.envFile,
  };
}

function environmentOf(service: string, raw: unknown, env: Env, errors: string[]): Record<string, string | undefined> {
  const environment: Record<string, string | undefined> = {};
  if (raw === undefined || raw === null) return environment;
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const text = String(entry);
      const eq = text.indexOf('=');
      // `- NAME` without a value takes the value from the environment compose runs in, or leaves it unset.
      if (eq === -1) environment[text] = env[text];
      else environment[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return environment;
  }
  if (!isMap(raw)) {
    errors.push(`service ${service}: environment is neither a mapping nor a list`);
    return environment;
  }
  for (const [name, value] of Object.entries(raw)) {
    if (value === null || value === undefined) environment[name] = env[name];
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') environment[name] = String(value);
    else errors.push(`service ${service}: environment.${name} must be a string, number or boolean`);
  }
  return environment;
}

function dependenciesOf(service: string, raw: unknown, errors: string[]): Record<string, Dependency> {
  const dependencies: Record<string, Dependency> = {};
  if (raw === undefined || raw === null) return dependencies;
  if (Array.isArray(raw)) {
    for (const name of raw) dependencies[String(name)] = { condition: 'service_started', required: true };
    return dependencies;
  }
  if (!isMap(raw)) {
    errors.push(`service ${service}: depends_on is neither a mapping nor a list`);
    return dependencies;
  }
  for (const [name, value] of Object.entries(raw)) {
    const spec = isMap(value) ? value : {};
    dependencies[name] = {
      condition: typeof spec.condition === 'string' ? spec.condition : 'service_started',
      required: spec.required !== false,
    };
  }
  return dependencies;
}

/** A command as its words: a list as is, a string split as a shell would (quotes, no expansion). */
function words(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  const text = String(raw);
  const result: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) result.push(m[1] ?? m[2] ?? m[3] ?? '');
  return result;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- checks ---------------------------------------------------------------------------------------------------------

export type LatticeRole = ServiceRole | 'db-init';

export interface ServiceReport {
  name: string;
  /** `gateway: ok (role gateway, port 4000, 14 variables)`. */
  line: string;
  problems: string[];
}

export interface CheckResult {
  services: ServiceReport[];
  /** Every problem, each naming its service. */
  problems: string[];
}

/** Filled in where a service sets a secret to an empty value: the secrets come from the operator at run time. */
export const DUMMY_SECRETS: Readonly<Record<string, string>> = {
  LATTICE_CONTEXT_SECRET: 'compose-check-dummy-context-secret-0123456789',
  LATTICE_ADMIN_PASSWORD: 'compose-check-dummy-admin',
  LATTICE_DB_OWNER_PASSWORD: 'compose-check-dummy-owner',
  LATTICE_SERVICE_DB_PASSWORD: 'compose-check-dummy-service',
};

/** Variables the code reads beyond the schema: OTEL_* by the OpenTelemetry SDK (OTEL_BSP_*, …), these by Node itself. */
const RUNTIME_VARIABLES = new Set(['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'TZ']);
const KNOWN_PREFIXES = [
  // config.ts's SUBGRAPH_TIMEOUT_PREFIX: one subgraph's fetch timeout, LATTICE_SUBGRAPH_TIMEOUT_MS_<NAME>.
  'LATTICE_SUBGRAPH_TIMEOUT_MS_',
  'OTEL_',
];
const KNOWN = new Set(CONFIG_VARIABLES);

export function isLatticeVariable(name: string): boolean {
  return KNOWN.has(name) || RUNTIME_VARIABLES.has(name) || KNOWN_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length);
}

const PROGRAMS: readonly [RegExp, LatticeRole][] = [
  [/(^|\/)dist\/gateway\/main\.js$/, 'gateway'],
  [/(^|\/)dist\/subgraphs\/identity\/main\.js$/, 'identity'],
  [/(^|\/)dist\/subgraphs\/tenancy\/main\.js$/, 'tenancy'],
  [/(^|\/)dist\/subgraphs\/audit\/main\.js$/, 'audit'],
  [/(^|\/)dist\/schema\/registry\/main\.js$/, 'registry'],
  [/(^|\/)dist\/infrastructure\/operations\/db-init\.js$/, 'db-init'],
  [/(^|\/)dist\/platform\/main\.js$/, 'platform'],
];

/** The variable each role's port comes from. */
const PORT_VARIABLE: Record<ServiceRole, string> = {
  platform: 'PORT',
  gateway: 'PORT',
  identity: 'IDENTITY_PORT',
  tenancy: 'TENANCY_PORT',
  audit: 'AUDIT_PORT',
  registry: 'REGISTRY_PORT',
};

/** The ports the stores' images listen on. */
const IMAGE_PORTS: Readonly<Record<string, number>> = { postgres: 5432, redis: 6379, mongo: 27017 };
const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'rediss:': 6379, 'mongodb:': 27017 };

function isLatticeImage(service: RenderedService): boolean {
  return service.image === 'lattice:local' || service.build;
}

/** The role a Lattice service's command runs; the image's own CMD (no command) is the all-in-one platform. */
export function roleOf(service: RenderedService): LatticeRole | undefined {
  if (service.command === undefined) return 'platform';
  for (const word of service.command) {
    const match = PROGRAMS.find(([pattern]) => pattern.test(word));
    if (match) return match[1];
  }
  return undefined;
}

interface Analysis {
  service: RenderedService;
  role: LatticeRole | undefined;
  lattice: boolean;
  config: LatticeConfig | undefined;
  dbInit: DatabaseInitSettings | undefined;
  port: number | undefined;
  dummies: string[];
  problems: string[];
}

function imageName(image: string | undefined): string | undefined {
  if (image === undefined) return undefined;
  const withoutTag = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return withoutTag.slice(withoutTag.lastIndexOf('/') + 1);
}

function listenPort(config: LatticeConfig, role: ServiceRole): number {
  if (role === 'gateway' || role === 'platform') return config.port;
  if (role === 'registry') return config.registry.port;
  return config.subgraphs[role].port;
}

function analyse(service: RenderedService): Analysis {
  const analysis: Analysis = { service, role: undefined, lattice: isLatticeImage(service), config: undefined, dbInit: undefined, port: undefined, dummies: [], problems: [] };
  if (!analysis.lattice) return analysis;
  const problem = (text: string) => analysis.problems.push(`service ${service.name}: ${text}`);
  analysis.role = roleOf(service);
  if (analysis.role === undefined) {
    problem(`cannot tell which Lattice program its command runs (${JSON.stringify(service.command?.join(' '))})`);
    return analysis;
  }
  if (service.envFile) problem('env_file is not checked by compose:check: set the variables under environment');
  for (const name of Object.keys(service.environment)) {
    if (isLatticeVariable(name)) continue;
    const near = nearestVariable(name);
    problem(`${name} is not a Lattice variable${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const env: Record<string, string | undefined> = { ...service.environment };
  for (const [name, dummy] of Object.entries(DUMMY_SECRETS)) {
    if (env[name] !== undefined && env[name].trim() === '') {
      env[name] = dummy;
      analysis.dummies.push(name);
    }
  }
  try {
    if (analysis.role === 'db-init') analysis.dbInit = parseDatabaseInitConfig(env);
    else {
      analysis.config = parseConfig(env, analysis.role);
      analysis.port = listenPort(analysis.config, analysis.role);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    error.problems.forEach((p) => problem(p));
  }
  return analysis;
}

/** Checks a rendered project: one report per service, in the file's order. */
export function checkCompose(project: RenderedProject): CheckResult {
  const analyses = new Map(Object.values(project.services).map((service) => [service.name, analyse(service)]));
  const postgres = [...analyses.values()].filter((a) => imageName(a.service.image) === 'postgres');
  const superusers = new Map(postgres.map((a) => [a.service.name, { user: a.service.environment.POSTGRES_USER || 'postgres', password: a.service.environment.POSTGRES_PASSWORD }]));
  const dbInit = [...analyses.values()].find((a) => a.role === 'db-init');

  for (const analysis of analyses.values()) {
    const { service, role } = analysis;
    const problem = (text: string) => analysis.problems.push(`service ${service.name}: ${text}`);
    // f. Only the gateway (or the all-in-one platform) is published.
    if (service.ports.length > 0 && role !== 'gateway' && role !== 'platform') {
      problem(`publishes ${service.ports.join(', ')}: only the gateway is published; the rest is reached on the compose network`);
    }

    // c. The healthcheck asks the port the service listens on.
    if (analysis.lattice && role !== undefined && role !== 'db-init' && analysis.port !== undefined) {
      const test = service.healthcheck?.join(' ') ?? '';
      const asked = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::(\d+))?\/health\/ready([^\s'"`)]*)/.exec(test);
      if (!asked) problem(`has no healthcheck on http://127.0.0.1:${analysis.port}/health/ready`);
      else {
        const port = Number(asked[1] ?? 80);
        if (port !== analysis.port) problem(`healthcheck asks port ${port}, but ${role} listens on ${analysis.port} (${PORT_VARIABLE[role]})`);
        if (role === 'gateway' && /strict=/.test(asked[2] ?? '')) {
          problem('healthcheck uses /health/ready?strict=…: the gateway serves with a subgraph down, so ask plain /health/ready');
        }
      }
    }
    if (role === 'db-init' && service.restart !== 'no' && service.restart !== 'on-failure' && !(service.restart ?? '').startsWith('on-failure:')) {
      problem(`restart: ${service.restart ?? 'no'} restarts a one-shot that exited 0: use restart: "no"`);
    }

    // d. Dependencies exist and wait for the right condition.
    for (const [target, dependency] of Object.entries(service.dependsOn)) {
      const other = analyses.get(target);
      if (!other) {
        problem(`depends_on names ${target}, which is no service`);
        continue;
      }
      const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
      if (!conditions.includes(dependency.condition)) problem(`depends_on ${target}: condition ${dependency.condition} is none of ${conditions.join(', ')}`);
      if (other.service.profiles.length > 0 && dependency.required && !other.service.profiles.some((p) => service.profiles.includes(p))) {
        problem(`depends_on ${target}, which runs only with the profile ${other.service.profiles.join(' or ')}: \`docker compose up\` without it fails`);
      }
      if (dependency.condition === 'service_healthy' && other.service.healthcheck === undefined) problem(`waits for ${target} to be healthy, but ${target} has no healthcheck`);
      if (analysis.lattice && other.role === 'db-init' && dependency.condition !== 'service_completed_successfully') {
        problem(`depends_on ${target} (db-init) must wait for condition service_completed_successfully, not ${dependency.condition}`);
      }
      if (analysis.lattice && other.lattice && other.role !== undefined && other.role !== 'db-init' && dependency.condition !== 'service_healthy') {
        problem(`depends_on ${target} (a Lattice service) must wait for condition service_healthy, not ${dependency.condition}`);
      }
    }

    if (!analysis.lattice) continue;

    // d. URLs name services, on the ports they listen on.
    for (const [name, value] of Object.entries(service.environment)) {
      if (!value || !(name.endsWith('_URL') || name === 'OTEL_EXPORTER_OTLP_ENDPOINT')) continue;
      if (reservedInLogin(value)) {
        problem(`${name}: its login holds a character a URL reserves (@ / ? #): percent-encode the password there (or choose one of A-Z a-z 0-9 - . _ ~)`);
        continue;
      }
      const url = parseUrl(value);
      if (!url || !url.hostname) continue;
      const host = url.hostname;
      if (host === 'localhost' || host.includes('.') || host.includes(':') || host.startsWith('[')) continue;
      const other = analyses.get(host);
      if (!other) {
        problem(`${name} names host ${host}, which is no service`);
        continue;
      }
      const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
      const expected = other.port ?? IMAGE_PORTS[imageName(other.service.image) ?? ''];
      const what = other.port !== undefined ? `${host} listens on ${expected} (its ${PORT_VARIABLE[other.role as ServiceRole]})` : `${host} (${other.service.image}) listens on ${expected}`;
      if (port !== undefined && expected !== undefined && expected !== 0 && port !== expected) problem(`${name} names ${host}:${port}, but ${what}`);
    }

    // e. Database logins: the owner for migrations, an unprivileged login to run as, never the superuser.
    if (role === 'db-init') {
      checkDatabaseInit(analysis, superusers, problem);
      continue;
    }
    for (const [name, value] of Object.entries(service.environment)) {
      const url = value ? parseUrl(value) : undefined;
      if (!url || !/^postgres(ql)?:$/.test(url.protocol)) continue;
      const superuser = superusers.get(url.hostname);
      if (superuser && decode(url.username) === superuser.user) {
        problem(`${name} logs in as ${superuser.user}, the PostgreSQL superuser of ${url.hostname}: only db-init's LATTICE_DB_ADMIN_URL may`);
      }
    }
    const databases = Object.keys(service.environment)
      .map((name) => /^([A-Z]+)_DATABASE_URL$/.exec(name)?.[1])
      .filter((prefix): prefix is string => prefix !== undefined && Boolean(service.environment[`${prefix}_DATABASE_URL`]));
    for (const prefix of databases) {
      const ownerVariable = `${prefix}_DATABASE_URL`;
      const appVariable = `${prefix}_DATABASE_APP_URL`;
      const owner = parseUrl(service.environment[ownerVariable] ?? '');
      const appValue = service.environment[appVariable];
      const app = appValue ? parseUrl(appValue) : undefined;
      if (!appValue) problem(`${appVariable} is not set: the service would run as the owner login of ${ownerVariable}`);
      else if (owner && app && decode(owner.username) === decode(app.username)) {
        problem(`${appVariable} logs in as ${decode(app.username)}, as ${ownerVariable} does: the service must run as a login other than the owner`);
      }
      if (dbInit?.dbInit && owner) checkAgainstDbInit(ownerVariable, owner, dbInit, 'owner', prefix, problem);
      if (dbInit?.dbInit && app) checkAgainstDbInit(appVariable, app, dbInit, 'service', prefix, problem);
      if (owner && superusers.has(owner.hostname)) {
        const onPostgres = service.dependsOn[owner.hostname];
        if (!onPostgres || onPostgres.condition !== 'service_healthy') problem(`does not wait for ${owner.hostname} (depends_on ${owner.hostname}: condition service_healthy)`);
      }
      if (dbInit && !service.dependsOn[dbInit.service.name]) problem(`does not wait for ${dbInit.service.name} (depends_on ${dbInit.service.name}: condition service_completed_successfully)`);
    }
  }

  const services = [...analyses.values()].map((a) => ({ name: a.service.name, line: summary(a), problems: a.problems }));
  return { services, problems: services.flatMap((s) => s.problems) };
}

function checkDatabaseInit(analysis: Analysis, superusers: Map<string, { user: string; password: string | undefined }>, problem: (text: string) => void): void {
  const adminUrl = analysis.service.environment.LATTICE_DB_ADMIN_URL;
  if (!adminUrl) {
    problem('LATTICE_DB_ADMIN_URL is not set: db-init would use postgres://postgres@127.0.0.1:5432/postgres, which is not on the compose network');
    return;
  }
  const url = parseUrl(adminUrl);
  const superuser = url ? superusers.get(url.hostname) : undefined;
  if (!url || !superuser) return;
  if (decode(url.username) !== superuser.user) problem(`LATTICE_DB_ADMIN_URL logs in as ${decode(url.username)}, but the superuser of ${url.hostname} is ${superuser.user} (POSTGRES_USER)`);
  else if (superuser.password !== undefined && decode(url.password) !== superuser.password) problem(`the password in LATTICE_DB_ADMIN_URL is not ${url.hostname}'s POSTGRES_PASSWORD`);
}

function checkAgainstDbInit(variable: string, url: URL, dbInit: Analysis, login: 'owner' | 'service', prefix: string, problem: (text: string) => void): void {
  const settings = dbInit.dbInit!;
  const expected = settings[login];
  const nameVariable = login === 'owner' ? 'LATTICE_DB_OWNER' : 'LATTICE_DB_SERVICE_LOGIN';
  const passwordVariable = login === 'owner' ? 'LATTICE_DB_OWNER_PASSWORD' : 'LATTICE_SERVICE_DB_PASSWORD';
  const user = decode(url.username);
  const of = dbInit.service.name;
  if (user !== expected.name) problem(`${variable} logs in as ${user}, but ${of} makes the ${login} login ${expected.name} (${nameVariable})`);
  else if (expected.password !== undefined && !dbInit.dummies.includes(passwordVariable) && decode(url.password) !== expected.password) {
    problem(`the password in ${variable} is not ${of}'s ${passwordVariable} (a password with characters a URL reserves must be percent-encoded there)`);
  }
  const database = decode(url.pathname.replace(/^\//, ''));
  const wanted = `${settings.databasePrefix}_${prefix.toLowerCase()}`;
  if (database !== wanted) problem(`${variable} names the database ${database || '(none)'}, but ${of} makes ${wanted}`);
  const admin = parseUrl(settings.adminUrl);
  if (admin && admin.host !== url.host) problem(`${variable} names the server ${url.host}, but ${of} prepares ${admin.host}`);
}

function summary(a: Analysis): string {
  const { service } = a;
  const status = a.problems.length === 0 ? 'ok' : `${a.problems.length} problem${a.problems.length === 1 ? '' : 's'}`;
  const profile = service.profiles.length > 0 ? `, profile ${service.profiles.join(', ')}` : '';
  if (!a.lattice) return `${service.name}: ${status} (image ${service.image ?? '(none)'}${profile})`;
  const details = [`role ${a.role ?? 'unknown'}`];
  if (a.role === 'db-init') details.push('one-shot');
  else if (a.port !== undefined) details.push(`port ${a.port}`);
  const count = Object.keys(service.environment).length;
  details.push(`${count} variable${count === 1 ? '' : 's'}`);
  if (a.dummies.length > 0) details.push(`empty ${a.dummies.join(', ')} checked with a dummy`);
  return `${service.name}: ${status} (${details.join(', ')}${profile})`;
}

/** Schemes whose URLs carry a login; a reserved character in it moves the parsed host into the password. */
const LOGIN_SCHEMES = /^(postgres|postgresql|redis|rediss|mongodb|mongodb\+srv):\/\//;

/** A login part (before the last `@`) holding `/`, `?`, `#` or another `@`: the URL does not say what it seems to. */
function reservedInLogin(value: string): boolean {
  const scheme = LOGIN_SCHEMES.exec(value);
  const at = value.lastIndexOf('@');
  if (!scheme || at === -1) return false;
  return /[/?#@]/.test(value.slice(scheme[0].length, at));
}

/** The URL, unless it does not parse or its login is ambiguous (reported once, by the URL check, without the value). */
function parseUrl(value: string): URL | undefined {
  if (reservedInLogin(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The known variable a misspelled name most likely meant (at most 2 edits away), for the message. */
function nearestVariable(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of CONFIG_VARIABLES) {
    const distance = editDistance(name, known);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---- command line ---------------------------------------------------------------------------------------------------

export interface ComposeCheckIo {
  /** The environment compose would interpolate with (the shell's). */
  env: Env;
  /** Where relative paths start; without --file the compose file is looked for here, then in its parents, as compose does. */
  cwd: string;
  readFile: (path: string) => string;
  exists: (path: string) => boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

/** CI has no secret: what a run without them in the environment interpolates with. LATTICE_ADMIN_PASSWORD stays unset. */
export const CHECK_DEFAULTS: Readonly<Record<string, string>> = { LATTICE_CONTEXT_SECRET: DUMMY_SECRETS.LATTICE_CONTEXT_SECRET! };

const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const USAGE = `usage: npm run compose:check [-- --file docker-compose.yml [--file override.yml …]] [--env-file FILE …]

Renders the compose files as \`docker compose config\` would (merge keys, \${…} interpolation, later files merged
over earlier ones), once with no variable set and once with the environment (plus .env in the project directory,
or the --env-file files; LATTICE_CONTEXT_SECRET defaults to a dummy), and checks each Lattice service against the
configuration schema. Without --file: COMPOSE_FILE, else docker-compose.yml (and docker-compose.override.yml when
present) here or in a parent directory. Exit 1 on any problem, 2 on a usage error.
`;

export function runComposeCheck(args: readonly string[], io: ComposeCheckIo): number {
  let flags: { file?: string[]; 'env-file'?: string[]; help?: boolean };
  try {
    flags = parseArgs({
      args: [...args],
      options: { file: { type: 'string', short: 'f', multiple: true }, 'env-file': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr(`compose:check: ${messageOf(error)}\n${USAGE}`);
    return EXIT.usage;
  }
  if (flags.help) {
    io.stdout(USAGE);
    return EXIT.passed;
  }
  const files = composeFiles(flags.file, io);
  if (typeof files === 'string') {
    io.stderr(`compose:check: ${files}\n${USAGE}`);
    return EXIT.usage;
  }
  const projectDir = dirname(files[0]!);
  const envFiles = flags['env-file']?.map((f) => resolve(io.cwd, f)) ?? [join(projectDir, '.env')].filter((f) => io.exists(f));
  const missing = envFiles.find((f) => !io.exists(f));
  if (missing) {
    io.stderr(`compose:check: no env file ${missing}\n${USAGE}`);
    return EXIT.usage;
  }
  let fromFiles: Record<string, string> = {};
  for (const file of envFiles) fromFiles = { ...fromFiles, ...parseEnvFile(io.readFile(file), { ...fromFiles, ...io.env }) };
  const env: Env = { ...CHECK_DEFAULTS, ...fromFiles, ...io.env };

  const shown = files.map((f) => relativeTo(io.cwd, f));
  io.stdout(`compose:check ${shown.join(' + ')}${envFiles.length > 0 ? ` (variables from ${envFiles.map((f) => relativeTo(io.cwd, f)).join(', ')} too)` : ''}\n`);
  const documents: ComposeDocument[] = [];
  for (const file of files) {
    try {
      documents.push({ name: relativeTo(io.cwd, file), document: parseComposeText(io.readFile(file), relativeTo(io.cwd, file)) });
    } catch (error) {
      io.stderr(`compose:check FAILED: ${messageOf(error)}\n`);
      return EXIT.failed;
    }
  }
  // The point of `${VAR:-}` over `${VAR:?…}`: `docker compose ps`, `logs` and `down` work with nothing set.
  const bare = renderCompose(documents, {});
  if (bare.errors.length > 0) {
    io.stderr(`compose:check FAILED: the files do not render with no variable set (docker compose ps/logs/down would fail):\n${bare.errors.map((e) => `  - ${e}\n`).join('')}`);
    return EXIT.failed;
  }
  const rendered = renderCompose(documents, env);
  for (const warning of rendered.warnings) io.stderr(`warning: ${warning}\n`);
  if (rendered.errors.length > 0) {
    io.stderr(`compose:check FAILED: the files do not render:\n${rendered.errors.map((e) => `  - ${e}\n`).join('')}`);
    return EXIT.failed;
  }
  const result = checkCompose(rendered.project);
  for (const service of result.services) io.stdout(`  ${service.line}\n`);
  if (result.problems.length > 0) {
    io.stderr(`compose:check FAILED: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:\n${result.problems.map((p) => `  - ${p}\n`).join('')}`);
    return EXIT.failed;
  }
  io.stdout(`compose:check passed: ${result.services.length} services; renders with no variable set\n`);
  return EXIT.passed;
}

/** The files to render, absolute, or what is wrong. */
function composeFiles(given: readonly string[] | undefined, io: ComposeCheckIo): string[] | string {
  const fromEnv = io.env.COMPOSE_FILE?.trim() ? io.env.COMPOSE_FILE.split(io.env.COMPOSE_PATH_SEPARATOR || ':').filter(Boolean) : undefined;
  const listed = given ?? fromEnv;
  if (listed) {
    const files = listed.map((f) => resolve(io.cwd, f));
    const missing = files.find((f) => !io.exists(f));
    return missing ? `no compose file ${missing}` : files;
  }
  for (let dir = resolve(io.cwd); ; dir = dirname(dir)) {
    const found = DEFAULT_FILES.map((f) => join(dir, f)).find((f) => io.exists(f));
    if (found) {
      const override = found.replace(/\.(ya?ml)$/, '.override.$1');
      return io.exists(override) ? [found, override] : [found];
    }
    if (dirname(dir) === dir) return `no ${DEFAULT_FILES.join(', ')} in ${io.cwd} or above`;
  }
}

/**
 * A compose env file: `NAME=value` lines, `#` comments, optional `export `, values in single quotes (literal), double
 * quotes (\\n, \\" and \\\\ escapes, interpolated) or bare (interpolated, a ` #` comment cut off).
 */
export function parseEnvFile(text: string, env: Env = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = rawLine.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const scope = { ...env, ...values };
    if (value.startsWith("'")) value = value.slice(1, value.indexOf("'", 1) === -1 ? undefined : value.indexOf("'", 1));
    else if (value.startsWith('"')) {
      const body = /^"((?:[^"\\]|\\.)*)"?/.exec(value)?.[1] ?? '';
      value = interpolate(body.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)), scope).value;
    } else value = interpolate(value.replace(/\s+#.*$/, ''), scope).value;
    values[name] = value;
  }
  return values;
}

function relativeTo(cwd: string, file: string): string {
  const base = resolve(cwd);
  return file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** npm runs scripts in the package root; the directory it was invoked from is INIT_CWD, as for schema/registry/cli. */
function invocationDirectory(env: Env): string {
  const cwd = resolve(process.cwd());
  return env.INIT_CWD && existsSync(join(cwd, 'package.json')) ? env.INIT_CWD : cwd;
}

if (require.main === module) {
  // compose interpolates with the shell's environment, and so does this check of it.
  // eslint-disable-next-line no-restricted-properties
  const env = process.env;
  process.exitCode = runComposeCheck(process.argv.slice(2), {
    env,
    cwd: invocationDirectory(env),
    readFile: (path) => readFileSync(path, 'utf8'),
    exists: existsSync,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
