import { MALFORMED_ID_CASES } from './cases';
import { rootFieldIdProbes, supergraphIdCoordinates } from './id-probes';

describe('every ID input of the supergraph has a malformed-id case', () => {
  it('lists a case for each ID argument and ID input field, so a new id cannot skip the malformed-id suite', () => {
    const coordinates = supergraphIdCoordinates();
    const missing = coordinates.filter((coordinate) => !Object.hasOwn(MALFORMED_ID_CASES, coordinate));
    const stale = Object.keys(MALFORMED_ID_CASES).filter((coordinate) => !coordinates.includes(coordinate));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it('reaches every one of them with at least one request, generated or hand-written', () => {
    const reached = new Set([...rootFieldIdProbes(), ...Object.values(MALFORMED_ID_CASES).flatMap((c) => c.probes ?? [])].map((probe) => probe.coordinate));
    expect(supergraphIdCoordinates().filter((coordinate) => !reached.has(coordinate))).toEqual([]);
  });

  it('generates a request that sets exactly the probed position, with valid values everywhere else', () => {
    const probe = rootFieldIdProbes().find((p) => p.coordinate === 'RoleScopeInput.id' && p.field === 'Mutation.assignRole')!;
    expect(probe.argument).toBe('input.scope.id');
    expect(probe.query).toBe('mutation($input: RoleAssignmentInput!) { assignRole(input: $input) { __typename } }');
    expect(probe.variables('bad')).toEqual({ input: { userId: expect.stringMatching(/^[0-9a-f-]{36}$/), roleId: expect.stringMatching(/^[0-9a-f-]{36}$/), scope: { level: 'TENANT', id: 'bad' } } });
  });
});
