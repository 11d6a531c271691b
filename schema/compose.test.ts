import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeFromCode } from './compose';

describe('committed schema files', () => {
  it('match what the code produces (run `npm run schema:compose` after changing a subgraph)', async () => {
    const composed = await composeFromCode();
    for (const [name, sdl] of Object.entries(composed.subgraphs)) {
      expect(readFileSync(join(__dirname, 'subgraphs', `${name}.graphql`), 'utf8')).toBe(sdl);
    }
    expect(readFileSync(join(__dirname, 'supergraph.graphql'), 'utf8')).toBe(composed.supergraph);
  });

  it('compose into a supergraph where User.tenant and Tenant are joined across subgraphs', async () => {
    const { supergraph } = await composeFromCode();
    expect(supergraph).toMatch(/type Tenant\s[^{]*@join__type\(graph: TENANCY, key: "id"\)/);
    expect(supergraph).toMatch(/type User\s[^{]*@join__type\(graph: IDENTITY, key: "id"\)/);
  });
});
