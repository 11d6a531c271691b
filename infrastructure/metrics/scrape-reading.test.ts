import { loggerOver, type LogFields } from '../logging/logger';
import { scrapeReading } from './scrape-reading';

function recordingLogger() {
  const warnings: { message: string; fields: LogFields }[] = [];
  const logger = loggerOver({ write: (level, message, fields) => void (level === 'warn' && warnings.push({ message, fields })) });
  return { logger, warnings };
}

describe('a scrape-time reading', () => {
  it('is shared by the gauges asking while it is in flight: one query per scrape', async () => {
    let reads = 0;
    const { logger } = recordingLogger();
    const reading = scrapeReading({ what: 'outbox', logger, read: async () => ({ backlog: (reads += 1) }) });
    const [first, second] = await Promise.all([reading(), reading()]);
    expect(reads).toBe(1);
    expect(first).toBe(second);
    // The next scrape reads again.
    expect(await reading()).toEqual({ backlog: 2 });
  });

  it('is null when the read fails, and logs the failure at most once a minute', async () => {
    let now = 0;
    const { logger, warnings } = recordingLogger();
    const reading = scrapeReading({ what: 'identity outbox', logger, now: () => now, read: () => Promise.reject(new Error('connection refused')) });
    expect(await reading()).toBeNull();
    now = 30_000;
    expect(await reading()).toBeNull();
    expect(await reading()).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('identity outbox');
    now = 60_000;
    expect(await reading()).toBeNull();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!.fields.failuresSinceLastWarning).toBe(2);
  });

  it('gives up on a read that does not answer within its timeout', async () => {
    const { logger, warnings } = recordingLogger();
    const reading = scrapeReading({ what: 'stream', logger, timeoutMs: 20, read: () => new Promise<never>(() => undefined) });
    expect(await reading()).toBeNull();
    expect(JSON.stringify(warnings[0]!.fields.error)).toMatch(/within 20 ms/);
  });
});
