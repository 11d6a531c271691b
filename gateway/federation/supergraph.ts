import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../infrastructure/config/project-root';

/** The composed supergraph committed by `npm run schema:compose`. The gateway never introspects subgraphs. */
export function supergraphPath(): string {
  return join(projectRoot(), 'schema', 'supergraph.graphql');
}

export async function readSupergraph(path = supergraphPath()): Promise<string> {
  return readFile(path, 'utf8');
}
