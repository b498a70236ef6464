/**
 * Key checks over a parsed YAML document in one linear pass (issue 9, item 7): duplicate keys
 * (the yaml package's own `uniqueKeys` check compares each key with every earlier one, so a
 * wide map took minutes) and `__proto__` keys (zod drops them silently, so a typo or a trick
 * would pass unseen). Iterative, so deep nesting cannot overflow the stack here.
 */
import type { Document, Node } from "yaml";
import { yamlModule } from "./yaml-module.js";
import { PROTO_KEY } from "../own-keys.js";

export interface KeyProblem {
  message: string;
  /** Offset of the key in the source text. */
  offset: number;
}

/** Aliases per document: yaml resolves each one by scanning the earlier anchors (quadratic). */
export const MAX_ALIASES_PER_DOCUMENT = 1000;

/** The refusal of a document with more than `maxAliases` aliases. */
export function tooManyAliasesMessage(maxAliases: number): string {
  return `too many YAML aliases (more than ${maxAliases} in one document): refused as a possible alias bomb`;
}

/** The same text yaml's `uniqueKeys` check used, so messages stay as they were. */
export const DUPLICATE_KEY_MESSAGE = "YAML syntax error: Map keys must be unique";

/** Problems with the document's keys, in source order; too many aliases is one problem. */
export function keyProblems(doc: Document, maxAliases: number): KeyProblem[] {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlModule();
  const problems: KeyProblem[] = [];
  const stack: unknown[] = [doc.contents];
  let aliases = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      if (++aliases > maxAliases) {
        return [
          {
            message: tooManyAliasesMessage(maxAliases),
            offset: node.range?.[0] ?? 0,
          },
        ];
      }
    } else if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const offset = key.range?.[0] ?? 0;
          if (seen.has(key.value)) problems.push({ message: DUPLICATE_KEY_MESSAGE, offset });
          else seen.add(key.value);
          if (key.value === PROTO_KEY) problems.push({ message: `${PROTO_KEY} is not allowed as a key`, offset });
        } else if (key !== null) {
          stack.push(key);
        }
        if (pair.value !== null) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return problems.sort((a, b) => a.offset - b.offset);
}
