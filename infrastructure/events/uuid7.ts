import { randomFillSync } from 'node:crypto';

/**
 * RFC 9562 UUID version 7: 48-bit Unix milliseconds, then a 42-bit counter
 * (rand_a plus the top 30 bits of rand_b, §6.2 method 1) and 32 random bits.
 * Ids from one generator sort in creation order, also within one millisecond.
 */
export type Uuid7Generator = () => string;

export interface Uuid7GeneratorOptions {
  /** Milliseconds since the Unix epoch; defaults to Date.now. */
  now?: () => number;
  /** Fills the buffer with random bytes; defaults to node:crypto randomFillSync. */
  fillRandom?: (bytes: Buffer) => void;
}

const COUNTER_LIMIT = 2 ** 42;
const LOW_COUNTER_BITS = 2 ** 30;
const MAX_TIMESTAMP = 2 ** 48 - 1;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function createUuid7Generator(options: Uuid7GeneratorOptions = {}): Uuid7Generator {
  const now = options.now ?? Date.now;
  const fillRandom = options.fillRandom ?? ((bytes: Buffer) => void randomFillSync(bytes));
  const random = Buffer.alloc(10);
  let lastTimestamp = -1;
  let counter = 0;

  return () => {
    fillRandom(random);
    const timestamp = Math.floor(now());
    if (!Number.isFinite(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) {
      throw new RangeError(`UUIDv7 clock must give milliseconds in [0, 2^48) (got ${timestamp})`);
    }
    if (timestamp > lastTimestamp) {
      lastTimestamp = timestamp;
      counter = counterSeed(random);
    } else {
      // Same millisecond, or the clock went backwards: stay on the last timestamp
      // and count up so ids keep increasing (§6.2, monotonicity).
      counter += 1;
      if (counter >= COUNTER_LIMIT) {
        // Counter rollover: borrow the next millisecond, as §6.2 allows.
        lastTimestamp += 1;
        counter = counterSeed(random);
      }
    }
    return formatUuidV7(lastTimestamp, counter, random);
  };
}

const defaultGenerator = createUuid7Generator();

/** A new UUIDv7 from the process-wide generator. */
export function uuid7(): string {
  return defaultGenerator();
}

/** The Unix millisecond timestamp a UUIDv7 carries. */
export function uuid7Timestamp(id: string): number {
  if (!UUID_V7.test(id)) {
    throw new TypeError(`Not a UUIDv7: ${JSON.stringify(id)}`);
  }
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A random start for a new millisecond's counter, top bit clear so 2^41 increments always fit (§6.2). */
function counterSeed(random: Buffer): number {
  return (random.readUInt16BE(4) & 0x1ff) * 2 ** 32 + random.readUInt32BE(6);
}

function formatUuidV7(timestamp: number, counter: number, random: Buffer): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(timestamp, 0, 6);
  const high = Math.floor(counter / LOW_COUNTER_BITS); // 12 bits: rand_a
  const low = counter % LOW_COUNTER_BITS; // 30 bits: top of rand_b
  bytes[6] = 0x70 | (high >>> 8); // version 7
  bytes[7] = high & 0xff;
  bytes[8] = 0x80 | (low >>> 24); // variant 10
  bytes[9] = (low >>> 16) & 0xff;
  bytes[10] = (low >>> 8) & 0xff;
  bytes[11] = low & 0xff;
  random.copy(bytes, 12, 0, 4);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
