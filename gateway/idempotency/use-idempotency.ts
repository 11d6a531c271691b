import type { IdempotencySettings } from '../../infrastructure/config/config';
import { errors } from '../../infrastructure/errors/error-codes';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayFeature, HttpAnswer, HttpOperation } from '../core/feature';
import { answerShowsARun, refusal, replayOf, storedFrom } from './idempotent-answers';
import type { ClaimOutcome, IdempotencyClaim, IdempotencyRecord, IdempotencyStore } from './idempotency-store';
import { requestFingerprint } from './request-fingerprint';

export interface IdempotencyOptions {
  /** Owned by the feature from here on: its stop() stops the store. */
  store: IdempotencyStore;
  settings: IdempotencySettings;
  logger: Logger;
}

/** Header names arrive lower-case (HttpOperation.headers). */
const HEADER = 'idempotency-key';
/** Visible ASCII only: no spaces, controls or encodings to normalise, so one key is one string everywhere. */
const KEY_SYNTAX = /^[\x21-\x7E]{1,255}$/;
/** How often a duplicate asks whether the first request has answered. */
const POLL_MS = 25;

const REUSED = 'this Idempotency-Key was already used for a different request; send a new key with each new request';
const STILL_RUNNING = 'a request with this Idempotency-Key is still running; retry later with the same key to get its answer';

/**
 * `Idempotency-Key` on mutations: one runs at most once per key and tenant within settings.ttlSeconds, and a retry
 * of the same request, by the same caller, gets the stored answer again (`Idempotent-Replayed: true`). Only what
 * ran is stored; an answer saying it did not run releases the key so a retry runs. With the store down, mutations
 * with a key are refused (503) rather than run unguarded.
 */
export function useIdempotency(options: IdempotencyOptions): GatewayFeature {
  const { store, settings } = options;
  const logger = options.logger.child({ feature: 'idempotency' });

  async function aroundHttpOperation(operation: HttpOperation, next: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
    const header = operation.headers[HEADER];
    // Only mutations change anything; a query with a key runs as any query does.
    if (header === undefined || operation.operationType !== 'mutation') return next();
    const { principal, requestId } = operation.context.request;
    if (typeof header !== 'string' || !KEY_SYNTAX.test(header)) {
      return refusal(errors.badInput('Idempotency-Key', 'must be one header of 1 to 255 visible ASCII characters (0x21-0x7E), such as a UUID'), requestId);
    }
    // A stored answer replays only to its own caller; an anonymous one (a sign-in's tokens) has no caller to bind.
    if (principal.kind === 'ANONYMOUS' || principal.subject === null) {
      return refusal(errors.badInput('Idempotency-Key', 'needs a signed-in caller; sign in first, or send this mutation without the header'), requestId);
    }
    const key = header;
    const scope = principal.tenantId ?? 'platform';
    const record: IdempotencyRecord = { fingerprint: requestFingerprint(operation), principal: `${principal.kind}:${principal.subject}` };
    const deadline = Date.now() + settings.waitMs;
    for (;;) {
      let outcome: ClaimOutcome;
      try {
        outcome = await store.claim(scope, key, record, settings.waitMs);
      } catch (error) {
        logger.error('idempotency store failed; mutation with an Idempotency-Key refused without running', { requestId, operationName: operation.operationName, error: messageOf(error) });
        return refusal(errors.unavailable('Idempotency-Key cannot be checked right now, so the mutation did not run; retry it with the same key'), requestId);
      }
      if ('claimed' in outcome) return run(operation, next, scope, key, outcome.claimed);
      const holder = 'stored' in outcome ? outcome.stored : outcome.pending;
      // The same message for another caller as for another request: one caller learns nothing of another's keys.
      if (holder.principal !== record.principal || holder.fingerprint !== record.fingerprint) return refusal(errors.conflict(REUSED), requestId);
      if ('stored' in outcome) return replayOf(outcome.stored);
      const left = deadline - Date.now();
      if (left <= 0) return refusal(errors.conflict(STILL_RUNNING), requestId);
      await delay(Math.min(POLL_MS, left));
    }
  }

  /** Runs the claimed mutation, keeping its claim alive meanwhile, and stores what it answered if it ran. */
  async function run(operation: HttpOperation, next: () => Promise<HttpAnswer>, scope: string, key: string, claim: IdempotencyClaim): Promise<HttpAnswer> {
    const fields = { requestId: operation.context.request.requestId, operationName: operation.operationName };
    const release = async (): Promise<void> => {
      try {
        await store.release(scope, key, claim);
      } catch (error) {
        logger.warn('could not release an Idempotency-Key claim; a retry waits until it lapses', { ...fields, error: messageOf(error) });
      }
    };
    let answer: HttpAnswer;
    const stopRenewing = keepClaimed(scope, key, claim, fields);
    try {
      answer = await next();
    } catch (error) {
      stopRenewing();
      await release();
      throw error;
    }
    stopRenewing();
    if (!answerShowsARun(answer)) {
      await release();
      return answer;
    }
    const bytes = Buffer.byteLength(answer.body);
    if (bytes > settings.maxResponseBytes) {
      logger.warn('mutation answer too large to keep for Idempotency-Key replays; a retry will run it again', { ...fields, bytes, maxResponseBytes: settings.maxResponseBytes });
      await release();
      return answer;
    }
    try {
      const kept = await store.complete(scope, key, claim, storedFrom(answer), settings.ttlSeconds);
      if (!kept) logger.warn('mutation answer not kept for Idempotency-Key replays: its claim lapsed and another request took the key, or the store had no room', fields);
    } catch (error) {
      // It ran: its caller gets its answer. A retry once the claim lapses would run it again, which the log must say.
      logger.error('could not keep a mutation answer for Idempotency-Key replays', { ...fields, error: messageOf(error) });
    }
    return answer;
  }

  /**
   * A claim lapses after waitMs so a dead replica's key frees itself; a live request renews it, so a mutation that
   * runs longer than waitMs is not run a second time by a duplicate (which is told it is still running instead).
   */
  function keepClaimed(scope: string, key: string, claim: IdempotencyClaim, fields: Record<string, unknown>): () => void {
    let warned = false;
    let stopped = false;
    // A renewal still in flight when the run ends may find the claim completed or released: that is no lapse.
    const warnOnce = (message: string, extra: Record<string, unknown> = {}) => {
      if (warned || stopped) return;
      warned = true;
      logger.warn(message, { ...fields, ...extra });
    };
    const timer = setInterval(() => {
      store.renew(scope, key, claim, settings.waitMs).then(
        (held) => (held ? undefined : warnOnce('an Idempotency-Key claim lapsed while its mutation ran; a duplicate may run it again')),
        (error: unknown) => warnOnce('could not renew an Idempotency-Key claim', { error: messageOf(error) }),
      );
    }, Math.max(1, Math.floor(settings.waitMs / 3)));
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  return {
    name: 'idempotency',
    aroundHttpOperation,
    stop: () => store.stop(),
  };
}

/** Only the message: a Redis error object can carry the command's arguments, which hold keys and bodies. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
