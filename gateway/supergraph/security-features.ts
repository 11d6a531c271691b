import { Kind, parse, print, visit, type DirectiveNode, type DocumentNode } from 'graphql';

/** The federation specs whose directives Lattice's gateway enforces (gateway/authorization). */
const SPECS = {
  authenticated: 'https://specs.apollo.dev/authenticated',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes',
} as const;
const KNOWN_VERSION = 'v0.1';

/** How a supergraph names the security directives (a `@link` may rename them with `as:`); null when not linked. */
export interface SecurityFeatures {
  authenticated: string | null;
  requiresScopes: string | null;
}

function stringArgument(directive: DirectiveNode, name: string): string | undefined {
  const argument = directive.arguments?.find((a) => a.name.value === name);
  return argument?.value.kind === Kind.STRING ? argument.value.value : undefined;
}

/** Which spec a schema `@link` names, if it is one of ours. A version we do not know fails loudly: its semantics could differ. */
function specOf(link: DirectiveNode): keyof typeof SPECS | null {
  const url = stringArgument(link, 'url');
  if (url === undefined) return null;
  for (const spec of Object.keys(SPECS) as (keyof typeof SPECS)[]) {
    if (!url.startsWith(`${SPECS[spec]}/`)) continue;
    const version = url.slice(SPECS[spec].length + 1);
    if (version !== KNOWN_VERSION) throw new Error(`the supergraph links ${url}; the gateway enforces only ${SPECS[spec]}/${KNOWN_VERSION}`);
    return spec;
  }
  return null;
}

function schemaLinks(document: DocumentNode): DirectiveNode[] {
  const links: DirectiveNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) if (directive.name.value === 'link') links.push(directive);
  }
  return links;
}

export function securityFeaturesOf(document: DocumentNode): SecurityFeatures {
  const features: SecurityFeatures = { authenticated: null, requiresScopes: null };
  for (const link of schemaLinks(document)) {
    const spec = specOf(link);
    if (spec) features[spec] = stringArgument(link, 'as') ?? spec;
  }
  return features;
}

/**
 * The supergraph as `@apollo/gateway` may see it. The gateway accepts only the `for: SECURITY` features it knows
 * (federation-internals' DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES: tag and inaccessible) and refuses to load one that
 * links `authenticated` or `requiresScopes`; it would not enforce them anyway. So it gets a copy without those links,
 * their directive and scalar definitions and every use, while Lattice's own enforcement reads the original.
 * Any other SECURITY feature stays, so the gateway still refuses a supergraph that needs something nobody enforces.
 */
export function withoutSecurityFeatures(supergraphSdl: string): string {
  const document = parse(supergraphSdl);
  const features = securityFeaturesOf(document);
  const directives = new Set([features.authenticated, features.requiresScopes].filter((name): name is string => name !== null));
  if (directives.size === 0) return supergraphSdl;
  const scopeScalar = features.requiresScopes === null ? null : `${features.requiresScopes}__Scope`;
  const stripped = visit(document, {
    DirectiveDefinition: (node) => (directives.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (node.name.value === scopeScalar ? null : undefined),
    Directive: (node) => (directives.has(node.name.value) || (node.name.value === 'link' && specOf(node) !== null) ? null : undefined),
  });
  return print(stripped);
}
