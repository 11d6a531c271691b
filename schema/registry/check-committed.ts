import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { projectRoot } from '../../infrastructure/config/project-root';
import { withoutSecurityFeatures } from '../../gateway/supergraph/security-features';
import { composeFromCode, CompositionError } from '../compose';
import { classifyChanges, lintSubgraph, type SchemaChangeInfo } from './checks';

const USAGE = 'usage: npm run schema:check [-- --against-ref GIT_REF]';

/**
 * `npm run schema:check`: the code's subgraph schemas, composed, against the committed supergraph
 * (schema/supergraph.graphql, or that file at `--against-ref REF`, e.g. origin/main). It fails (exit 1) when the code
 * does not compose, when a subgraph breaks the lint conventions, when a committed schema file is out of date, or
 * when a change is BREAKING for clients: one that is meant has to be composed, committed and checked against the
 * operations clients run (`npm run schema -- check`), not slipped in. Offline: no registry is needed.
 */
async function main(argv: readonly string[]): Promise<number> {
  const ref = parseRef(argv);
  if (ref === false) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const root = projectRoot();
  const committedPath = join(root, 'schema', 'supergraph.graphql');
  let committed: string;
  try {
    committed = ref === null ? readFileSync(committedPath, 'utf8') : execFileSync('git', ['show', `${ref}:schema/supergraph.graphql`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    process.stderr.write(`schema:check: cannot read the committed supergraph${ref ? ` at ${ref}` : ''}: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  let code;
  try {
    code = await composeFromCode();
  } catch (error) {
    if (!(error instanceof CompositionError)) throw error;
    process.stdout.write(`schema:check FAILED: the code's subgraphs do not compose\n${error.message}\n`);
    return 1;
  }
  const problems: string[] = [];
  for (const [name, sdl] of Object.entries(code.subgraphs)) {
    for (const message of lintSubgraph(sdl).filter((m) => m.severity === 'error')) problems.push(`lint ${name}: ${message.rule} ${message.coordinate ?? ''} ${message.message}`);
    const file = join(root, 'schema', 'subgraphs', `${name}.graphql`);
    const written = readFileSync(file, { encoding: 'utf8', flag: 'r' });
    if (ref === null && written !== sdl) problems.push(`schema/subgraphs/${name}.graphql is out of date with the code: run npm run schema:compose`);
  }
  const apiOf = (sdl: string) => Supergraph.build(withoutSecurityFeatures(sdl)).apiSchema().toGraphQLJSSchema();
  const changes = await classifyChanges(apiOf(committed), apiOf(code.supergraph));
  const breaking = changes.filter((c) => c.criticality === 'BREAKING');
  const line = (c: SchemaChangeInfo) => `  ${c.criticality.padEnd(9)} ${(c.path ?? '-').padEnd(40)} ${c.message}`;
  process.stdout.write(`schema:check against ${ref ? `${ref}:schema/supergraph.graphql` : 'schema/supergraph.graphql'}: ${changes.length} change(s), ${breaking.length} breaking\n`);
  for (const change of changes) process.stdout.write(`${line(change)}\n`);
  for (const change of breaking) problems.push(`breaking change ${change.path ?? ''}: ${change.message}`);
  if (problems.length === 0) {
    process.stdout.write('schema:check passed\n');
    return 0;
  }
  process.stdout.write(`schema:check FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  return 1;
}

/** null: the working tree's file; false: a usage error. */
function parseRef(argv: readonly string[]): string | null | false {
  if (argv.length === 0) return null;
  if (argv.length === 2 && argv[0] === '--against-ref' && argv[1] && !argv[1].startsWith('-')) return argv[1];
  return false;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`schema:check: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
