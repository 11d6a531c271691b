import type { RequestContext } from '../../infrastructure/context/request-context';
import { loggerOver, type LogFields, type LogLevel } from '../../infrastructure/logging/logger';
import type { GatewayContext, ResponseRecord } from '../core/feature';
import { useAccessLog } from './use-access-log';

function capture() {
  const lines: { level: LogLevel; message: string; fields: LogFields }[] = [];
  return { lines, logger: loggerOver({ write: (level, message, fields) => lines.push({ level, message, fields }) }) };
}

const request = (requestId: string): RequestContext => ({
  requestId,
  ipAddress: '203.0.113.7',
  userAgent: 'test',
  principal: { kind: 'USER', subject: 'user-1', tenantId: 'tenant-1', roles: [], permissions: [] },
});

const answered = (context: GatewayContext, overrides: Partial<ResponseRecord> = {}): ResponseRecord => ({
  context,
  transport: 'http',
  operationName: 'Dashboard',
  operationType: 'query',
  status: 200,
  errorCodes: [],
  hasData: true,
  durationMs: 12.345,
  ...overrides,
});

describe('the access log', () => {
  it('writes one info line per answered request with who, what, how it went and every subgraph it called', () => {
    const { lines, logger } = capture();
    const log = useAccessLog(logger);
    const context = { request: request('req-1') };
    // Apollo hands features a copy of the context; the request inside is the same object.
    log.onSubgraphFetch!({ context: { ...context }, subgraph: 'identity', durationMs: 3.21, outcome: 'ok' });
    log.onSubgraphFetch!({ context: { ...context }, subgraph: 'tenancy', durationMs: 10_000.04, outcome: 'timeout' });
    log.onResponse!(answered(context, { errorCodes: ['SERVICE_UNAVAILABLE'] }));
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'request',
        fields: {
          requestId: 'req-1',
          traceId: null,
          tenantId: 'tenant-1',
          principal: 'USER',
          subject: 'user-1',
          operationName: 'Dashboard',
          operationType: 'query',
          status: 200,
          durationMs: 12.3,
          subgraphs: [
            { name: 'identity', outcome: 'ok', ms: 3.2 },
            { name: 'tenancy', outcome: 'timeout', ms: 10000 },
          ],
          errorCodes: ['SERVICE_UNAVAILABLE'],
          ipAddress: '203.0.113.7',
        },
      },
    ]);
  });

  it("keeps requests apart: a refusal that called no subgraph shows none of another request's calls", () => {
    const { lines, logger } = capture();
    const log = useAccessLog(logger);
    const busy = { request: request('req-busy') };
    const refused = { request: request('req-refused') };
    log.onSubgraphFetch!({ context: busy, subgraph: 'identity', durationMs: 1, outcome: 'ok' });
    log.onResponse!(answered(refused, { status: 429, errorCodes: ['RATE_LIMITED'], hasData: false, operationType: null }));
    expect(lines[0]?.fields).toMatchObject({ requestId: 'req-refused', status: 429, subgraphs: [], errorCodes: ['RATE_LIMITED'] });
  });

  it('shows the first 50 calls of a large plan and counts them all', () => {
    const { lines, logger } = capture();
    const log = useAccessLog(logger);
    const context = { request: request('req-big') };
    for (let i = 0; i < 70; i += 1) log.onSubgraphFetch!({ context, subgraph: 'identity', durationMs: 1, outcome: 'ok' });
    log.onResponse!(answered(context));
    expect(lines[0]?.fields.subgraphs).toHaveLength(50);
    expect(lines[0]?.fields.subgraphCalls).toBe(70);
  });
});
