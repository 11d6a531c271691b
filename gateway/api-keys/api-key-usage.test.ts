import type { ApiKeyUseReport } from '../../infrastructure/authorization/api-key';
import { loggerOver } from '../../infrastructure/logging/logger';
import { API_KEY_USES_PER_REPORT, ApiKeyUsageRecorder } from './api-key-usage';

const silent = loggerOver({ write: () => undefined });
const id = (n: number) => `0193a1b2-0000-7000-8000-${String(n).padStart(12, '0')}`;

function fakeIdentity() {
  const fake = {
    reports: [] as ApiKeyUseReport[],
    failing: false,
    report: async (report: ApiKeyUseReport) => {
      if (fake.failing) throw new Error('identity down');
      fake.reports.push(report);
    },
  };
  return fake;
}

describe('API key use reports', () => {
  it('reports each key once per flush, with its latest use, however many requests used it', async () => {
    const identity = fakeIdentity();
    const recorder = new ApiKeyUsageRecorder(identity.report, silent);
    for (let i = 0; i < 50; i++) recorder.record(id(1), new Date(Date.UTC(2030, 0, 1, 0, 0, i)));
    recorder.record(id(2), new Date('2030-01-01T00:00:00Z'));
    await recorder.flush();
    expect(identity.reports).toEqual([
      {
        uses: [
          { id: id(1), at: '2030-01-01T00:00:49.000Z' },
          { id: id(2), at: '2030-01-01T00:00:00.000Z' },
        ],
      },
    ]);
    await recorder.flush();
    expect(identity.reports).toHaveLength(1);
  });

  it('splits a large batch into reports identity accepts', async () => {
    const identity = fakeIdentity();
    const recorder = new ApiKeyUsageRecorder(identity.report, silent);
    identity.failing = true;
    for (let i = 0; i < API_KEY_USES_PER_REPORT + 10; i++) recorder.record(id(i));
    await recorder.flush();
    identity.failing = false;
    await recorder.flush();
    expect(identity.reports.map((r) => r.uses.length)).toEqual([API_KEY_USES_PER_REPORT, 10]);
  });

  it('keeps the uses of a failed report for the next flush', async () => {
    const identity = fakeIdentity();
    const recorder = new ApiKeyUsageRecorder(identity.report, silent);
    recorder.record(id(1), new Date('2030-01-01T00:00:00Z'));
    identity.failing = true;
    await recorder.flush();
    expect(recorder.pendingCount).toBe(1);
    identity.failing = false;
    await recorder.flush();
    expect(identity.reports).toEqual([{ uses: [{ id: id(1), at: '2030-01-01T00:00:00.000Z' }] }]);
  });

  it('keeps a newer use recorded while a failed report was out', async () => {
    const identity = fakeIdentity();
    const recorder = new ApiKeyUsageRecorder(identity.report, silent);
    recorder.record(id(1), new Date('2030-01-01T00:00:00Z'));
    identity.failing = true;
    const flushing = recorder.flush();
    recorder.record(id(1), new Date('2030-01-01T00:05:00Z'));
    await flushing;
    identity.failing = false;
    await recorder.flush();
    expect(identity.reports).toEqual([{ uses: [{ id: id(1), at: '2030-01-01T00:05:00.000Z' }] }]);
  });
});
