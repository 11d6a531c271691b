import type { RequestContext } from '../../../infrastructure/context/request-context';
import { createDomainEvent, type EventBus } from '../../../infrastructure/events';
import { eventMetadataOf } from '../../../infrastructure/events/request-metadata';
import type { Logger } from '../../../infrastructure/logging/logger';

/** Publishes tenancy's domain events for one request. */
export class TenancyEvents {
  constructor(
    private readonly bus: EventBus,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {}

  // Until the transactional outbox lands (events issue), publishing happens after commit and a crash in between loses the event.
  async publish(
    type: string,
    aggregate: { type: string; id: string; version: number; tenantId: string | null },
    data: Record<string, unknown>,
  ): Promise<void> {
    // The change is already committed: a failure here is logged loudly but must not turn a success into an error.
    try {
      await this.bus.publish(
        createDomainEvent({
          type,
          source: 'tenancy',
          aggregateType: aggregate.type,
          aggregateId: aggregate.id,
          aggregateVersion: aggregate.version,
          tenantId: aggregate.tenantId,
          ...eventMetadataOf(this.request),
          data,
        }),
      );
    } catch (error) {
      this.logger.error('could not publish event', { type, error });
    }
  }
}
