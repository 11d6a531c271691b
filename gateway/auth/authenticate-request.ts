import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';

/** Turns a bearer credential into the caller, or refuses it (UNAUTHENTICATED). */
export interface CredentialVerifier {
  verify(token: string): Promise<Principal>;
}

/** No Authorization header is an anonymous caller (subgraphs decide what anonymous may do); a bad one is refused. */
export async function authenticateRequest(headers: IncomingHttpHeaders, verifier: CredentialVerifier): Promise<Principal> {
  const header = headers.authorization;
  if (header === undefined || header.trim() === '') return ANONYMOUS;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw errors.unauthenticated('the Authorization header must be "Bearer <access token>" or "Bearer lat_<API key>"');
  return verifier.verify(match[1]!);
}
