import { errors } from '../errors/error-codes';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  limit: number;
  /** The sort key of the last row the caller saw, or null for the first page. */
  afterKey: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const CURSOR_PREFIX = 'c1:';

export function encodeCursor(key: string): string {
  return Buffer.from(CURSOR_PREFIX + key).toString('base64url');
}

/** Validates Relay arguments: `first` in 1..100 (default 20), `after` a cursor this API issued. */
export function parsePageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw errors.badInput('first', `must be between 1 and ${MAX_PAGE_SIZE} (got ${first})`);
  }
  if (after === null || after === undefined) return { limit, afterKey: null };
  const decoded = Buffer.from(after, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length === CURSOR_PREFIX.length) {
    throw errors.badInput('after', `is not a cursor returned by this API (got ${JSON.stringify(after)})`);
  }
  return { limit, afterKey: decoded.slice(CURSOR_PREFIX.length) };
}

/** `rows` must have been fetched with `limit + 1` so the extra row tells whether another page exists. */
export function toPage<R, T>(rows: readonly R[], request: PageRequest, keyOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const visible = rows.slice(0, request.limit);
  const edges = visible.map((row) => ({ cursor: encodeCursor(keyOf(row)), node: map(row) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > request.limit, endCursor: edges.length > 0 ? edges[edges.length - 1]!.cursor : null },
  };
}

/** Maps the nodes of a page (domain objects to GraphQL types), keeping cursors and page info. */
export function mapPage<T, U>(page: Page<T>, map: (node: T) => U): Page<U> {
  return { pageInfo: page.pageInfo, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: map(edge.node) })) };
}
