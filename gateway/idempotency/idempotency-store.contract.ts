/// <reference types="jest" />
// The reference keeps this file compiling under tsconfig.build.json, which drops the jest types.
import { randomUUID } from 'node:crypto';
import type { ClaimOutcome, IdempotencyClaim, IdempotencyRecord, IdempotencyStore, StoredAnswer } from './idempotency-store';

export interface IdempotencyStoreHarness {
  store: IdempotencyStore;
  /** Lets `ms` pass as the store tells time: an injected clock moved on, or real time waited out for a server's expiry. */
  elapse: (ms: number) => Promise<void>;
  cleanup: () => Promise<void>;
}

export type MakeIdempotencyStore = () => Promise<IdempotencyStoreHarness>;

const CLAIM_TTL_MS = 60_000;
const ANSWER_TTL_SECONDS = 3_600;

/** The behaviour every IdempotencyStore promises; call once per implementation. */
export function describeIdempotencyStoreContract(name: string, makeStore: MakeIdempotencyStore): void {
  describe(name, () => {
    let store: IdempotencyStore;
    let elapse: (ms: number) => Promise<void>;
    let cleanup: () => Promise<void>;
    let scope: string;
    let key: string;

    beforeEach(async () => {
      ({ store, elapse, cleanup } = await makeStore());
      scope = randomUUID();
      key = `key-${randomUUID()}`;
    });

    afterEach(async () => {
      await cleanup();
    });

    const request: IdempotencyRecord = { fingerprint: 'a'.repeat(64), principal: 'USER:ada' };
    const answer: StoredAnswer = { status: 200, contentType: 'application/json; charset=utf-8', body: '{"data":{"createThing":{"id":"1"}}}' };

    async function claimed(record: IdempotencyRecord = request, ttlMs = CLAIM_TTL_MS): Promise<IdempotencyClaim> {
      const outcome = await store.claim(scope, key, record, ttlMs);
      if (!('claimed' in outcome)) throw new Error(`expected the key to be free, found ${JSON.stringify(outcome)}`);
      return outcome.claimed;
    }

    it('grants the first claim on a key, naming the record it was claimed for', async () => {
      const outcome = await store.claim(scope, key, request, CLAIM_TTL_MS);

      expect(outcome).toEqual({ claimed: { ...request, token: expect.any(String) } });
    });

    it('answers a later claim with the stored answer once the claim is completed', async () => {
      const claim = await claimed();

      await expect(store.complete(scope, key, claim, answer, ANSWER_TTL_SECONDS)).resolves.toBe(true);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ stored: { ...request, ...answer } });
    });

    it('keeps the body byte for byte, whatever its characters, and a missing content type', async () => {
      const body = JSON.stringify({ data: { text: 'Zürich ✓ "quoted" \\ \n 😀'.repeat(500) } });
      const claim = await claimed();

      await store.complete(scope, key, claim, { status: 200, contentType: null, body }, ANSWER_TTL_SECONDS);

      const outcome = await store.claim(scope, key, request, CLAIM_TTL_MS);
      expect(outcome).toEqual({ stored: { ...request, status: 200, contentType: null, body } });
    });

    it('answers a claim for a different request with the stored record, leaving the judgement to the caller', async () => {
      const claim = await claimed();
      await store.complete(scope, key, claim, answer, ANSWER_TTL_SECONDS);

      const other: IdempotencyRecord = { fingerprint: 'b'.repeat(64), principal: 'API_KEY:k1' };
      await expect(store.claim(scope, key, other, CLAIM_TTL_MS)).resolves.toEqual({ stored: { ...request, ...answer } });
    });

    it('tells a second claimer that the key is pending, with the first claim\'s record', async () => {
      await claimed();

      const other: IdempotencyRecord = { fingerprint: 'b'.repeat(64), principal: 'USER:grace' };
      await expect(store.claim(scope, key, other, CLAIM_TTL_MS)).resolves.toEqual({ pending: request });
    });

    it('grants exactly one of many simultaneous claims on a key', async () => {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.claim(scope, key, request, CLAIM_TTL_MS)));

      expect(outcomes.filter((o) => 'claimed' in o)).toHaveLength(1);
      expect(outcomes.filter((o) => 'pending' in o)).toHaveLength(19);
    });

    it('keeps scopes apart: the same key in another scope is free', async () => {
      await claimed();

      const outcome = await store.claim(`${scope}:other`, key, request, CLAIM_TTL_MS);
      expect(outcome).toEqual({ claimed: expect.objectContaining(request) });
    });

    it('lets a new claim in once the claim is released', async () => {
      const claim = await claimed();

      await expect(store.release(scope, key, claim)).resolves.toBe(true);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ claimed: expect.objectContaining(request) });
    });

    it('lets a new claim in once the claim TTL has passed', async () => {
      await claimed(request, 100);
      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ pending: request });

      await elapse(150);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ claimed: expect.objectContaining(request) });
    });

    it('keeps a renewed claim past its first TTL', async () => {
      const claim = await claimed(request, 400);
      await elapse(250);

      await expect(store.renew(scope, key, claim, 400)).resolves.toBe(true);
      await elapse(250);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ pending: request });
    });

    it('never releases an answer', async () => {
      const claim = await claimed();
      await store.complete(scope, key, claim, answer, ANSWER_TTL_SECONDS);

      await expect(store.release(scope, key, claim)).resolves.toBe(false);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ stored: { ...request, ...answer } });
    });

    it('never overwrites an answer, by a second completion or a renewal', async () => {
      const claim = await claimed();
      await store.complete(scope, key, claim, answer, ANSWER_TTL_SECONDS);

      await expect(store.complete(scope, key, claim, { status: 200, contentType: null, body: '{"data":{"again":true}}' }, ANSWER_TTL_SECONDS)).resolves.toBe(false);
      await expect(store.renew(scope, key, claim, CLAIM_TTL_MS)).resolves.toBe(false);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ stored: { ...request, ...answer } });
    });

    it('leaves a claim that lapsed and was taken to its new holder: the old holder cannot release, renew or complete it', async () => {
      const stale = await claimed(request, 100);
      await elapse(150);
      const current = await claimed();

      await expect(store.release(scope, key, stale)).resolves.toBe(false);
      await expect(store.renew(scope, key, stale, CLAIM_TTL_MS)).resolves.toBe(false);
      await expect(store.complete(scope, key, stale, answer, ANSWER_TTL_SECONDS)).resolves.toBe(false);
      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ pending: request });

      await expect(store.complete(scope, key, current, answer, ANSWER_TTL_SECONDS)).resolves.toBe(true);
    });

    it('stores the answer of a claim that lapsed while nobody took the key, since that request did run', async () => {
      const claim = await claimed(request, 100);
      await elapse(150);

      await expect(store.complete(scope, key, claim, answer, ANSWER_TTL_SECONDS)).resolves.toBe(true);

      await expect(store.claim(scope, key, request, CLAIM_TTL_MS)).resolves.toEqual({ stored: { ...request, ...answer } });
    });

    it('forgets an answer after its TTL, so the key can be claimed again', async () => {
      const claim = await claimed();
      await store.complete(scope, key, claim, answer, 1);

      await elapse(1_200);

      const outcome: ClaimOutcome = await store.claim(scope, key, request, CLAIM_TTL_MS);
      expect(outcome).toEqual({ claimed: expect.objectContaining(request) });
    });
  });
}
