import type { RequestContext } from '../context/request-context';
import type { DomainEvent } from './domain-event';

/** The envelope fields that say who caused an event and through which request. */
export function eventMetadataOf(request: RequestContext): Pick<DomainEvent, 'actor' | 'requestId' | 'ipAddress' | 'userAgent'> {
  const { principal } = request;
  return {
    actor: { kind: principal.kind === 'ANONYMOUS' ? 'SYSTEM' : principal.kind, id: principal.subject },
    requestId: request.requestId,
    ipAddress: request.ipAddress,
    userAgent: request.userAgent,
  };
}
