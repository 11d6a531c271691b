import { randomUUID } from 'node:crypto';
import type { Principal } from '../../../infrastructure/context/request-context';
import { ActorDirectory, type UserTenantLookup } from './actor-directory';
import { actorKindOf } from './actor-kind';
import { AuditReferences, type RecordedParties } from './audit-references';
import { mayReference } from './reference-visibility';

const ACME = randomUUID();
const GLOBEX = randomUUID();
const tenantAdmin: Principal = { kind: 'USER', subject: randomUUID(), tenantId: ACME, roles: ['tenant-admin'], permissions: ['audit:read', 'tenants:read', 'users:read'] };
const platformAdmin: Principal = { kind: 'USER', subject: randomUUID(), tenantId: null, roles: ['platform-admin'], permissions: ['platform:admin', 'audit:read', 'tenants:read'] };
const auditOnlyKey: Principal = { kind: 'API_KEY', subject: randomUUID(), tenantId: ACME, roles: [], permissions: ['audit:read'] };
const scopedReader: Principal = { ...auditOnlyKey, kind: 'USER', grants: [{ level: 'ORGANIZATION', id: randomUUID(), permissions: ['tenants:read'] }] };

describe('the kind of actor an audit record shows', () => {
  it('is PLATFORM for a user who belongs to no tenant, USER for a tenant user or one identity does not know', () => {
    expect(actorKindOf('USER', null)).toBe('PLATFORM');
    expect(actorKindOf('USER', ACME)).toBe('USER');
    expect(actorKindOf('USER', undefined)).toBe('USER');
  });

  it('keeps API_KEY and SYSTEM as recorded', () => {
    expect(actorKindOf('API_KEY', undefined)).toBe('API_KEY');
    expect(actorKindOf('SYSTEM', undefined)).toBe('SYSTEM');
  });
});

describe('which references to other subgraphs a caller is handed', () => {
  it("hands a tenant's users only their own tenant's objects, and platform admins everything", () => {
    expect(mayReference(tenantAdmin, ACME, 'tenants:read')).toBe(true);
    expect(mayReference(tenantAdmin, GLOBEX, 'tenants:read')).toBe(false);
    expect(mayReference(platformAdmin, GLOBEX, 'tenants:read')).toBe(true);
  });

  it('hands out no user of another tenant or of the platform, except to platform admins', () => {
    expect(mayReference(tenantAdmin, ACME, null)).toBe(true);
    expect(mayReference(tenantAdmin, null, null)).toBe(false);
    expect(mayReference(tenantAdmin, GLOBEX, null)).toBe(false);
    expect(mayReference(platformAdmin, null, null)).toBe(true);
  });

  it('hands the key to a caller who holds the read permission nowhere, since the gateway lets it select nothing else', () => {
    expect(mayReference(auditOnlyKey, ACME, 'tenants:read')).toBe(true);
  });

  it('hands out nothing the owner would refuse to a caller who holds the read permission only below tenant level', () => {
    expect(mayReference(scopedReader, ACME, 'tenants:read')).toBe(false);
  });
});

describe('the actor directory', () => {
  const platformUser = randomUUID();
  const tenantUser = randomUUID();
  function countingLookup(known: Record<string, string | null>) {
    const asked: string[][] = [];
    const lookup: UserTenantLookup = (ids) => {
      asked.push([...ids]);
      return Promise.resolve(new Map(ids.filter((id) => id in known).map((id) => [id, known[id] ?? null])));
    };
    return { asked, lookup };
  }

  it('asks once per batch, remembers what identity knows, and asks again only about unknown users', async () => {
    const unknown = randomUUID();
    const { asked, lookup } = countingLookup({ [platformUser]: null, [tenantUser]: ACME });
    const directory = new ActorDirectory(lookup);
    const loader = directory.loader();
    expect(await Promise.all([loader.load(platformUser), loader.load(tenantUser), loader.load(unknown), loader.load('identity')])).toEqual([null, ACME, undefined, undefined]);
    expect(asked).toEqual([[platformUser, tenantUser, unknown]]);
    expect(await directory.tenantsOf([platformUser, tenantUser.toUpperCase(), unknown])).toEqual([null, ACME, undefined]);
    expect(asked).toEqual([[platformUser, tenantUser, unknown], [unknown]]);
  });

  it('knows nobody when there is no identity to ask', async () => {
    expect(await new ActorDirectory(null).tenantsOf([platformUser])).toEqual([undefined]);
  });

  it("shows a tenant admin its own users as actors, and a platform admin's actions as PLATFORM without the actor", async () => {
    const { lookup } = countingLookup({ [platformUser]: null, [tenantUser]: ACME });
    const directory = new ActorDirectory(lookup);
    const record = (actorId: string): RecordedParties => ({ tenantId: ACME, actorKind: 'USER', actorId });
    const forTenantAdmin = new AuditReferences({ principal: tenantAdmin, requestId: 'r', ipAddress: null, userAgent: null }, directory.loader());
    expect([await forTenantAdmin.actorOf(record(platformUser)), await forTenantAdmin.actorKindOf(record(platformUser))]).toEqual([null, 'PLATFORM']);
    expect([await forTenantAdmin.actorOf(record(tenantUser)), await forTenantAdmin.actorKindOf(record(tenantUser))]).toEqual([tenantUser, 'USER']);
    const forPlatformAdmin = new AuditReferences({ principal: platformAdmin, requestId: 'r', ipAddress: null, userAgent: null }, directory.loader());
    expect([await forPlatformAdmin.actorOf(record(platformUser)), await forPlatformAdmin.actorKindOf(record(platformUser))]).toEqual([platformUser, 'PLATFORM']);
    expect(await forTenantAdmin.actorOf({ tenantId: ACME, actorKind: 'API_KEY', actorId: randomUUID() })).toBeNull();
    expect(forTenantAdmin.tenantOf({ tenantId: ACME, actorKind: 'SYSTEM', actorId: null })).toBe(ACME);
    expect(forTenantAdmin.tenantOf({ tenantId: null, actorKind: 'SYSTEM', actorId: null })).toBeNull();
  });
});
