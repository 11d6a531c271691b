import { checkMove, checkNewChild, MAX_DEPARTMENT_DEPTH, type Department, type Organization } from './hierarchy';

const org: Organization = { id: 'o1', tenantId: 't1', name: 'Org', status: 'ACTIVE', version: 1, createdAt: new Date() };
const dept = (id: string, path: string[], extra: Partial<Department> = {}): Department => ({
  id,
  tenantId: 't1',
  organizationId: 'o1',
  parentId: path[path.length - 1] ?? null,
  path,
  name: id,
  status: 'ACTIVE',
  version: 1,
  createdAt: new Date(),
  ...extra,
});

describe('department tree rules', () => {
  const a = dept('a', []);
  const b = dept('b', ['a']);
  const c = dept('c', ['a', 'b']);

  it('refuses moving a department under itself or under its own descendant', () => {
    expect(() => checkMove(a, a, 3)).toThrow(/under itself or one of its descendants/);
    expect(() => checkMove(a, c, 3)).toThrow(/under itself or one of its descendants/);
  });

  it('refuses moving a department to another organization', () => {
    expect(() => checkMove(b, dept('x', [], { organizationId: 'o2' }), 2)).toThrow(/another organization/);
  });

  it('refuses a move that would nest deeper than the bound, counting the moved subtree', () => {
    const deep = dept('deep', Array.from({ length: MAX_DEPARTMENT_DEPTH - 2 }, (_, i) => `p${i}`));
    expect(() => checkMove(b, deep, 1)).not.toThrow();
    expect(() => checkMove(b, deep, 2)).toThrow(/deeper than/);
  });

  it('allows moving to the top of the organization', () => {
    expect(() => checkMove(c, null, 1)).not.toThrow();
  });

  it('refuses new children under an archived parent or in an archived organization', () => {
    expect(() => checkNewChild(org, dept('z', [], { status: 'ARCHIVED' }))).toThrow(/archived and takes no new children/);
    expect(() => checkNewChild({ ...org, status: 'ARCHIVED' }, null)).toThrow(/organization is archived/);
  });

  it('refuses a parent from another organization', () => {
    expect(() => checkNewChild(org, dept('x', [], { organizationId: 'o2' }))).toThrow(/another organization/);
  });
});
