/**
 * Typos in `kind` never pass silently (issue 9, item 8): a document that says it is ours
 * (`apiVersion: ase-gitops/...`) or whose kind looks like `EdgeDevice` (same letters in
 * another case, or a couple of typos away) is an invalid manifest, not "some other file".
 * Dropping it would make the device look deleted once merged.
 */
import { API_VERSION, KIND } from "./schema.js";

const OUR_API_GROUP = /^ase-gitops(\/|$)/i;
/** Edits (insert, delete, replace, swap two neighbours) that still count as "meant EdgeDevice". */
const MAX_TYPO_DISTANCE = 2;

/** Optimal string alignment distance, stopped early once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, beforePrevious[j - 2]! + 1);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** Whether `kind` is probably a misspelt `EdgeDevice`. */
export function looksLikeEdgeDevice(kind: string): boolean {
  const normalized = kind
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, "");
  return normalized.length <= 64 && editDistance(normalized, KIND.toLowerCase(), MAX_TYPO_DISTANCE) <= MAX_TYPO_DISTANCE;
}

function quote(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/**
 * Why a document that is not `kind: EdgeDevice` must still be reported, or undefined when it
 * is somebody else's document (a ConfigMap, a CI file) and is rightly ignored.
 */
export function kindMistake(document: { apiVersion?: unknown; kind?: unknown }): string | undefined {
  const { apiVersion, kind } = document;
  if (kind === KIND) return undefined;
  const ours = typeof apiVersion === "string" && OUR_API_GROUP.test(apiVersion.trim());
  if (typeof kind === "string" && looksLikeEdgeDevice(kind)) return `kind: ${quote(kind)} is not a kind ase-gitops knows; did you mean ${KIND}?`;
  if (!ours) return undefined;
  if (kind === undefined || kind === null) return `kind: is required (${API_VERSION} defines only kind ${KIND})`;
  return `kind: ${quote(kind)} is not a kind of ${API_VERSION}; the only kind is ${KIND}`;
}
