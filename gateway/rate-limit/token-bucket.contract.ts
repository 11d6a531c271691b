/// <reference types="jest" />
// The reference keeps this file compiling under tsconfig.build.json, which drops the jest types.
import { randomUUID } from 'node:crypto';
import type { TokenBucketSettings } from '../../infrastructure/config/config';
import { tokenBucket, type BucketAnswer, type BucketStore, type TokenBucket } from './token-bucket';

/** Buckets over a fresh key prefix in the store under test; `cleanup` runs after each test. */
export type MakeBucketStore = () => Promise<{ store: BucketStore; cleanup: () => Promise<void> }>;

/** Time passes for the library's windows only in real time (it reads the clock itself), so these tests wait for real. */
const waitSeconds = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000 + 50));

/** What every bucket store promises; call once per store (memory, Redis). Sizes are small so waits stay short. */
export function describeTokenBucketContract(name: string, makeStore: MakeBucketStore): void {
  describe(name, () => {
    let store: BucketStore;
    let cleanup: () => Promise<void>;
    let keyPrefix: string;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      keyPrefix = `lattice:test:${randomUUID()}:ratelimit:user`;
    });

    afterEach(async () => {
      await cleanup();
    });

    const bucket = (size: TokenBucketSettings): TokenBucket => tokenBucket(size, { store, keyPrefix });
    const takeEach = async (from: TokenBucket, key: string, times: number): Promise<BucketAnswer[]> => {
      const answers: BucketAnswer[] = [];
      for (let i = 0; i < times; i += 1) answers.push(await from.take(key, 1));
      return answers;
    };
    const allowedCount = (answers: readonly BucketAnswer[]) => answers.filter((a) => a.allowed).length;

    it('lets a full bucket spend its whole burst at once, then refuses with a whole number of seconds to wait', async () => {
      const answers = await takeEach(bucket({ perSecond: 5, burst: 10 }), 'u1', 11);
      expect(answers.slice(0, 10).every((a) => a.allowed)).toBe(true);
      expect(answers[10]).toEqual({ allowed: false, retryAfterSeconds: 1 });
    });

    it('gives perSecond tokens back once the wait it named has passed, not the whole burst', async () => {
      const limited = bucket({ perSecond: 5, burst: 10 });
      const refused = (await takeEach(limited, 'u1', 11))[10]!;
      expect(refused.allowed).toBe(false);
      await waitSeconds(refused.allowed ? 0 : refused.retryAfterSeconds);
      // The second's 5 are back; the burst pool refills 2 s (burst / perSecond) after it was first drawn.
      expect(allowedCount(await takeEach(limited, 'u1', 6))).toBe(5);
    });

    it('charges a batch one token per operation, and refuses a batch larger than what is left', async () => {
      const limited = bucket({ perSecond: 5, burst: 10 });
      await expect(limited.take('u1', 4)).resolves.toEqual({ allowed: true });
      await expect(limited.take('u1', 4)).resolves.toEqual({ allowed: true });
      await expect(limited.take('u1', 3)).resolves.toMatchObject({ allowed: false });
    });

    it('keeps each key to its own bucket', async () => {
      const limited = bucket({ perSecond: 5, burst: 10 });
      expect(allowedCount(await takeEach(limited, 'u1', 12))).toBe(10);
      expect(allowedCount(await takeEach(limited, 'u2', 12))).toBe(10);
    });

    it('holds to perSecond when the burst is no larger (nothing is finer than the one-second window)', async () => {
      expect(allowedCount(await takeEach(bucket({ perSecond: 5, burst: 3 }), 'u1', 8))).toBe(5);
    });
  });
}
