#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GraphQLError, parse } from 'graphql';
import { projectRoot } from '../../infrastructure/config/project-root';
import { changeLines, checkReport, countChanges, listReport, refusalReasons } from './cli-report';
import { type PublishResult, RegistryClient, RegistryError, type RegistryErrorKind, type RegistrySupergraph } from './registry-client';

/** Everything the CLI touches outside itself, passed in so tests can run `main` against a fake registry and files. */
export interface CliIo {
  /** LATTICE_REGISTRY_URL, LATTICE_REGISTRY_TOKEN, and the author and commit defaults (LATTICE_SCHEMA_AUTHOR, GITHUB_*, USER). */
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  writeFile: (path: string, text: string) => Promise<void>;
  fetch: typeof fetch;
  /** `git rev-parse HEAD` where the command was typed, or null; asked only by publish without --commit or GITHUB_SHA. Absent: null. */
  currentCommit?: () => Promise<string | null>;
}

/** The exit codes, in one place, since CI steps branch on them. */
const EXIT = { done: 0, failed: 1, error: 2 } as const;
/** A lost publish race is a refusal like a failed check; everything else the registry can answer means "could not run". */
const EXIT_BY_KIND: Record<RegistryErrorKind, number> = {
  conflict: EXIT.failed,
  connection: EXIT.error,
  credential: EXIT.error,
  'not-found': EXIT.error,
  'bad-input': EXIT.error,
  unexpected: EXIT.error,
};

/** A failure the CLI reports as one line: its exit code, a kind for `--json`, and, for a lost race, the winning version. */
class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    readonly kind: string,
    message: string,
    readonly currentVersion?: number,
  ) {
    super(message);
  }
}

const OPTIONS = {
  registry: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  subgraph: { type: 'string' },
  schema: { type: 'string' },
  'window-days': { type: 'string' },
  url: { type: 'string' },
  author: { type: 'string' },
  commit: { type: 'string' },
  new: { type: 'boolean' },
  out: { type: 'string' },
  client: { type: 'string' },
  manifest: { type: 'string' },
} as const;
type OptionName = keyof typeof OPTIONS;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: true; tokens: true }>>['values'];
const COMMON_OPTIONS: readonly OptionName[] = ['registry', 'token', 'json', 'help'];
const METAVAR: Partial<Record<OptionName, string>> = { registry: 'URL', token: 'TOKEN', subgraph: 'NAME', schema: 'FILE', 'window-days': 'N', url: 'URL', author: 'NAME', commit: 'SHA', out: 'FILE', client: 'NAME', manifest: 'FILE' };

interface RunContext {
  values: Values;
  positionals: string[];
  /** The client, made at first use: a command checks its flags and schema file before the registry settings. */
  registry: () => RegistryClient;
  io: CliIo;
}
/** What a command produced: the exit code and the same answer twice, as a report and as one JSON document. */
interface Outcome {
  exitCode: number;
  human: string;
  json: unknown;
}
interface Command {
  synopsis: string;
  summary: string;
  options: readonly OptionName[];
  positionals: readonly string[];
  run: (context: RunContext) => Promise<Outcome>;
}

/** The commands, one entry each; adding one touches nothing else. */
const COMMANDS: Record<string, Command> = {
  check: {
    synopsis: 'check --subgraph NAME --schema FILE [--window-days N]',
    summary: 'checks a subgraph schema against the registry (composition, changes, recorded operations, lint) without publishing it',
    options: ['subgraph', 'schema', 'window-days'],
    positionals: [],
    async run({ values, registry, io }) {
      const subgraph = required(values, 'subgraph', 'check');
      const file = required(values, 'schema', 'check');
      const windowDays = values['window-days'] === undefined ? undefined : positiveInt(values['window-days'], '--window-days', 'check');
      const sdl = await readSchema(io, file);
      const check = await registry().checkSubgraph({ subgraph, sdl, windowDays });
      return { exitCode: check.passed ? EXIT.done : EXIT.failed, human: checkReport(check).join('\n'), json: check };
    },
  },
  publish: {
    synopsis: 'publish --subgraph NAME --schema FILE --url URL [--author NAME] [--commit SHA] [--new]',
    summary: 'publishes a subgraph schema served at URL, refused when the supergraph does not compose with it. --new registers a subgraph the registry does not know yet',
    options: ['subgraph', 'schema', 'url', 'author', 'commit', 'new'],
    positionals: [],
    run: publish,
  },
  list: {
    synopsis: 'list',
    summary: 'lists the current version of each subgraph, and the supergraph',
    options: [],
    positionals: [],
    async run({ registry }) {
      const client = registry();
      const [subgraphs, supergraph] = await Promise.all([client.registrySubgraphs(), client.registrySupergraph()]);
      return { exitCode: EXIT.done, human: listReport(subgraphs, supergraph).join('\n'), json: { subgraphs, supergraph: supergraph && withoutSdl(supergraph) } };
    },
  },
  diff: {
    synopsis: 'diff --subgraph NAME FROM TO',
    summary: 'shows the changes between two published versions of a subgraph',
    options: ['subgraph'],
    positionals: ['FROM', 'TO'],
    async run({ values, positionals, registry }) {
      const subgraph = required(values, 'subgraph', 'diff');
      const [from, to] = positionals.map((text, index) => positiveInt(text, index === 0 ? 'FROM' : 'TO', 'diff')) as [number, number];
      const changes = await registry().registryDiff(subgraph, from, to);
      const header = `diff ${subgraph} version ${from} to ${to}: ${changes.length === 0 ? 'no changes' : countChanges(changes)}`;
      return { exitCode: EXIT.done, human: [header, ...changes.flatMap(changeLines)].join('\n'), json: { subgraph, from, to, changes } };
    },
  },
  'register-operations': {
    synopsis: 'register-operations --client NAME --manifest FILE',
    summary: "registers a client's persisted operations (an Apollo persisted-query manifest) for the safelist, each checked against the current supergraph; nothing is stored unless all pass",
    options: ['client', 'manifest'],
    positionals: [],
    async run({ values, registry, io }) {
      const clientName = required(values, 'client', 'register-operations');
      const file = required(values, 'manifest', 'register-operations');
      const manifest = await io.readFile(file).catch((error: unknown) => {
        throw new CliFailure(EXIT.error, 'file', `cannot read ${file}: ${fileReason(error)}`);
      });
      const result = await registry().registerPersistedOperations({ clientName, manifest });
      if (result.problems.length > 0) {
        const lines = result.problems.map((p) => `  ${p.index < 0 ? 'manifest' : `operation ${p.index}${p.name ? ` (${p.name})` : ''}`}: ${p.message}`);
        return { exitCode: EXIT.failed, human: [`refused: ${result.problems.length} problem(s) in ${file}; nothing was registered`, ...lines].join('\n'), json: result };
      }
      return { exitCode: EXIT.done, human: `registered ${result.registered} operation(s) of ${clientName}; ${result.alreadyKnown} already known`, json: result };
    },
  },
  'fetch-supergraph': {
    synopsis: 'fetch-supergraph [--out FILE]',
    summary: 'writes the composed supergraph SDL to FILE, or to stdout',
    options: ['out'],
    positionals: [],
    async run({ values, registry, io }) {
      const supergraph = await registry().registrySupergraph();
      if (!supergraph) throw new CliFailure(EXIT.error, 'not-found', 'the registry has no supergraph: nothing has been composed yet; publish a subgraph first');
      const sdl = supergraph.sdl.endsWith('\n') ? supergraph.sdl : `${supergraph.sdl}\n`;
      if (values.out === undefined) return { exitCode: EXIT.done, human: sdl, json: supergraph };
      const out = values.out;
      await io.writeFile(out, sdl).catch((error: unknown) => {
        throw new CliFailure(EXIT.error, 'file', `cannot write ${out}: ${fileReason(error)}`);
      });
      return { exitCode: EXIT.done, human: `wrote ${out} (supergraph ${supergraph.id})`, json: { ...withoutSdl(supergraph), out } };
    },
  },
};

/**
 * `lattice-schema <command> [options]` (also `npm run schema -- <command>`): the schema registry from a terminal or a
 * CI step. Answers the exit code instead of exiting, and never throws: every failure is one `lattice-schema: …` line.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  let tokenSent = false;
  try {
    const invocation = parseCommandLine(argv);
    if ('help' in invocation) {
      io.stdout(invocation.help);
      return EXIT.done;
    }
    const { values, positionals } = invocation;
    const registry = () => {
      const { url, token } = registrySettings(values, io.env);
      tokenSent = token !== undefined;
      return new RegistryClient({ url, token, fetch: io.fetch });
    };
    const outcome = await invocation.command.run({ values, positionals, registry, io });
    io.stdout(json ? `${JSON.stringify(outcome.json, null, 2)}\n` : withNewline(outcome.human));
    return outcome.exitCode;
  } catch (error) {
    const failure = failureOf(error, tokenSent);
    const message = failure.message.replace(/\s*\n\s*/g, ' ');
    io.stderr(`lattice-schema: ${message}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { kind: failure.kind, message, currentVersion: failure.currentVersion } }, null, 2)}\n`);
    return failure.exitCode;
  }
}

async function publish({ values, registry, io }: RunContext): Promise<Outcome> {
  const subgraph = required(values, 'subgraph', 'publish');
  const file = required(values, 'schema', 'publish');
  const url = required(values, 'url', 'publish');
  if (!isHttpUrl(url)) throw usage(`--url must be the http(s) URL the subgraph is served at (got ${JSON.stringify(url)})`, 'publish');
  const sdl = await readSchema(io, file);
  const env = io.env;
  const author = nonEmpty(values.author) ?? nonEmpty(env.LATTICE_SCHEMA_AUTHOR) ?? nonEmpty(env.GITHUB_ACTOR) ?? nonEmpty(env.USER) ?? 'unknown';
  const commit = nonEmpty(values.commit) ?? nonEmpty(env.GITHUB_SHA) ?? (await io.currentCommit?.().catch(() => null)) ?? null;
  let result: PublishResult;
  try {
    result = await registry().publishSubgraph({ subgraph, sdl, url, author, commit, new: values.new ?? false });
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    // A CONFLICT with currentVersion lost a race; one without (such as --new for a known subgraph) explains itself.
    if (error.kind === 'conflict' && error.currentVersion !== undefined) {
      const message = `another publish of ${subgraph} won: the registry is at version ${error.currentVersion} now; nothing was published: check against it and publish again`;
      throw new CliFailure(EXIT.failed, 'conflict', message, error.currentVersion);
    }
    if (error.kind === 'not-found' && !values.new) throw new RegistryError('not-found', `${error.message}; pass --new to register a new subgraph`);
    throw error;
  }
  const report = checkReport(result.check);
  if (!result.published) {
    return { exitCode: EXIT.failed, human: [`refused: ${subgraph} was not published (${refusalReasons(result.check)}); nothing changed`, '', ...report].join('\n'), json: result };
  }
  const supergraph = result.supergraphId === null ? 'no supergraph composed' : `supergraph ${result.supergraphId}`;
  return { exitCode: EXIT.done, human: [`published ${subgraph} version ${result.version ?? '?'}; ${supergraph}`, '', ...report].join('\n'), json: result };
}

type Invocation = { help: string } | { command: Command; values: Values; positionals: string[] };

function parseCommandLine(argv: string[]): Invocation {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    // Node's messages go on to explain `--` at length; the first sentence is the one line a reader needs.
    const first = messageOf(error).split(/\.\s/)[0]!;
    throw usage(first.charAt(0).toLowerCase() + first.slice(1), commandIn(argv));
  }
  const { values, tokens } = parsed;
  const [name, ...positionals] = parsed.positionals;
  if (name === 'help' || (name === undefined && values.help)) return { help: helpFor(positionals[0]) };
  if (name === undefined) throw usage('no command given', undefined);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new CliFailure(EXIT.error, 'usage', `unknown command ${JSON.stringify(name)}; the commands are ${Object.keys(COMMANDS).join(', ')}`);
  if (values.help) return { help: helpFor(name) };

  const allowed = new Set<string>([...COMMON_OPTIONS, ...command.options]);
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (!allowed.has(token.name)) throw usage(`${name} does not take ${token.rawName}`, name);
    // parseArgs keeps the last of a repeated option; a second --subgraph is more likely a mistake than a correction.
    if (seen.has(token.name)) throw usage(`--${token.name} is given twice`, name);
    seen.add(token.name);
  }
  if (positionals.length !== command.positionals.length) {
    const expected = command.positionals.length === 0 ? 'no arguments' : `${command.positionals.join(' and ')}`;
    throw usage(`${name} takes ${expected} (got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')})`, name);
  }
  return { command, values, positionals };
}

function helpFor(name: string | undefined): string {
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const common = [
    '  --registry URL  the registry origin, such as http://localhost:4000 (default: LATTICE_REGISTRY_URL)',
    '  --token TOKEN   an access token or a lat_ API key, sent as a bearer token (default: LATTICE_REGISTRY_TOKEN)',
    '  --json          one JSON document on stdout instead of the report',
    '  -h, --help      this help',
  ];
  const exits = 'exit codes: 0 passed or done; 1 check failed, publish refused or lost to another publish, or the schema does not parse; 2 anything else (usage, credentials, unreachable registry, unknown subgraph, unreadable file)';
  if (command) return [`usage: lattice-schema ${command.synopsis}`, '', command.summary, '', 'options:', ...common, '', exits, ''].join('\n');
  const width = Math.max(...Object.keys(COMMANDS).map((key) => key.length));
  const list = Object.entries(COMMANDS).map(([key, { summary }]) => `  ${key.padEnd(width)}  ${summary.split('. ')[0]}`);
  return ['usage: lattice-schema <command> [options]', '', 'commands:', ...list, '', 'options of every command:', ...common, '', exits, ''].join('\n');
}

function commandIn(argv: readonly string[]): string | undefined {
  return argv.find((arg) => Object.hasOwn(COMMANDS, arg));
}

function usage(message: string, command: string | undefined): CliFailure {
  return new CliFailure(EXIT.error, 'usage', `${message}; see lattice-schema ${command ? `${command} ` : ''}--help`);
}

function required(values: Values, option: OptionName, command: string): string {
  const value = values[option];
  if (typeof value !== 'string' || value === '') throw usage(`${command} needs --${option} ${METAVAR[option] ?? ''}`.trimEnd(), command);
  return value;
}

/** GraphQL's Int is 32-bit; a larger number would be refused by the registry with a less helpful message. */
function positiveInt(text: string, what: string, command: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= 2_147_483_647)) throw usage(`${what} must be a whole number, 1 or more (got ${JSON.stringify(text)})`, command);
  return value;
}

function registrySettings(values: Values, env: CliIo['env']): { url: string; token: string | undefined } {
  const url = nonEmpty(values.registry) ?? nonEmpty(env.LATTICE_REGISTRY_URL);
  if (!url) throw new CliFailure(EXIT.error, 'usage', 'no registry given: set LATTICE_REGISTRY_URL or pass --registry URL (an origin such as http://localhost:4000)');
  const source = values.registry ? '--registry' : 'LATTICE_REGISTRY_URL';
  if (!isHttpUrl(url)) throw new CliFailure(EXIT.error, 'usage', `${source} must be an http(s) origin such as http://localhost:4000 (got ${JSON.stringify(url)})`);
  return { url, token: nonEmpty(values.token) ?? nonEmpty(env.LATTICE_REGISTRY_TOKEN) };
}

/** The schema file's text, refused before any request when it is not GraphQL: the error points at the line to fix. */
async function readSchema(io: CliIo, file: string): Promise<string> {
  let sdl: string;
  try {
    sdl = await io.readFile(file);
  } catch (error) {
    throw new CliFailure(EXIT.error, 'file', `cannot read ${file}: ${fileReason(error)}`);
  }
  try {
    parse(sdl);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const at = error.locations?.[0];
    throw new CliFailure(EXIT.failed, 'schema', `${file}:${at ? `${at.line}:${at.column}` : '1:1'}: ${error.message}`);
  }
  return sdl;
}

function failureOf(error: unknown, tokenSent: boolean): CliFailure {
  if (error instanceof CliFailure) return error;
  if (!(error instanceof RegistryError)) {
    return new CliFailure(EXIT.error, 'unexpected', `internal error: ${messageOf(error)}`);
  }
  const hint =
    error.kind === 'connection'
      ? '; check --registry or LATTICE_REGISTRY_URL'
      : error.kind !== 'credential'
        ? ''
        : tokenSent
          ? '; check the token (--token or LATTICE_REGISTRY_TOKEN: an access token or a lat_ API key) and its permissions'
          : '; no token was sent: set LATTICE_REGISTRY_TOKEN or pass --token';
  return new CliFailure(EXIT_BY_KIND[error.kind], error.kind, `${error.message}${hint}`, error.currentVersion);
}

/** The supergraph's identity without its (long) SDL, for JSON answers that do not print the schema. */
function withoutSdl({ id, createdAt, subgraphs }: RegistrySupergraph): Omit<RegistrySupergraph, 'sdl'> {
  return { id, createdAt, subgraphs };
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && ['http:', 'https:'].includes(new URL(text).protocol);
}

function fileReason(error: unknown): string {
  const code = stringProperty(error, 'code');
  const known: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' };
  return (code && known[code]) ?? messageOf(error);
}

/**
 * An error's message, read by shape rather than `instanceof Error`: errors made by Node itself (fs, parseArgs) come
 * from another realm under Jest, and a thrown non-Error still deserves a line.
 */
function messageOf(error: unknown): string {
  return stringProperty(error, 'message') ?? String(error);
}

function stringProperty(value: unknown, key: 'message' | 'code'): string | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const property: unknown = (value as Record<typeof key, unknown>)[key];
  return typeof property === 'string' ? property : undefined;
}

/**
 * Where the command was typed, which relative paths and git are resolved against. `npm run` starts in the package root
 * and records the typed-in directory as INIT_CWD; it counts only when we are in that root, since an INIT_CWD inherited
 * by a script that changed directory would point elsewhere.
 */
function invocationDirectory(env: CliIo['env']): string {
  const cwd = resolve(process.cwd());
  let root: string | undefined;
  try {
    root = projectRoot();
  } catch {
    root = undefined; // a copy of the CLI outside any package: no npm run, so the working directory is the answer
  }
  return env.INIT_CWD && cwd === root ? env.INIT_CWD : cwd;
}

/** The real process's files and git, relative paths resolved against `invocationDir`. */
export function localEffects(invocationDir: string): Pick<CliIo, 'readFile' | 'writeFile' | 'currentCommit'> {
  return {
    readFile: (path) => readFile(resolve(invocationDir, path), 'utf8'),
    writeFile: (path, text) => writeFile(resolve(invocationDir, path), text),
    currentCommit: () =>
      new Promise((done) => {
        execFile('git', ['rev-parse', 'HEAD'], { cwd: invocationDir, timeout: 5_000 }, (error, stdout) => {
          const sha = stdout.trim();
          done(!error && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null);
        });
      }),
  };
}

if (require.main === module) {
  // This program's configuration is its own environment, read here once and handed to `main` like every other effect.
  // eslint-disable-next-line no-restricted-properties
  const env = process.env;
  void main(process.argv.slice(2), {
    env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    fetch,
    ...localEffects(invocationDirectory(env)),
  }).then((code) => {
    process.exitCode = code;
  });
}
