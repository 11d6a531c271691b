import { createUuid7Generator, uuid7, uuid7Timestamp } from './uuid7';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuid7', () => {
  it('formats an RFC 9562 version 7, variant 10 UUID in lowercase', () => {
    for (let i = 0; i < 1000; i += 1) {
      expect(uuid7()).toMatch(UUID_V7);
    }
  });

  it('puts the Unix milliseconds in the first 48 bits (RFC 9562 appendix A.6 timestamp)', () => {
    const next = createUuid7Generator({ now: () => 0x017f22e279b0 });
    const id = next();
    expect(id.startsWith('017f22e2-79b0-7')).toBe(true);
    expect(uuid7Timestamp(id)).toBe(0x017f22e279b0);
  });

  it('increases strictly within the same millisecond', () => {
    const next = createUuid7Generator({ now: () => 1_700_000_000_000 });
    const ids = Array.from({ length: 10_000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => uuid7Timestamp(id) === 1_700_000_000_000)).toBe(true);
  });

  it('keeps increasing when the clock goes backwards', () => {
    const times = [1_700_000_000_500, 1_700_000_000_100, 1_700_000_000_100, 1_700_000_000_600];
    const next = createUuid7Generator({ now: () => times.shift() ?? 0 });
    const ids = [next(), next(), next(), next()];
    expect([...ids].sort()).toEqual(ids);
    expect(uuid7Timestamp(ids[1] as string)).toBe(1_700_000_000_500);
    expect(uuid7Timestamp(ids[3] as string)).toBe(1_700_000_000_600);
  });

  it('sorts ids from later milliseconds after earlier ones whatever the random bits', () => {
    let time = 1_700_000_000_000;
    const next = createUuid7Generator({ now: () => (time += 1), fillRandom: (bytes) => bytes.fill(0xff) });
    const earlier = next();
    const later = createUuid7Generator({ now: () => time + 1, fillRandom: (bytes) => bytes.fill(0) })();
    expect(earlier < later).toBe(true);
  });

  it('rejects a clock outside the 48-bit range', () => {
    expect(() => createUuid7Generator({ now: () => -1 })()).toThrow(RangeError);
    expect(() => createUuid7Generator({ now: () => 2 ** 48 })()).toThrow(RangeError);
  });

  it('refuses to read a timestamp from a UUID that is not version 7', () => {
    expect(() => uuid7Timestamp('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toThrow(/Not a UUIDv7/);
  });
});
