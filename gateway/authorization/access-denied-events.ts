import { createDomainEvent } from '../../infrastructure/events';
import { eventMetadataOf } from '../../infrastructure/events/request-metadata';
import type { EventStream } from '../../infrastructure/events/stream/event-stream';
import { uuid7 } from '../../infrastructure/events/uuid7';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayContext } from '../core/feature';
import { refusalError } from './field-authorization';
import type { FieldRefusal } from './unauthorized-fields';

/**
 * The gateway's FORBIDDEN decisions as `security.access.denied` events. The gateway owns no database, so there is no
 * outbox to join: the event goes straight to the durable stream, and if the stream is unreachable it is logged
 * instead (the refusal itself never depends on it).
 */
export function recordGatewayDenials(stream: EventStream, logger: Logger): (context: GatewayContext, refusals: readonly FieldRefusal[]) => Promise<void> {
  return async (context, refusals) => {
    const { principal } = context.request;
    const event = createDomainEvent({
      type: 'security.access.denied',
      source: 'gateway',
      aggregateType: 'AccessDecision',
      aggregateId: uuid7(),
      aggregateVersion: 1,
      tenantId: principal.tenantId,
      ...eventMetadataOf(context.request),
      data: { principalKind: principal.kind, denials: refusals.map((r) => ({ path: r.path.join('.'), reason: refusalError(r).message })) },
    });
    await stream.append([event]).catch((error: unknown) => logger.warn('could not record a refused operation on the event stream', { requestId: context.request.requestId, error }));
  };
}
