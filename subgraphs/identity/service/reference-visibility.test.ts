import { randomUUID } from 'node:crypto';
import { ANONYMOUS, type Principal } from '../../../infrastructure/context/request-context';
import { mayReference } from './reference-visibility';

const ACME = randomUUID();
const GLOBEX = randomUUID();
const member: Principal = { kind: 'USER', subject: randomUUID(), tenantId: ACME, roles: ['member'], permissions: ['tenants:read', 'users:read', 'organizations:read'] };

describe("which of tenancy's objects identity hands out as references", () => {
  it("hands a tenant's users their own tenant's tenant and units, and platform admins any", () => {
    expect(mayReference(member, ACME, 'organizations:read')).toBe(true);
    expect(mayReference(member, GLOBEX, 'organizations:read')).toBe(false);
    expect(mayReference({ ...member, tenantId: null, permissions: ['platform:admin', 'organizations:read'] }, GLOBEX, 'organizations:read')).toBe(true);
  });

  it('hands an anonymous caller signing in the key only, which the gateway lets it select', () => {
    expect(mayReference(ANONYMOUS, ACME, 'tenants:read')).toBe(true);
  });

  it('hands out nothing tenancy would refuse to a caller holding the read permission only through a role below tenant level', () => {
    const scoped: Principal = { ...member, permissions: ['users:read'], grants: [{ level: 'DEPARTMENT', id: randomUUID(), permissions: ['organizations:read'] }] };
    expect(mayReference(scoped, ACME, 'organizations:read')).toBe(false);
    expect(mayReference(scoped, ACME, 'tenants:read')).toBe(true);
  });
});
