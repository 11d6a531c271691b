/**
 * Where `Idempotency-Key`s are remembered: per scope (the caller's tenant, or 'platform') and key, either a claim
 * (a request with that key is running) or the answer it ended with. The gateway decides what a record means; a
 * store only keeps records, and makes `claim` atomic so two requests (two replicas, even) never both run.
 */

/** What a key is bound to: which request, from whom. */
export interface IdempotencyRecord {
  /** SHA-256 (hex) of the request's canonical JSON (query text, operation name, variables). */
  readonly fingerprint: string;
  /** The caller, `kind:subject` (`USER:…`, `API_KEY:…`). */
  readonly principal: string;
}

/** An answer as kept for replay: its status, content type and body; its other headers belonged to that one request. */
export interface StoredAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

/** A finished request: what it asked and what it was answered. */
export type CompletedRecord = IdempotencyRecord & StoredAnswer;

/**
 * A claim this request holds. The token is what makes it this request's: a claim that lapsed and was taken by
 * another request is not completed, renewed or released by the first.
 */
export interface IdempotencyClaim extends IdempotencyRecord {
  readonly token: string;
}

/** What `claim` found: the key was free (now ours), already answered, or held by a request still running. */
export type ClaimOutcome =
  | { readonly claimed: IdempotencyClaim }
  | { readonly stored: CompletedRecord }
  | { readonly pending: IdempotencyRecord };

export interface IdempotencyStore {
  /**
   * Atomically: claims a free key for `claimTtlMs` (a claim whose holder dies lapses by itself), or says what holds
   * it. Never judges the record: a different fingerprint or principal is the caller's to refuse.
   */
  claim(scope: string, key: string, record: IdempotencyRecord, claimTtlMs: number): Promise<ClaimOutcome>;
  /** Keeps a running request's claim for another `claimTtlMs`; false when the claim is no longer this one. */
  renew(scope: string, key: string, claim: IdempotencyClaim, claimTtlMs: number): Promise<boolean>;
  /**
   * Replaces this claim with its answer, kept for `ttlSeconds`. Also when the claim lapsed and nobody took the key
   * (the request did run: a retry must replay). False, and nothing written, when another request holds or answered
   * the key, or the store has no room for the answer.
   */
  complete(scope: string, key: string, claim: IdempotencyClaim, answer: StoredAnswer, ttlSeconds: number): Promise<boolean>;
  /** Frees the key for a retry, only while this claim still holds it: an answer is never removed. */
  release(scope: string, key: string, claim: IdempotencyClaim): Promise<boolean>;
  /** After the last request; connections passed in stay open. */
  stop(): Promise<void>;
}

/** A store refuses to work after `stop()`, so a late request is answered 503 rather than run unguarded. */
export class IdempotencyStoreStoppedError extends Error {
  constructor() {
    super('the idempotency store has been stopped');
    this.name = 'IdempotencyStoreStoppedError';
  }
}
