import { GraphQLError, Lexer, parse, Source, TokenKind, type DocumentNode, type Token } from 'graphql';
import type { LimitViolation } from './limit-violation';

/** Counts the tokens the parser takes, the way graphql-js counts them for its own limit (comments and EOF not counted). */
class CountingLexer extends Lexer {
  count = 0;

  override advance(): Token {
    const token = super.advance();
    if (token.kind !== TokenKind.EOF) this.count += 1;
    return token;
  }
}

export type TokenLimitedParse = { document: DocumentNode } | { violation: LimitViolation } | { syntaxError: GraphQLError };

/**
 * Parses an operation text, giving up at the token after `maxTokens` (graphql-js's own `maxLexicalTokens`, the
 * non-deprecated name of `maxTokens`), so a token bomb costs no more than the limit to refuse. The parser runs on our
 * counting lexer: when it stops with more tokens taken than the limit, that was the limit (not some other syntax
 * error), and the same lexer counts the rest of the text for `actual` (linear; bodies are capped at 1 MB before this).
 */
export function parseWithinTokenLimit(text: string, maxTokens: number): TokenLimitedParse {
  const lexer = new CountingLexer(new Source(text));
  try {
    // No locations: this document is only measured (Apollo parses its own to validate), and tokens kept for locations would triple what it holds.
    return { document: parse(lexer.source, { maxLexicalTokens: maxTokens, lexer, noLocation: true }) };
  } catch (error) {
    if (error instanceof RangeError) {
      // The parser recurses per nesting level: a text nested deeper than the stack allows is refused, not a crash.
      return { syntaxError: new GraphQLError('Syntax Error: the operation nests too deeply to be parsed; nest selections less deeply') };
    }
    if (!(error instanceof GraphQLError)) throw error;
    if (lexer.count <= maxTokens) return { syntaxError: error };
    const cap = Math.max(COUNTED_TOKENS, maxTokens * 2);
    const actual = countRemainingTokens(lexer, cap);
    const counted = actual > cap ? `of more than ${cap}` : String(actual);
    return {
      violation: {
        code: 'TOKEN_LIMIT_EXCEEDED',
        message: `operation token count ${counted} exceeds the limit of ${maxTokens}; send a shorter operation`,
        limit: maxTokens,
        actual,
      },
    };
  }
}

/**
 * Tokens counted for `actual` at most: a 1 MB bomb holds ~330,000, and lexing them all costs ~70 ms for nothing
 * the caller needs; past this the answer says "more than" and `actual` is the cap plus one.
 */
const COUNTED_TOKENS = 100_000;

/** The lexer's count once it has read to the end (or past `cap`); a text that stops being GraphQL is counted up to there. */
function countRemainingTokens(lexer: CountingLexer, cap: number): number {
  try {
    while (lexer.count <= cap && lexer.advance().kind !== TokenKind.EOF) continue;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return lexer.count;
}
