import { renameSync, writeFileSync } from 'node:fs';

/**
 * Text edits of a composed supergraph, as a schema change would make them without recomposing: for tests and
 * benchmarks that hand a gateway a new version. They edit the printed SDL that composition writes
 * (`type Name\n  @join__type(...)\n{`), and fail loudly when the type is not there in that shape.
 */
export function withFieldAdded(sdl: string, typeName: string, fieldSdl: string): string {
  const opening = new RegExp(`(\\ntype ${typeName}\\b[^{]*\\{\\n)`);
  if (!opening.test(sdl)) throw new Error(`withFieldAdded: the supergraph has no "type ${typeName} ... {"`);
  return sdl.replace(opening, `$1  ${fieldSdl}\n`);
}

/** Replaces `path` atomically (temp file in the same directory, then rename), as a deploy should. */
export function replaceFileAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
