import { loggerOver, type LogFields } from '../../infrastructure/logging/logger';
import { storeOutageWarning } from './store-outage-warning';

describe('the Redis outage warning of the rate limits', () => {
  it('warns at most once per 10 s however often the buckets fall back, and counts the fall-backs in between', () => {
    const clock = { now: 0 };
    const warnings: LogFields[] = [];
    const fellBack = storeOutageWarning(loggerOver({ write: (level, _message, fields) => void (level === 'warn' && warnings.push(fields)) }), {
      everyMs: 10_000,
      now: () => clock.now,
    });
    for (let i = 0; i < 50; i += 1) fellBack();
    expect(warnings).toHaveLength(1);
    clock.now = 9_999;
    fellBack();
    expect(warnings).toHaveLength(1);
    clock.now = 10_000;
    fellBack();
    expect(warnings).toEqual([{ fallbacks: 1 }, { fallbacks: 51 }]);
  });
});
