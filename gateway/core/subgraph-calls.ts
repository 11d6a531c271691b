import type { Fetcher } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import type { SubgraphCallSettings } from '../../infrastructure/config/config';
import { LatticeError } from '../../infrastructure/errors/error-codes';
import type { SubgraphFetchRecord } from './feature';

export type FetchOutcome = SubgraphFetchRecord['outcome'];

/**
 * One subgraph's circuit breaker. Closed, every fetch goes out; `failureThreshold` failures in a row (unreachable,
 * timed out, 5xx) open it, and for `openMs` every fetch fails at once instead of waiting on a subgraph that is not
 * answering. Then it is half-open: one fetch goes out as a probe while the others still fail fast; the probe's
 * success closes the circuit, its failure opens it for another `openMs`.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly settings: SubgraphCallSettings['breaker'],
    private readonly now: () => number = Date.now,
    /** Told when the circuit opens (again) and when it closes, with the failures in a row that opened it. */
    private readonly onChange: (change: BreakerChange) => void = () => {},
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openUntil === 0) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Whether a fetch may go out now; a `true` in the half-open state makes that fetch the probe. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Seconds until the next probe may go out (at least 1), for the error a caller gets while the circuit is open. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.openUntil - this.now()) / 1000));
  }

  succeeded(): void {
    const wasOpen = this.openUntil !== 0;
    this.failures = 0;
    this.openUntil = 0;
    this.probing = false;
    if (wasOpen) this.onChange({ state: 'closed', failures: 0, openMs: 0 });
  }

  failed(): void {
    this.probing = false;
    this.failures += 1;
    if (this.openUntil !== 0 || this.failures >= this.settings.failureThreshold) {
      this.openUntil = this.now() + this.settings.openMs;
      this.onChange({ state: 'open', failures: this.failures, openMs: this.settings.openMs });
    }
  }
}

/** A circuit that opened (or, after a failed probe, opened again) or closed. */
export interface BreakerChange {
  readonly state: 'open' | 'closed';
  /** Failures in a row so far (the probe's included). */
  readonly failures: number;
  readonly openMs: number;
}

/**
 * The subgraphs' breakers and timeouts, kept across supergraph versions: a new version of the schema does not make
 * a failing subgraph healthy.
 */
export class SubgraphCalls {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly settings: SubgraphCallSettings,
    private readonly onBreakerChange: (subgraph: string, change: BreakerChange) => void = () => {},
  ) {}

  breaker(subgraph: string): CircuitBreaker {
    let breaker = this.breakers.get(subgraph);
    if (!breaker) this.breakers.set(subgraph, (breaker = new CircuitBreaker(this.settings.breaker, Date.now, (change) => this.onBreakerChange(subgraph, change))));
    return breaker;
  }

  timeoutMs(subgraph: string): number {
    // Environment names hold no `-`: LATTICE_SUBGRAPH_TIMEOUT_MS_SHOP_CART names the subgraph `shop-cart` too.
    return this.settings.timeoutsMs[subgraph.toLowerCase()] ?? this.settings.timeoutsMs[subgraph.toLowerCase().replace(/[^a-z0-9]/g, '_')] ?? this.settings.timeoutMs;
  }

  /** `fetcher`, abandoned after the subgraph's timeout (the abort closes the connection, so a hung answer stops costing). */
  withTimeout(subgraph: string, fetcher: Fetcher): Fetcher {
    const timeoutMs = this.timeoutMs(subgraph);
    return (url, init) => fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }
}

/**
 * Thrown by the fetch path when a subgraph answered with an HTTP error status and no GraphQL body (a GraphQLError
 * only because Apollo's `errorFromResponse` must return one; it never reaches a client as it is).
 */
export class SubgraphHttpError extends GraphQLError {
  constructor(readonly status: number) {
    super(`the subgraph answered HTTP ${status}`);
    this.name = 'SubgraphHttpError';
  }
}

/** What a failed fetch was, from the error the fetch threw. */
export function outcomeOf(error: unknown): Exclude<FetchOutcome, 'ok' | 'circuit_open'> {
  if (error instanceof SubgraphHttpError) return 'error';
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  // A TypeError is undici's failed connection (matched by name: Jest's realm has its own TypeError).
  if (name === 'TypeError' || socketCodeOf(error) !== undefined) return 'unreachable';
  return 'error';
}

/** The socket error code of a failed fetch (ECONNREFUSED, ECONNRESET, …): node-fetch-style errors carry it, undici's in `cause`. */
export function socketCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The error a client sees for a subgraph that did not answer: named, with a reason, never its address. */
export function unavailableError(subgraph: string, outcome: Exclude<FetchOutcome, 'ok'>, detail: { timeoutMs: number; retryAfterSeconds: number }): LatticeError {
  switch (outcome) {
    case 'timeout':
      return new LatticeError('SERVICE_UNAVAILABLE', `the ${subgraph} service did not answer within ${detail.timeoutMs} ms; try again shortly`, { reason: 'TIMEOUT', service: subgraph });
    case 'circuit_open':
      return new LatticeError('SERVICE_UNAVAILABLE', `the ${subgraph} service is failing; calls to it are paused, try again in ${detail.retryAfterSeconds} s`, {
        reason: 'CIRCUIT_OPEN',
        service: subgraph,
        retryAfterSeconds: detail.retryAfterSeconds,
      });
    case 'error':
      return new LatticeError('SERVICE_UNAVAILABLE', `the ${subgraph} service could not answer; try again shortly`, { reason: 'SUBGRAPH_ERROR', service: subgraph });
    case 'unreachable':
      return new LatticeError('SERVICE_UNAVAILABLE', `the ${subgraph} service is not reachable; try again shortly`, { reason: 'UNREACHABLE', service: subgraph });
  }
}
