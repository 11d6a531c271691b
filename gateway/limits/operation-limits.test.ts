import { readFileSync } from 'node:fs';
import { getIntrospectionQuery, parse } from 'graphql';
import { GATEWAY_DEFAULTS, type OperationLimitSettings } from '../../infrastructure/config/config';
import { apiSchemaOf } from '../supergraph/api-schema';
import { parseSupergraph } from '../supergraph/supergraph-version';
import { checkOperationLimits, violationError, type LimitViolation } from './operation-limits';

const schema = apiSchemaOf(parseSupergraph(readFileSync('schema/supergraph.graphql', 'utf8'), 'test'));
// The defaults, with a cost limit of 5,000 so two nested pages of 100 (cost 10,302) are over it.
const defaults: OperationLimitSettings = { ...GATEWAY_DEFAULTS.limits, maxCost: 5_000 };

function check(query: string, options: { operationName?: string; variables?: Record<string, unknown>; limits?: Partial<OperationLimitSettings> } = {}): LimitViolation | null {
  return checkOperationLimits(
    { document: parse(query), operationName: options.operationName ?? null, variables: options.variables ?? {}, schema },
    { ...defaults, ...options.limits },
  );
}

const times = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');

describe('checkOperationLimits', () => {
  it('lets an ordinary dashboard query under every limit through', () => {
    const query = `
      query Dashboard($first: Int) {
        me { id displayName organization { name departments(first: 5) { edges { node { id name } } } } }
        users(first: $first) { edges { cursor node { id email department { name } } } pageInfo { hasNextPage endCursor } }
      }`;
    expect(check(query, { variables: { first: 20 } })).toBeNull();
  });

  it('lets graphql-js’s full introspection query through with the default limits', () => {
    expect(check(getIntrospectionQuery())).toBeNull();
  });

  it('does not count a __type introspection’s type-reference chain towards depth', () => {
    const typeRef = `kind name ${'ofType { kind name '.repeat(9)}${'}'.repeat(9)}`;
    expect(check(`{ __type(name: "User") { name fields { name type { ${typeRef} } args { type { ${typeRef} } } } } }`)).toBeNull();
  });

  it('refuses a 40-level deep query with DEPTH_LIMIT_EXCEEDED, naming the depth and the limit', () => {
    // me (1) department (2) parent × 37 (3–39) id (40)
    const query = `{ me { department { ${'parent { '.repeat(37)}id${' }'.repeat(37)} } } }`;
    const violation = check(query);
    expect(violation).toEqual({ code: 'DEPTH_LIMIT_EXCEEDED', limit: 12, actual: 40, message: expect.stringContaining('operation depth 40 exceeds the limit of 12') });
  });

  it('counts depth through fragments as if they were written out', () => {
    const query = `
      { me { ...Place } }
      fragment Place on User { department { ...Up } }
      fragment Up on Department { parent { parent { ... on Department { parent { id } } } } }`;
    expect(check(query, { limits: { maxDepth: 5 } })).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', actual: 6 });
    expect(check(query, { limits: { maxDepth: 6 } })).toBeNull();
  });

  it('refuses 100 aliases with ALIAS_LIMIT_EXCEEDED', () => {
    const violation = check(`{ me { ${times(100, (i) => `a${i}: id`)} } }`);
    expect(violation).toEqual({ code: 'ALIAS_LIMIT_EXCEEDED', limit: 30, actual: 100, message: expect.stringContaining('alias count 100 exceeds the limit of 30') });
  });

  it('counts the aliases of a fragment at every place it is spread', () => {
    const query = `{ me { ...Names } user(id: "1") { ...Names } } fragment Names on User { ${times(20, (i) => `n${i}: displayName`)} }`;
    expect(check(query)).toMatchObject({ code: 'ALIAS_LIMIT_EXCEEDED', actual: 40 });
  });

  it('refuses 50 root fields with ROOT_FIELD_LIMIT_EXCEEDED, fragments at the root included', () => {
    const query = `{ ${times(30, (i) => `m${i}: me { id }`)} ...More } fragment More on Query { ${times(20, (i) => `u${i}: user(id: "${i}") { id }`)} }`;
    expect(check(query)).toEqual({ code: 'ROOT_FIELD_LIMIT_EXCEEDED', limit: 20, actual: 50, message: expect.stringContaining('root field count 50 exceeds the limit of 20') });
  });

  it('counts a root field selected twice under one name once, as execution merges it', () => {
    expect(check(`{ me { id } me { email } ... on Query { me { displayName } } }`, { limits: { maxRootFields: 1 } })).toBeNull();
  });

  it('refuses a field with 10 directives with DIRECTIVE_LIMIT_EXCEEDED, naming the field', () => {
    const violation = check(`{ me ${times(10, () => '@include(if: true)')} { id } }`);
    expect(violation).toEqual({ code: 'DIRECTIVE_LIMIT_EXCEEDED', limit: 5, actual: 10, message: expect.stringContaining('directive count 10 on field "me"') });
  });

  it('counts directives per field, not across the operation', () => {
    const query = `{ me { ${times(10, (i) => `f${i}: id @include(if: true) @skip(if: false)`)} } }`;
    expect(check(query, { limits: { maxAliases: 100 } })).toBeNull();
  });

  it('counts the directives of fragment spreads and inline fragments', () => {
    const many = times(6, () => '@skip(if: false)');
    expect(check(`{ me { ...Id ${many} } } fragment Id on User { id }`)).toMatchObject({ code: 'DIRECTIVE_LIMIT_EXCEEDED', message: expect.stringContaining('fragment spread "...Id"') });
    expect(check(`{ me { ... on User ${many} { id } } }`)).toMatchObject({ code: 'DIRECTIVE_LIMIT_EXCEEDED', message: expect.stringContaining('inline fragment "... on User"') });
  });

  it('counts the directives of the operation and of its variables', () => {
    const many = times(6, () => '@deprecated');
    expect(check(`query Me ${many} { me { id } }`)).toMatchObject({ code: 'DIRECTIVE_LIMIT_EXCEEDED', message: expect.stringContaining('operation "Me"') });
    expect(check(`query Me($id: ID ${many}) { user(id: $id) { id } }`)).toMatchObject({ code: 'DIRECTIVE_LIMIT_EXCEEDED', message: expect.stringContaining('variable "$id"') });
  });

  it('refuses 100 organizations of 100 departments each with COST_LIMIT_EXCEEDED', () => {
    const violation = check('{ organizations(first: 100) { edges { node { departments(first: 100) { edges { node { id } } } } } } }');
    // organizations 1 + edges 1 + node 100 + departments 100 + edges 100 + node 100 × 100
    expect(violation).toEqual({ code: 'COST_LIMIT_EXCEEDED', limit: 5000, actual: 10_302, message: expect.stringContaining('operation cost of at least 10302 exceeds the limit of 5000') });
  });

  it('sizes lists from variables, and from the default list size when a variable is missing or null', () => {
    const query = 'query Orgs($n: Int) { organizations(first: $n) { edges { node { departments(first: $n) { edges { node { id } } } } } } }';
    expect(check(query, { variables: { n: 100 } })).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', actual: 10_302 });
    expect(check(query, { variables: { n: 5 } })).toBeNull();
    // With 10 a list: 1 + 1 + 10 + 10 + 10 + 100 = 132.
    expect(check(query, { variables: {}, limits: { maxCost: 131 } })).toMatchObject({ actual: 132 });
    expect(check(query, { variables: { n: null }, limits: { maxCost: 131 } })).toMatchObject({ actual: 132 });
    expect(check(query, { variables: {}, limits: { maxCost: 132 } })).toBeNull();
  });

  it('stops counting an alias bomb of nested lists once it passes the cost limit', () => {
    const level = (inner: string) => times(30, (i) => `l${i}: children(first: 100) { edges { node { id ${inner} } } }`);
    const query = `{ department(id: "1") { ${level(level('name'))} } }`;
    const violation = check(query, { limits: { maxAliases: 1_000_000, maxDepth: 100 } });
    expect(violation).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 5000 });
    expect(violation!.actual).toBeGreaterThan(5000);
    expect(violation!.actual).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a fragment that doubles at every level by its cost, without expanding it', () => {
    const fragments = times(60, (i) => `fragment F${i} on Department { children(first: 2) { edges { node { ...F${i + 1} ...F${i + 1} } } } }`);
    const query = `{ department(id: "1") { ...F0 } } ${fragments} fragment F60 on Department { id }`;
    expect(check(query, { limits: { maxDepth: 1_000 } })).toMatchObject({ code: 'COST_LIMIT_EXCEEDED' });
  });

  it('measures a fragment spread many times with nothing costly in it once, so it completes', () => {
    const fragments = times(60, (i) => `fragment F${i} on User { id ...F${i + 1} ...F${i + 1} }`);
    expect(check(`{ me { ...F0 } } ${fragments} fragment F60 on User { id }`)).toBeNull();
  });

  it('neither hangs nor throws on fragment cycles, self-spreads or undefined fragments (validation refuses them)', () => {
    const cycle = '{ me { ...A } } fragment A on User { id department { id } ...B } fragment B on User { email ...A }';
    const self = '{ me { ...Self } } fragment Self on User { id organization { name } ...Self }';
    const rootCycle = '{ ...Q } fragment Q on Query { me { id } ...Q }';
    const undefinedSpread = '{ me { ...Nowhere id } }';
    for (const query of [cycle, self, rootCycle, undefinedSpread]) expect(check(query)).toBeNull();
    // The aliases in a cycle are counted once (graphql-armor's count there is one short per cycle: harmless, as
    // validation refuses the cycle anyway), so a cycle hides no alias bomb.
    const aliasedCycle = `{ me { ...A } } fragment A on User { ${times(40, (i) => `a${i}: id`)} ...B } fragment B on User { ...A }`;
    expect(check(aliasedCycle)).toMatchObject({ code: 'ALIAS_LIMIT_EXCEEDED' });
  });

  it('looks only at the operation that will run', () => {
    const expensive = `query Expensive { ${times(50, (i) => `m${i}: me { id }`)} }`;
    const document = `query Cheap { me { id } } ${expensive}`;
    expect(check(document, { operationName: 'Cheap' })).toBeNull();
    expect(check(document, { operationName: 'Expensive' })).toMatchObject({ code: 'ROOT_FIELD_LIMIT_EXCEEDED', actual: 50 });
    expect(check(expensive)).toMatchObject({ code: 'ROOT_FIELD_LIMIT_EXCEEDED' });
  });

  it('leaves a document whose operation cannot be picked to validation', () => {
    const document = `query A { me { id } } query B { ${times(50, (i) => `m${i}: me { id }`)} }`;
    expect(check(document)).toBeNull();
    expect(check(document, { operationName: 'Missing' })).toBeNull();
  });

  it('ignores fragments the selected operation does not spread', () => {
    const unused = `fragment Unused on User { ${times(100, (i) => `a${i}: id`)} }`;
    expect(check(`{ me { id } } ${unused}`)).toBeNull();
  });

  it('costs each field the schema does not know 1, without reading it as a list', () => {
    expect(check('{ nothing(first: 100) { edges { node { id } } } }', { limits: { maxCost: 4 } })).toBeNull();
    expect(check('{ nothing(first: 100) { edges { node { id } } } }', { limits: { maxCost: 3 } })).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', actual: 4 });
  });
});

describe('violationError', () => {
  it('carries the code, the limit and the actual value as extensions', () => {
    const violation: LimitViolation = { code: 'DEPTH_LIMIT_EXCEEDED', message: 'operation depth 14 exceeds the limit of 12', limit: 12, actual: 14 };
    expect(violationError(violation)).toEqual({ message: 'operation depth 14 exceeds the limit of 12', extensions: { code: 'DEPTH_LIMIT_EXCEEDED', limit: 12, actual: 14 } });
  });
});
