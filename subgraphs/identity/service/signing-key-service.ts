import { PERMISSIONS, requirePermission } from '../../../infrastructure/authorization/permissions';
import { SIGNING_KEY_ROTATED } from '../../../infrastructure/authorization/signing-keys';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { createDomainEvent, type EventBus } from '../../../infrastructure/events';
import { eventMetadataOf } from '../../../infrastructure/events/request-metadata';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { RotatedKey, TokenIssuer } from './token-issuer';


/** Rotations, on demand (platform admins) or on schedule, announced on the bus so gateways fetch the new key at once. */
export class SigningKeyRotations {
  constructor(
    private readonly tokens: TokenIssuer,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async rotateNow(request: RequestContext): Promise<RotatedKey> {
    requirePermission(request.principal, PERMISSIONS.platformAdmin);
    const rotated = await this.tokens.rotate();
    await this.announce(rotated, eventMetadataOf(request), 'requested');
    return rotated;
  }

  /** The scheduled check: rotates when the newest key is older than the configured age (once across replicas). */
  async rotateIfDue(): Promise<RotatedKey | null> {
    const rotated = await this.tokens.rotateIfDue();
    if (rotated) await this.announce(rotated, { actor: { kind: 'SYSTEM', id: 'identity' }, requestId: null, ipAddress: null, userAgent: null }, 'scheduled');
    return rotated;
  }

  private async announce(rotated: RotatedKey, metadata: ReturnType<typeof eventMetadataOf>, trigger: 'requested' | 'scheduled'): Promise<void> {
    this.logger.info('signing key rotated', { kid: rotated.kid, activatesAt: rotated.activatesAt.toISOString(), retiring: rotated.retiring, trigger });
    const event = createDomainEvent({
      type: SIGNING_KEY_ROTATED,
      source: 'identity',
      aggregateType: 'SigningKey',
      aggregateId: rotated.kid,
      aggregateVersion: 1,
      tenantId: null,
      ...metadata,
      // Public facts only: the kid and when it signs. The key material never leaves identity's database and JWKS.
      data: { kid: rotated.kid, activatesAt: rotated.activatesAt.toISOString(), retiring: rotated.retiring, trigger },
    });
    await this.bus.publish(event).catch((error: unknown) => this.logger.error('could not publish event', { type: event.type, error }));
  }
}
