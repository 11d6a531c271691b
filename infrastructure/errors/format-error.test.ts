import type { GraphQLFormattedError } from 'graphql';
import { errors } from './error-codes';
import { formatErrorForClient } from './format-error';

function format(error: GraphQLFormattedError) {
  const reported: GraphQLFormattedError[] = [];
  return { client: formatErrorForClient(error, 'req-1', (original) => reported.push(original)), reported };
}

describe('errors as clients see them', () => {
  it('replaces the text of an unexpected error, such as PostgreSQL’s, with a generic message and reports the original', () => {
    const original = {
      message: 'invalid input syntax for type uuid: "not-a-uuid"',
      path: ['tenant'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'tenancy', stacktrace: ['QueryFailedError: …'] },
    };
    const { client, reported } = format(original);
    expect(client).toEqual({
      message: 'internal error: the request could not be completed; quote the requestId when reporting it',
      path: ['tenant'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
    });
    expect(reported).toEqual([original]);
  });

  it('masks an error without any code the same way', () => {
    const { client, reported } = format({ message: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(client.message).not.toContain('ECONNREFUSED');
    expect(client.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(reported).toHaveLength(1);
  });

  it("keeps a foreign subgraph's own code and message (written for the caller), without its stack", () => {
    const { client, reported } = format({ message: 'this review is hidden pending moderation', path: ['reviews', 1], extensions: { code: 'CONTENT_HIDDEN', serviceName: 'reviews', stacktrace: ['Error: …'] } });
    expect(client).toEqual({ message: 'this review is hidden pending moderation', path: ['reviews', 1], extensions: { code: 'CONTENT_HIDDEN', requestId: 'req-1' } });
    expect(reported).toEqual([]);
  });

  it("masks a subgraph error that carried no code (the gateway's DOWNSTREAM_SERVICE_ERROR) or a code that is not one", () => {
    for (const code of ['DOWNSTREAM_SERVICE_ERROR', 'not a code; DROP TABLE', 'UNKNOWN']) {
      const { client, reported } = format({ message: 'relation "users" does not exist', extensions: { code } });
      expect(client.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(client.message).not.toContain('relation');
      expect(reported).toHaveLength(1);
    }
  });

  it('does not tell the caller which subgraph answered a refusal (a failed sign-in names no service)', () => {
    const { client } = format({ message: 'wrong e-mail or password', extensions: { code: 'UNAUTHENTICATED', serviceName: 'identity' } });
    expect(client).toEqual({ message: 'wrong e-mail or password', extensions: { code: 'UNAUTHENTICATED', requestId: 'req-1' } });
  });

  it('keeps the message of a Lattice error, which was written for the caller', () => {
    const refusal = errors.malformedId('id', 'Query.tenant', 'Query.tenant(id:)', 'a UUID', 'x');
    const { client, reported } = format({ message: refusal.message, extensions: { ...refusal.extensions } });
    expect(client).toEqual({ message: 'argument "id" of Query.tenant must be a UUID (got "x")', extensions: { code: 'BAD_USER_INPUT', field: 'id', coordinate: 'Query.tenant(id:)', requestId: 'req-1' } });
    expect(reported).toEqual([]);
  });

  it('answers a malformed request with BAD_USER_INPUT and the reason Apollo gave', () => {
    const { client } = format({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(client.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED', requestId: 'req-1' });
  });
});
