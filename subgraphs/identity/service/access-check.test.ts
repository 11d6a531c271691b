import type { AccessCheckStore, SessionState } from '../store/access-check-store';
import { AccessChecker } from './access-check';

const USER = '0193a1b2-0000-7000-8000-0000000000a1';
const SESSION = '0193a1b2-0000-7000-8000-0000000000b1';

function checkerOver(state: SessionState | null) {
  const asked: [string, string][] = [];
  const store = {
    sessionState: async (userId: string, sessionId: string) => {
      asked.push([userId, sessionId]);
      return state;
    },
  } as Pick<AccessCheckStore, 'sessionState'> as AccessCheckStore;
  return { checker: new AccessChecker(store), asked };
}

describe("identity's access check for gateways whose event bus is down", () => {
  it("says an active user's unrevoked session is live", async () => {
    const { checker, asked } = checkerOver({ status: 'ACTIVE', sessionLive: true });
    await expect(checker.check({ userId: USER, sessionId: SESSION })).resolves.toEqual({ live: true });
    expect(asked).toEqual([[USER, SESSION]]);
  });

  it('says a signed-out or revoked session has ended', async () => {
    const { checker } = checkerOver({ status: 'ACTIVE', sessionLive: false });
    await expect(checker.check({ userId: USER, sessionId: SESSION })).resolves.toEqual({ live: false, reason: 'session-ended' });
  });

  it.each(['SUSPENDED', 'DEACTIVATED', 'DELETED'] as const)('ends access for a %s user, whatever their session says', async (status) => {
    const { checker } = checkerOver({ status, sessionLive: true });
    await expect(checker.check({ userId: USER, sessionId: SESSION })).resolves.toEqual({ live: false, reason: 'user-inactive' });
  });

  it('ends access for a user that does not exist', async () => {
    const { checker } = checkerOver(null);
    await expect(checker.check({ userId: USER, sessionId: SESSION })).resolves.toEqual({ live: false, reason: 'user-inactive' });
  });

  it('refuses anything but two UUIDs with BAD_USER_INPUT naming the field, before asking the database', async () => {
    const { checker, asked } = checkerOver({ status: 'ACTIVE', sessionLive: true });
    await expect(checker.check({ userId: 'admin', sessionId: SESSION })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'userId' } });
    await expect(checker.check({ userId: USER })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'sessionId' } });
    await expect(checker.check(null)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(asked).toEqual([]);
  });
});
