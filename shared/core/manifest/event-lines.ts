/**
 * Source lines of a valid manifest from js-yaml's event stream (issue 16): what yaml-lines.ts
 * finds in a `yaml` document, without the `yaml` package's slower positional parse. Used for
 * the lazy ManifestLines of the fast tier; the differential test holds the two to the same
 * lines. Returns undefined for anything it does not place the way yaml does (block scalars),
 * and the caller falls back to the positional path.
 */
import { EVENT_ID, type Event, getScalarValue, parseEvents, SCALAR_STYLE } from "js-yaml";
import type { ManifestLines } from "./load.js";
import { manifestLinesFrom } from "./manifest-lines.js";
import type { DocPath } from "./yaml-lines.js";
import type { EdgeDevice } from "./schema.js";

interface PlacedNode {
  start: number;
  /** Map entries by key text, the first of a name wins (as in yaml-lines.ts). */
  entries?: Map<string, PlacedNode>;
  items?: PlacedNode[];
  block?: boolean;
}

/** The placed tree of document `index` of `text` (counting every document). */
function placedDocument(text: string, index: number): PlacedNode | null | undefined {
  const events: Event[] = parseEvents(text, {});
  let documents = -1;
  let i = 0;
  for (; i < events.length; i++) {
    if (events[i]!.type === EVENT_ID.DOCUMENT && ++documents === index) break;
  }
  if (documents !== index) return undefined;
  let root: PlacedNode | null = null;
  // Open collections, and for maps the key waiting for its value.
  const stack: Array<{ node: PlacedNode; key?: string | null }> = [];
  const attach = (node: PlacedNode): void => {
    const top = stack[stack.length - 1];
    if (!top) root = node;
    else if (top.node.items) top.node.items.push(node);
    else if (top.key === undefined)
      top.key = null; // a collection as a key: never looked up
    else {
      if (top.key !== null && !top.node.entries!.has(top.key)) top.node.entries!.set(top.key, node);
      top.key = undefined;
    }
  };
  for (i++; i < events.length; i++) {
    const event = events[i]!;
    if (event.type === EVENT_ID.DOCUMENT) break;
    if (event.type === EVENT_ID.POP) {
      if (stack.length === 0) break;
      const { node } = stack.pop()!;
      attach(node);
    } else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      const node: PlacedNode = event.type === EVENT_ID.MAPPING ? { start: event.start, entries: new Map() } : { start: event.start, items: [] };
      stack.push({ node });
    } else if (event.type === EVENT_ID.SCALAR) {
      const top = stack[stack.length - 1];
      if (top?.node.entries && top.key === undefined) {
        top.key = getScalarValue(text, event);
        continue;
      }
      const block = event.style === SCALAR_STYLE.LITERAL_BLOCK || event.style === SCALAR_STYLE.FOLDED_BLOCK;
      attach({ start: event.valueStart, block });
    } else {
      return undefined; // an alias: the fast tier never gets here
    }
  }
  return root;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/** ManifestLines of document `index` of `text`, or undefined when the positional path must place them. */
export function linesFromEvents(text: string, index: number, manifest: EdgeDevice): ManifestLines | undefined {
  let root: PlacedNode | null | undefined;
  try {
    root = placedDocument(text, index);
  } catch {
    return undefined;
  }
  if (!root) return undefined;
  const starts = lineStarts(text);
  let unplaceable = false;
  const line = (path: DocPath): number => {
    let node: PlacedNode = root!;
    for (const segment of path) {
      const next = node.entries ? node.entries.get(String(segment)) : typeof segment === "number" ? node.items?.[segment] : undefined;
      if (!next) break;
      node = next;
    }
    if (node.block) unplaceable = true;
    return lineOf(starts, node.start);
  };
  const lines = manifestLinesFrom(manifest, line);
  return unplaceable ? undefined : lines;
}
