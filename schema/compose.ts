import 'reflect-metadata';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { parse } from 'graphql';
import type { SubgraphName } from '../infrastructure/config/config';
import { buildAuditSchema } from '../subgraphs/audit/audit-subgraph';
import { buildIdentitySchema } from '../subgraphs/identity/identity-subgraph';
import { buildTenancySchema } from '../subgraphs/tenancy/tenancy-subgraph';

/** Routing URLs recorded in the supergraph; the gateway replaces them with the configured or embedded ones. */
export const DEFAULT_ROUTING: Record<SubgraphName, string> = {
  identity: 'http://identity:4001/graphql',
  tenancy: 'http://tenancy:4002/graphql',
  audit: 'http://audit:4003/graphql',
};

const BUILDERS: Record<SubgraphName, () => Promise<GraphQLSchema>> = {
  identity: buildIdentitySchema,
  tenancy: buildTenancySchema,
  audit: buildAuditSchema,
};

export interface ComposedSchemas {
  subgraphs: Record<SubgraphName, string>;
  supergraph: string;
}

export class CompositionError extends Error {}

/** Prints each subgraph's SDL from the code and composes them; composition errors list every problem. */
export async function composeFromCode(): Promise<ComposedSchemas> {
  const subgraphs = {} as Record<SubgraphName, string>;
  for (const name of Object.keys(BUILDERS) as SubgraphName[]) {
    subgraphs[name] = `${printSubgraphSchema(await BUILDERS[name]()).trim()}\n`;
  }
  const result = composeServices(
    (Object.keys(subgraphs) as SubgraphName[]).map((name) => ({ name, url: DEFAULT_ROUTING[name], typeDefs: parse(subgraphs[name]) })),
  );
  if (result.errors) throw new CompositionError(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return { subgraphs, supergraph: `${result.supergraphSdl.trim()}\n` };
}
