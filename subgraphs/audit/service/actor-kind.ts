import type { ActorKind } from '../../../infrastructure/events/domain-event';

/**
 * Who caused a recorded event, as the audit trail shows it. The envelope records USER, API_KEY or SYSTEM; a USER
 * who belongs to no tenant (a platform admin) is shown as PLATFORM.
 */
export type AuditActorKind = 'USER' | 'PLATFORM' | 'API_KEY' | 'SYSTEM';

/**
 * What identity says about a user actor: the tenant they belong to, null for a platform user, undefined when
 * identity knows no such user (or could not be asked).
 */
export type ActorTenant = string | null | undefined;

/**
 * Derived when read, not stored: a user's tenant never changes, so the tenant identity gives now is the tenant the
 * actor had when the event happened, and records written before the kind existed read the same as new ones.
 */
export function actorKindOf(recorded: ActorKind, actorTenant: ActorTenant): AuditActorKind {
  if (recorded !== 'USER') return recorded;
  return actorTenant === null ? 'PLATFORM' : 'USER';
}
