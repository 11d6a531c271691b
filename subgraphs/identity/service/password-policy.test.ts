import { parseConfig } from '../../../infrastructure/config/config';
import { loggerOver } from '../../../infrastructure/logging/logger';
import type { IdentityStore } from '../store/identity-store';
import { seedPlatformAdmin } from './admin-seed';
import { COMMON_PASSWORDS } from './common-passwords';
import { checkPasswordPolicy, passwordPolicyProblem } from './password-policy';

describe('password policy', () => {
  it('accepts a long passphrase that is nobody else’s favourite', () => {
    expect(passwordPolicyProblem('violet-harbour-tram-seven', 'ada@example.test')).toBeNull();
  });

  it('refuses passwords shorter than 12 or longer than 128 characters, saying only the length', () => {
    expect(passwordPolicyProblem('short-pass1', null)).toBe('must be 12 to 128 characters (got 11)');
    expect(passwordPolicyProblem('x'.repeat(60) + 'y'.repeat(69), null)).toBe('must be 12 to 128 characters (got 129)');
    expect(passwordPolicyProblem('a1b2c3d4e5f6g', null)).toBeNull();
  });

  it('refuses well-known passwords whatever their case', () => {
    expect(passwordPolicyProblem('password1234', null)).toMatch(/most commonly used/);
    expect(passwordPolicyProblem('Password1234', null)).toMatch(/most commonly used/);
    expect(passwordPolicyProblem('QWERTYUIOP123', null)).toMatch(/most commonly used/);
  });

  it("refuses the account's e-mail address and its local part as the password", () => {
    expect(passwordPolicyProblem('grace.hopper@example.test', 'grace.hopper@example.test')).toMatch(/e-mail/);
    expect(passwordPolicyProblem('Grace.Hopper.Navy', 'grace.hopper.navy@example.test')).toMatch(/e-mail/);
    expect(passwordPolicyProblem('grace.hopper.navy!', 'grace.hopper.navy@example.test')).toBeNull();
  });

  it('refuses a long run of one or two characters', () => {
    expect(passwordPolicyProblem('zzzzzzzzzzzzzzzz', null)).toMatch(/different characters/);
    expect(passwordPolicyProblem('xyxyxyxyxyxyxyxy', null)).toMatch(/different characters/);
  });

  it('throws BAD_USER_INPUT on the named field without echoing the password', () => {
    let thrown: unknown;
    try {
      checkPasswordPolicy('input.newPassword', 'letmein12345', null);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.newPassword' } });
    expect((thrown as Error).message).toMatch(/^input\.newPassword: /);
    expect((thrown as Error).message).not.toContain('letmein12345');
  });

  it('ships a few hundred lowercase entries, none of which the length rule alone would catch', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(100);
    expect(COMMON_PASSWORDS.size).toBeLessThanOrEqual(500);
    const misfits = [...COMMON_PASSWORDS].filter((p) => p.length < 12 || p.length > 128 || p !== p.toLowerCase());
    expect(misfits).toEqual([]);
  });
});

describe('the seeded platform admin', () => {
  const seed = async (password: string) => {
    const inserted: unknown[] = [];
    const store = { countPlatformAdmins: async () => 0, insertUser: async (user: unknown) => void inserted.push(user) } as unknown as IdentityStore;
    const config = parseConfig({ LATTICE_ADMIN_EMAIL: 'root@lattice.test', LATTICE_ADMIN_PASSWORD: password }, 'platform');
    const outcome = await seedPlatformAdmin(store, config, loggerOver({ write: () => undefined }), () => undefined).then(
      () => 'seeded',
      (error: Error) => error.message,
    );
    return { outcome, inserted: inserted.length };
  };

  it('refuses a configured password that fails the policy on first start, naming the variable but not the password', async () => {
    expect(await seed('qwerty123456')).toEqual({ outcome: 'LATTICE_ADMIN_PASSWORD: is one of the most commonly used passwords; choose a longer phrase of unrelated words', inserted: 0 });
  });

  it('seeds the admin with a configured password that meets the policy', async () => {
    expect(await seed('platform-admin-password-1')).toEqual({ outcome: 'seeded', inserted: 1 });
  });
});
