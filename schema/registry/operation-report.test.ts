import { readOperationReport } from './operation-report';

const use = { signatureHash: 'a'.repeat(64), signature: 'query Q{me{id}}', operationName: 'Q', coordinates: ['Query.me', 'User.id'], clientName: 'web', clientVersion: '1.0', day: '2026-12-03', count: 3 };
const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { extensions?: { code?: string } }).extensions?.code, message: (error as Error).message };
  }
  return null;
};

describe('readOperationReport', () => {
  it("reads a gateway's report entry by entry", () => {
    expect(readOperationReport(JSON.stringify({ operations: [use] }))).toEqual([use]);
  });

  it('refuses the whole report, naming the entry, when one entry is not an operation use', () => {
    const bad = [{ ...use, count: 0 }, { ...use, day: '03/12/2026' }, { ...use, signatureHash: 'not-a-hash' }, { ...use, coordinates: 'Query.me' }];
    for (const entry of bad) {
      expect(code(() => readOperationReport(JSON.stringify({ operations: [use, entry] })))).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^report\.operations\[1\]: /) });
    }
  });

  it('refuses text that is not JSON, and a report that is not a list of at most 5,000 entries', () => {
    expect(code(() => readOperationReport('{'))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'report: is not JSON' });
    expect(code(() => readOperationReport(JSON.stringify({ operations: {} })))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(code(() => readOperationReport(JSON.stringify({ operations: Array.from({ length: 5_001 }, () => use) })))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
