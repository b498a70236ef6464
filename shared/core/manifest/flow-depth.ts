/**
 * How deep flow collections (`[`, `{`) nest in a YAML text, found in one pass before the yaml
 * package sees it: yaml composes them recursively, and a text of nothing but brackets took
 * seconds to fail with a stack overflow. Quoted strings and comments are skipped; brackets
 * inside plain scalars are counted too, which only errs towards refusing absurd input.
 */

/** Deeper than any manifest needs, far below what overflows the stack. */
export const MAX_FLOW_DEPTH = 128;

/** Offset where nesting first goes deeper than `limit`, or -1. */
export function flowTooDeepAt(text: string, limit = MAX_FLOW_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if (c === 0x22 || c === 0x27) {
      // A quoted scalar: '' escapes a single quote, \ escapes inside double quotes.
      for (i++; i < text.length; i++) {
        const q = text.charCodeAt(i);
        if (c === 0x22 && q === 0x5c) i++;
        else if (q === c) {
          if (c === 0x27 && text.charCodeAt(i + 1) === 0x27) i++;
          else break;
        }
      }
    } else if (c === 0x23 && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
    }
  }
  return -1;
}
