import { randomUUID } from 'node:crypto';
import type { Permission } from '../authorization/permissions';
import { CONTEXT_HEADER, signContext } from '../context/signed-context';
import { errors } from '../errors/error-codes';

export interface SystemSubgraphClientOptions {
  /** The subgraph's name, as callers see it in SERVICE_UNAVAILABLE messages (never its address). */
  service: string;
  /** Read on every call: an embedded subgraph's port is only known once it has started. */
  graphqlUrl: () => string;
  contextSecret: string;
  /** Who is asking, e.g. 'gateway' or 'identity': the SYSTEM principal's subject and the user agent. */
  caller: string;
  /** Exactly what the caller needs, nothing more. */
  permissions: readonly Permission[];
  timeoutMs?: number;
}

/**
 * A service asking a subgraph directly, outside any client request, with a SYSTEM context it signs itself as the
 * gateway would. Any failure, including a GraphQL error, is SERVICE_UNAVAILABLE: callers fail closed.
 */
export class SystemSubgraphClient {
  constructor(private readonly options: SystemSubgraphClientOptions) {}

  async query<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const { service, caller, contextSecret } = this.options;
    const context = signContext(
      {
        principal: { kind: 'SYSTEM', subject: caller, tenantId: null, roles: [], permissions: [...this.options.permissions] },
        requestId: randomUUID(),
        ipAddress: null,
        userAgent: `lattice-${caller}`,
      },
      contextSecret,
    );
    let response: Response;
    try {
      response = await fetch(this.options.graphqlUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch {
      throw errors.unavailable(`the ${service} service is not reachable; try again shortly`);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { extensions?: { code?: unknown } }[] };
    // NOT_FOUND is an answer (the nullable field comes back null); anything else means the callee could not answer.
    const failed = body.errors?.some((error) => error.extensions?.code !== 'NOT_FOUND') ?? false;
    if (!response.ok || failed || !body.data) throw errors.unavailable(`the ${service} service could not answer; try again shortly`);
    return body.data;
  }
}
