import { encodeCursor, parsePageRequest, toPage } from './pagination';

describe('Relay pagination arguments', () => {
  it('defaults to 20 rows from the start', () => {
    expect(parsePageRequest(undefined, undefined)).toEqual({ limit: 20, afterKey: null });
  });

  it('answers BAD_USER_INPUT naming `first` when it is out of range', () => {
    expect(() => parsePageRequest(0, null)).toThrow(/first: must be between 1 and 100 \(got 0\)/);
    expect(() => parsePageRequest(101, null)).toThrow(/first/);
  });

  it('answers BAD_USER_INPUT naming `after` for a cursor it never issued', () => {
    expect(() => parsePageRequest(5, 'not-a-cursor')).toThrow(/after: is not a cursor/);
  });

  it('reports a next page only when more rows exist than were asked for', () => {
    const request = parsePageRequest(2, null);
    const page = toPage(['a', 'b', 'c'], request, (r) => r, (r) => r.toUpperCase());
    expect(page.edges.map((e) => e.node)).toEqual(['A', 'B']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor('b') });
    expect(parsePageRequest(2, page.pageInfo.endCursor).afterKey).toBe('b');
    expect(toPage(['a'], request, (r) => r, (r) => r).pageInfo.hasNextPage).toBe(false);
  });
});
