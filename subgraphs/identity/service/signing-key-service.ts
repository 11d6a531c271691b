import { PERMISSIONS, requirePermission } from '../../../infrastructure/authorization/permissions';
import { SIGNING_KEY_ROTATED } from '../../../infrastructure/authorization/signing-keys';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import type { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import type { DomainEvent } from '../../../infrastructure/events';
import type { EventStore } from '../../../infrastructure/events/outbox/event-store';
import { RequestEvents } from '../../../infrastructure/events/outbox/request-events';
import { eventMetadataOf } from '../../../infrastructure/events/request-metadata';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { RotatedKey, TokenIssuer } from './token-issuer';

type Metadata = Pick<DomainEvent, 'actor' | 'requestId' | 'ipAddress' | 'userAgent'>;

/** Rotations, on demand (platform admins) or on schedule, announced through the outbox so gateways fetch the new key at once. */
export class SigningKeyRotations {
  constructor(
    private readonly tokens: TokenIssuer,
    private readonly events: EventStore,
    private readonly database: TenantDatabase,
    private readonly logger: Logger,
  ) {}

  async rotateNow(request: RequestContext): Promise<RotatedKey> {
    requirePermission(request.principal, PERMISSIONS.platformAdmin);
    const rotated = await this.rotateAndRecord(() => this.tokens.rotate(), eventMetadataOf(request), 'requested');
    if (!rotated) throw new Error('rotation produced no key');
    return rotated;
  }

  /** The scheduled check: rotates when the newest key is older than the configured age (once across replicas). */
  rotateIfDue(): Promise<RotatedKey | null> {
    return this.rotateAndRecord(() => this.tokens.rotateIfDue(), { actor: { kind: 'SYSTEM', id: 'identity' }, requestId: null, ipAddress: null, userAgent: null }, 'scheduled');
  }

  /** The new key and its event commit together: the key store's platform-scope unit of work is this one. */
  private async rotateAndRecord(rotate: () => Promise<RotatedKey | null>, metadata: Metadata, trigger: 'requested' | 'scheduled'): Promise<RotatedKey | null> {
    const db = this.database.asPlatform(`signing-key rotation (${trigger})`);
    const rotated = await db.run(async () => {
      const key = await rotate();
      if (key) {
        await new RequestEvents(this.events, db, metadata).record({
          type: SIGNING_KEY_ROTATED,
          aggregateType: 'SigningKey',
          aggregateId: key.kid,
          tenantId: null,
          // Public facts only: the kid and when it signs. The key material never leaves identity's database and JWKS.
          data: { kid: key.kid, activatesAt: key.activatesAt.toISOString(), retiring: key.retiring, trigger },
        });
      }
      return key;
    });
    if (rotated) this.logger.info('signing key rotated', { kid: rotated.kid, activatesAt: rotated.activatesAt.toISOString(), retiring: rotated.retiring, trigger });
    return rotated;
  }
}
