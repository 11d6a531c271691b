import { parseWithinTokenLimit } from './operation-limits';

describe('parseWithinTokenLimit', () => {
  it('parses a text of exactly the limit, and refuses one token more with TOKEN_LIMIT_EXCEEDED', () => {
    expect(parseWithinTokenLimit('{ a b c }', 5)).toHaveProperty('document');
    expect(parseWithinTokenLimit('{ a b c }', 4)).toEqual({
      violation: { code: 'TOKEN_LIMIT_EXCEEDED', limit: 4, actual: 5, message: 'operation token count 5 exceeds the limit of 4; send a shorter operation' },
    });
  });

  it('refuses a token bomb with the true token count of the whole text', () => {
    const bomb = `{ a${' a'.repeat(90_000)} }`;
    expect(parseWithinTokenLimit(bomb, 5000)).toEqual({ violation: expect.objectContaining({ code: 'TOKEN_LIMIT_EXCEEDED', limit: 5000, actual: 90_003 }) });
  });

  it('stops counting a huge bomb past 100,000 tokens and says "more than"', () => {
    const bomb = `{ a${' a'.repeat(300_000)} }`;
    expect(parseWithinTokenLimit(bomb, 5000)).toEqual({
      violation: expect.objectContaining({ limit: 5000, actual: 100_001, message: 'operation token count of more than 100000 exceeds the limit of 5000; send a shorter operation' }),
    });
  });

  it('does not count comments, as graphql-js does not', () => {
    expect(parseWithinTokenLimit('# a comment\n{ a } # another', 3)).toHaveProperty('document');
  });

  it('returns a syntax error below the limit as a syntax error', () => {
    const parsed = parseWithinTokenLimit('{ me { id }', 5000);
    expect(parsed).toEqual({ syntaxError: expect.objectContaining({ message: expect.stringContaining('Syntax Error') }) });
  });

  it('reports a syntax error that comes before the limit even when the text is longer than the limit', () => {
    const parsed = parseWithinTokenLimit(`} ${'a '.repeat(10_000)}`, 5000);
    expect(parsed).toEqual({ syntaxError: expect.objectContaining({ message: 'Syntax Error: Unexpected "}".' }) });
  });

  it('counts the tokens of a text that stops being GraphQL after the limit up to where it stops', () => {
    expect(parseWithinTokenLimit(`{ a a a a a "unterminated`, 3)).toEqual({ violation: expect.objectContaining({ limit: 3, actual: 6 }) });
  });

  it('answers a text nested deeper than the parser can recurse with a syntax error instead of crashing', () => {
    const deep = `${'{ a '.repeat(100_000)}${'}'.repeat(100_000)}`;
    expect(parseWithinTokenLimit(deep, 1_000_000)).toEqual({ syntaxError: expect.objectContaining({ message: expect.stringContaining('nests too deeply') }) });
  });
});
