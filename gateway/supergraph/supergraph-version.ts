import { createHash } from 'node:crypto';
import { Kind, parse, type DocumentNode, type EnumValueDefinitionNode } from 'graphql';

/** One subgraph as a supergraph names it: `enum join__Graph { IDENTITY @join__graph(name: "identity", url: "…") }`. */
export interface SupergraphGraph {
  readonly name: string;
  readonly url: string;
}

/**
 * One supergraph text the gateway may serve. Everything the gateway derives from the SDL (the planner's schema,
 * field requirements) is built from one version and kept with it, so a request runs on one version throughout.
 */
export interface SupergraphVersion {
  /** The first 12 hex digits of sha256(SDL): what `/health/ready` reports and logs name. */
  readonly id: string;
  readonly sdl: string;
  readonly document: DocumentNode;
  readonly graphs: readonly SupergraphGraph[];
  /** Where it came from, for log lines: a file path, or a registry. */
  readonly origin: string;
  /** When this gateway started serving it (set on the switch). */
  loadedAt: Date | null;
}

export class SupergraphRefused extends Error {
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super(`supergraph ${origin} refused: ${reason}`);
    this.name = 'SupergraphRefused';
  }
}

export function supergraphId(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 12);
}

function stringArgument(node: EnumValueDefinitionNode, directive: string, argument: string): string | undefined {
  const value = node.directives?.find((d) => d.name.value === directive)?.arguments?.find((a) => a.name.value === argument)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** Parses a supergraph text and reads its subgraphs; refuses what is not a supergraph, naming why. */
export function parseSupergraph(sdl: string, origin: string): SupergraphVersion {
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch (error) {
    throw new SupergraphRefused(origin, `it does not parse: ${(error as Error).message}`);
  }
  const joinGraph = document.definitions.find((d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'join__Graph');
  if (!joinGraph || joinGraph.kind !== Kind.ENUM_TYPE_DEFINITION || !joinGraph.values?.length) {
    throw new SupergraphRefused(origin, 'it is not a composed supergraph (no `enum join__Graph` naming its subgraphs); compose it with `rover supergraph compose` or `npm run schema:compose`');
  }
  const graphs: SupergraphGraph[] = [];
  for (const value of joinGraph.values) {
    const name = stringArgument(value, 'join__graph', 'name');
    const url = stringArgument(value, 'join__graph', 'url');
    if (name === undefined || url === undefined) throw new SupergraphRefused(origin, `join__Graph.${value.name.value} has no @join__graph(name:, url:)`);
    graphs.push({ name, url });
  }
  return { id: supergraphId(sdl), sdl, document, graphs, origin, loadedAt: null };
}
