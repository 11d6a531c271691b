import 'reflect-metadata';
import { resolve } from 'node:path';
import { runService } from '../infrastructure/modules/run-service';
import { startTracing, tracingModule } from '../infrastructure/tracing/tracing';
import { gatewayModule } from './gateway-module';

const USAGE = 'usage: npm run start:gateway [-- --supergraph path/to/supergraph.graphql]';

/** `--supergraph FILE` (or `--supergraph=FILE`); anything else is a usage error. */
function supergraphArgument(args: readonly string[]): { supergraphPath?: string } | null {
  if (args.length === 0) return {};
  const [flag, value] = args[0]!.includes('=') ? (args[0]!.split(/=(.*)/s, 2) as [string, string]) : [args[0]!, args[1]];
  const consumed = args[0]!.includes('=') ? 1 : 2;
  if (flag !== '--supergraph' || !value || args.length !== consumed) return null;
  // `npm run` starts in the package root; a relative path means relative to where the command was typed.
  // INIT_CWD is npm's record of that directory, a fact about the command line rather than configuration.
  // eslint-disable-next-line no-restricted-properties
  return { supergraphPath: resolve(process.env.INIT_CWD ?? process.cwd(), value) };
}

/**
 * `npm run start:gateway`: the gateway alone, reaching Lattice's subgraphs at IDENTITY_URL, TENANCY_URL and
 * AUDIT_URL; with `-- --supergraph FILE`, any supergraph's subgraphs at the URLs the file names.
 */
const options = supergraphArgument(process.argv.slice(2));
if (options === null) {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
} else {
  void runService('gateway', (config) => [tracingModule(startTracing(config, 'gateway')), gatewayModule({ embeddedSubgraphs: false })], undefined, options);
}
