import type { AccessCheck, AccessCheckRequest } from '../../infrastructure/authorization/access-check';
import type { Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import { createDomainEvent } from '../../infrastructure/events';
import { ConnectivityState } from '../../infrastructure/events/bus-connectivity';
import { AccessRevocations } from './access-revocations';

const USER = '0193a1b2-0000-7000-8000-0000000000a1';
const SESSION = '0193a1b2-0000-7000-8000-0000000000b1';
const OTHER_SESSION = '0193a1b2-0000-7000-8000-0000000000b2';
const LIFETIME_MS = 3_600_000;
const WINDOW_MS = 5_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

const userPrincipal = (sessionId: string | null = SESSION): Principal => ({
  kind: 'USER',
  subject: USER,
  tenantId: null,
  roles: [],
  permissions: [],
  ...(sessionId ? { sessionId } : {}),
});

/** An identity stand-in whose answers the test controls, counting every question. */
function fakeIdentity() {
  const pending: (() => void)[] = [];
  const fake = {
    calls: [] as AccessCheckRequest[],
    answer: { live: true } as AccessCheck,
    hold: false,
    failWith: null as Error | null,
    release: () => pending.splice(0).forEach((resolve) => resolve()),
    confirm: async (request: AccessCheckRequest): Promise<AccessCheck> => {
      fake.calls.push(request);
      const answer = fake.answer;
      if (fake.hold) await new Promise<void>((resolve) => pending.push(resolve));
      if (fake.failWith) throw fake.failWith;
      return answer;
    },
  };
  return fake;
}

function setUp() {
  const identity = fakeIdentity();
  const clock = { now: T0 };
  const bus = new ConnectivityState({ now: () => clock.now });
  const revocations = new AccessRevocations(LIFETIME_MS, { confirmAccess: identity.confirm, connectivity: bus, outageWindowMs: WINDOW_MS, now: () => clock.now });
  /** A token issued `issuedAt` (default: at T0, before anything the test does). */
  const check = (principal = userPrincipal(), issuedAt = T0) => revocations.check(principal, issuedAt);
  return { identity, clock, bus, revocations, check };
}

describe('access revocations', () => {
  it("refuses a signed-out session and a suspended user's older tokens from the events alone, asking identity nothing", async () => {
    const { identity, revocations, check } = setUp();
    const event = (type: string, aggregateId: string) =>
      createDomainEvent({ type, source: 'identity', aggregateType: 'User', aggregateId, aggregateVersion: 2, tenantId: null, actor: { kind: 'SYSTEM', id: null }, requestId: null, data: {} });

    await expect(check()).resolves.toBeUndefined();
    revocations.apply(event('identity.session.revoked', SESSION));
    await expect(check()).rejects.toMatchObject({ message: 'this session has ended; sign in again', extensions: { code: 'UNAUTHENTICATED' } });
    revocations.apply(event('identity.user.suspended', USER));
    // Issued a minute before the suspension happened (the event's occurredAt is the real clock's).
    await expect(check(userPrincipal(OTHER_SESSION), Date.now() - 60_000)).rejects.toMatchObject({ message: 'access for this account was ended; sign in again' });
    expect(identity.calls).toEqual([]);
  });

  it('a session signed out while the bus is down is refused within the window, though its event never came', async () => {
    const { identity, clock, bus, check } = setUp();
    clock.now = T0 + 1_000;
    bus.markDisconnected();
    await expect(check()).resolves.toBeUndefined(); // confirmed with identity at T0 + 1 s
    identity.answer = { live: false, reason: 'session-ended' }; // signed out through another replica

    clock.now = T0 + 1_000 + WINDOW_MS;
    await expect(check()).resolves.toBeUndefined();
    clock.now = T0 + 1_000 + WINDOW_MS + 1;
    await expect(check()).rejects.toMatchObject({ message: 'this session has ended; sign in again', extensions: { code: 'UNAUTHENTICATED' } });
    await expect(check()).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    // Only the user and session ids travel to identity, and the refusal is remembered rather than asked again.
    expect(identity.calls).toEqual([
      { userId: USER, sessionId: SESSION },
      { userId: USER, sessionId: SESSION },
    ]);
  });

  it("refuses every token of a user identity says is no longer active while the bus is down", async () => {
    const { identity, bus, check } = setUp();
    bus.markDisconnected();
    identity.answer = { live: false, reason: 'user-inactive' };
    await expect(check()).rejects.toMatchObject({ message: 'access for this account was ended; sign in again' });
    identity.answer = { live: true };
    await expect(check(userPrincipal(OTHER_SESSION))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('fails closed with SERVICE_UNAVAILABLE while the bus is down and identity cannot answer, and asks again next time', async () => {
    const { identity, bus, check } = setUp();
    bus.markDisconnected();
    identity.failWith = errors.unavailable('cannot check this session right now: the identity service is not reachable; try again shortly');
    await expect(check()).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    identity.failWith = null;
    await expect(check()).resolves.toBeUndefined();
    expect(identity.calls).toHaveLength(2);
  });

  it('sends identity one question per session however many requests wait on it', async () => {
    const { identity, bus, check } = setUp();
    bus.markDisconnected();
    identity.hold = true;
    const answers = Promise.all(Array.from({ length: 10 }, () => check()));
    await new Promise((r) => setImmediate(r));
    identity.release();
    await answers;
    expect(identity.calls).toHaveLength(1);
  });

  it('confirms a token issued before the bus reconnected once after it, and trusts tokens issued after it', async () => {
    const { identity, clock, bus, check } = setUp();
    clock.now = T0 + 1_000;
    bus.markDisconnected();
    clock.now = T0 + 2_000;
    bus.markConnected();

    identity.answer = { live: false, reason: 'session-ended' }; // signed out during the gap
    await expect(check()).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    identity.answer = { live: true };
    await expect(check(userPrincipal(OTHER_SESSION))).resolves.toBeUndefined();
    clock.now = T0 + 600_000;
    await expect(check(userPrincipal(OTHER_SESSION))).resolves.toBeUndefined();
    // Issued well after the reconnect: every revocation since was heard.
    await expect(check(userPrincipal('0193a1b2-0000-7000-8000-0000000000b3'), T0 + 2_000 + WINDOW_MS)).resolves.toBeUndefined();
    expect(identity.calls.map((c) => c.sessionId)).toEqual([SESSION, OTHER_SESSION]);
  });

  it('stops confirming once every token issued before the outage ended has expired', async () => {
    const { identity, clock, bus, check } = setUp();
    bus.markDisconnected();
    bus.markConnected();
    clock.now = T0 + LIFETIME_MS + 1;
    await expect(check(userPrincipal(), T0 + LIFETIME_MS)).resolves.toBeUndefined();
    expect(identity.calls).toEqual([]);
  });

  it("never asks identity about another issuer's token, which names no session", async () => {
    const { identity, bus, check } = setUp();
    bus.markDisconnected();
    await expect(check(userPrincipal(null))).resolves.toBeUndefined();
    expect(identity.calls).toEqual([]);
  });
});
