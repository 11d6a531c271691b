import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  const request = { query: 'mutation M($input: In!) { m(input: $input) { id } }', operationName: 'M', variables: { input: { b: 1, a: [{ y: 2, x: 1 }] } } };

  it('is the SHA-256 (hex) of the canonical JSON of query, operationName and variables', () => {
    expect(requestFingerprint(request)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ query: request.query, operationName: 'M', variables: request.variables })).toBe(
      '{"operationName":"M","query":"mutation M($input: In!) { m(input: $input) { id } }","variables":{"input":{"a":[{"x":1,"y":2}],"b":1}}}',
    );
  });

  it('is the same whatever order the variables\' keys were sent in, at any depth', () => {
    const reordered = { ...request, variables: { input: { a: [{ x: 1, y: 2 }], b: 1 } } };
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(request));
  });

  it('differs when the text, the operation name, a variable or the order of a list differs', () => {
    const fingerprint = requestFingerprint(request);
    expect(requestFingerprint({ ...request, query: `${request.query} ` })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...request, operationName: null })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...request, variables: { input: { b: 2, a: [{ y: 2, x: 1 }] } } })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...request, variables: { input: { b: 1, a: [{ y: 2, x: 1 }, 3] } } })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...request, variables: { input: { b: 1, a: [{ y: 2, x: 1 }] }, extra: null } })).not.toBe(fingerprint);
  });

  it('drops an undefined variable as JSON would, so it matches a request that never sent it', () => {
    expect(requestFingerprint({ ...request, variables: { ...request.variables, missing: undefined } })).toBe(requestFingerprint(request));
  });
});
