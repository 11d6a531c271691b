import { BoundedLabel, OTHER_LABEL_VALUE } from './bounded-label';

describe('a bounded label', () => {
  it('keeps the first distinct values as they are and counts every later one as __other__', () => {
    const label = new BoundedLabel(2);
    expect(label.of('Me')).toBe('Me');
    expect(label.of('Tenants')).toBe('Tenants');
    expect(label.of('Users')).toBe(OTHER_LABEL_VALUE);
    // A value kept stays kept, however many others came since.
    expect(label.of('Me')).toBe('Me');
    expect(label.size).toBe(2);
  });

  it('counts values that are not fit to be label values as __other__ without using up the bound', () => {
    const label = new BoundedLabel(1, (value) => /^[A-Za-z]+$/.test(value));
    expect(label.of('not a name; DROP TABLE')).toBe(OTHER_LABEL_VALUE);
    expect(label.of('Me')).toBe('Me');
  });

  it('holds at most its bound of distinct values, whatever a client sends', () => {
    const label = new BoundedLabel(500);
    const seen = new Set(Array.from({ length: 10_000 }, (_, i) => label.of(`Operation${i}`)));
    expect(seen.size).toBe(501);
    expect(seen.has(OTHER_LABEL_VALUE)).toBe(true);
  });
});
