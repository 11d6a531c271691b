import { ApolloGateway } from '@apollo/gateway';
import { parse } from 'graphql';
import { FieldRequirements } from '../authorization/field-requirements';
import { committedSupergraphPath } from './supergraph-source';
import { readFile } from 'node:fs/promises';
const readSupergraph = () => readFile(committedSupergraphPath(), 'utf8');
import { securityFeaturesOf, withoutSecurityFeatures } from './security-features';

describe('the supergraph handed to @apollo/gateway', () => {
  let supergraph: string;
  beforeAll(async () => {
    supergraph = await readSupergraph();
  });

  const load = async (sdl: string) => {
    const gateway = new ApolloGateway({ supergraphSdl: sdl, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    try {
      return await gateway.load();
    } finally {
      await gateway.stop();
    }
  };

  it('is refused by @apollo/gateway while it links authenticated and requiresScopes for SECURITY', async () => {
    expect(securityFeaturesOf(parse(supergraph))).toEqual({ authenticated: 'authenticated', requiresScopes: 'requiresScopes' });
    await expect(load(supergraph)).rejects.toThrow(/requiresScopes\/v0\.1 is for: SECURITY but is unsupported/);
  });

  it('loads once those links, definitions and uses are stripped, with the same operations', async () => {
    const stripped = withoutSecurityFeatures(supergraph);
    expect(stripped).not.toMatch(/@requiresScopes|@authenticated|requiresScopes__Scope|for: SECURITY/);
    const { schema } = await load(stripped);
    expect(Object.keys(schema.getMutationType()!.getFields())).toContain('createUser');
    // Lattice's enforcement still reads the original.
    expect(FieldRequirements.fromSupergraph(supergraph).field('Mutation', 'createUser')?.requirement).not.toBeNull();
  });

  it('keeps renamed directives working and refuses a version whose meaning it does not know', () => {
    const renamed = `schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scoped", for: SECURITY) { query: Query }
      directive @scoped(scopes: [[scoped__Scope!]!]!) on FIELD_DEFINITION
      scalar scoped__Scope
      type Query { a: String @scoped(scopes: [["x"]]) b: String }`;
    expect(FieldRequirements.fromSupergraph(renamed).field('Query', 'a')?.requirement).toEqual({ authenticated: true, scopes: [[['x']]] });
    expect(withoutSecurityFeatures(renamed)).not.toMatch(/scoped/);
    expect(() => FieldRequirements.fromSupergraph(renamed.replace('v0.1', 'v0.2'))).toThrow(/enforces only https:\/\/specs.apollo.dev\/requiresScopes\/v0.1/);
  });
});
