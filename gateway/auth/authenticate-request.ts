import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import type { AccessTokenVerifier } from './access-token-verifier';

/** No Authorization header is an anonymous caller (subgraphs decide what anonymous may do); a bad one is refused. */
export async function authenticateRequest(headers: IncomingHttpHeaders, verifier: AccessTokenVerifier): Promise<Principal> {
  const header = headers.authorization;
  if (header === undefined || header.trim() === '') return ANONYMOUS;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw errors.unauthenticated('the Authorization header must be "Bearer <access token>"');
  return verifier.verify(match[1]!);
}
