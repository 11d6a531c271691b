import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../infrastructure/config/project-root';
import { composeFromCode } from './compose';

/** `npm run schema:compose`: writes schema/subgraphs/<name>.graphql and schema/supergraph.graphql. */
async function main(): Promise<void> {
  const root = join(projectRoot(), 'schema');
  const composed = await composeFromCode();
  mkdirSync(join(root, 'subgraphs'), { recursive: true });
  for (const [name, sdl] of Object.entries(composed.subgraphs)) {
    writeFileSync(join(root, 'subgraphs', `${name}.graphql`), sdl);
    process.stdout.write(`wrote schema/subgraphs/${name}.graphql\n`);
  }
  writeFileSync(join(root, 'supergraph.graphql'), composed.supergraph);
  process.stdout.write('wrote schema/supergraph.graphql\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
