import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { ANONYMOUS } from '../../infrastructure/context/request-context';
import type { GatewayContext, ParsedOperation } from '../core/feature';
import { parseSupergraph } from '../supergraph/supergraph-version';
import { useOperationLimits } from './use-operation-limits';

const version = parseSupergraph(readFileSync('schema/supergraph.graphql', 'utf8'), 'test');
const context: GatewayContext = { request: { principal: ANONYMOUS, requestId: 'req-1', ipAddress: null, userAgent: null } };
const operation = (query: string, variables: Record<string, unknown> = {}): ParsedOperation => ({ context, document: parse(query), operationName: null, variables, version });

describe('useOperationLimits', () => {
  const feature = useOperationLimits({ ...GATEWAY_DEFAULTS.limits, maxCost: 5_000 });

  it('lets an operation within the limits through', () => {
    expect(feature.name).toBe('operation-limits');
    expect(feature.inspectDocument!(operation('{ me { id organization { name } } }'))).toBeNull();
  });

  it('refuses an operation over a limit with its code, the limit and the actual value', () => {
    const query = 'query Orgs($n: Int) { organizations(first: $n) { edges { node { departments(first: $n) { edges { node { id } } } } } } }';
    expect(feature.inspectDocument!(operation(query, { n: 100 }))).toEqual({
      message: expect.stringContaining('exceeds the limit of 5000'),
      extensions: { code: 'COST_LIMIT_EXCEEDED', limit: 5000, actual: 10_302 },
    });
  });
});
