/**
 * Source lines from js-yaml's event stream (issue 16, issue 9 item 7): what yaml-lines.ts and
 * yaml-keys.ts find in a `yaml` document, without the `yaml` package's slower positional
 * parse. Used for the lazy ManifestLines of the fast tier, its schema errors, repeated keys
 * and alias bombs; the differential test holds the two to the same
 * lines. Returns undefined for anything it does not place the way yaml does (block scalars),
 * and the caller falls back to the positional path.
 */
import { EVENT_ID, type Event, getScalarValue, parseEvents, SCALAR_STYLE } from "js-yaml";
import type { LinePlacer } from "./issue-errors.js";
import type { ManifestLines } from "./load.js";
import { manifestLinesFrom } from "./manifest-lines.js";
import type { DocPath } from "./yaml-lines.js";
import type { EdgeDevice } from "./schema.js";

interface PlacedNode {
  start: number;
  /** Where the key of the map entry holding this node starts (for unknown-field errors). */
  keyStart?: number;
  /** Map entries by key text, the first of a name wins (as in yaml-lines.ts). */
  entries?: Map<string, PlacedNode>;
  items?: PlacedNode[];
  /** Placed otherwise by yaml (a block scalar, an empty sequence item): a lookup ending here goes positional. */
  block?: boolean;
}

/** The placed tree of every document of `text` (null for an empty one), from one pass over its events. */
function placedDocuments(text: string): Array<PlacedNode | null | undefined> {
  const events: Event[] = parseEvents(text, {});
  const documents: Array<PlacedNode | null | undefined> = [];
  let root: PlacedNode | null = null;
  // Open collections, and for maps the key waiting for its value.
  let stack: Array<{ node: PlacedNode; key?: string | null; keyStart?: number }> = [];
  let inDocument = false;
  let broken = false;
  const attach = (node: PlacedNode): void => {
    const top = stack[stack.length - 1];
    if (!top) root = node;
    else if (top.node.items) top.node.items.push(node);
    else if (top.key === undefined)
      top.key = null; // a collection as a key: never looked up
    else {
      if (top.key !== null && !top.node.entries!.has(top.key)) {
        node.keyStart = top.keyStart;
        top.node.entries!.set(top.key, node);
      }
      top.key = undefined;
    }
  };
  const close = (): void => {
    if (inDocument) documents.push(broken ? undefined : root);
    inDocument = false;
  };
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      close();
      inDocument = true;
      broken = false;
      root = null;
      stack = [];
    } else if (!inDocument || broken) {
      continue;
    } else if (event.type === EVENT_ID.POP) {
      if (stack.length === 0) {
        close();
        continue;
      }
      const { node } = stack.pop()!;
      attach(node);
    } else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      const node: PlacedNode = event.type === EVENT_ID.MAPPING ? { start: event.start, entries: new Map() } : { start: event.start, items: [] };
      stack.push({ node });
    } else if (event.type === EVENT_ID.SCALAR) {
      const top = stack[stack.length - 1];
      if (top?.node.entries && top.key === undefined) {
        top.key = getScalarValue(text, event);
        top.keyStart = event.valueStart;
        continue;
      }
      const block = event.style === SCALAR_STYLE.LITERAL_BLOCK || event.style === SCALAR_STYLE.FOLDED_BLOCK;
      if (event.valueStart >= 0) attach({ start: event.valueStart, block });
      // An empty value: yaml places its null just after the `:` (the key's line); an empty
      // sequence item's `-` is not in the events, so a lookup ending there goes positional.
      else if (top?.node.entries && top.keyStart !== undefined) attach({ start: top.keyStart });
      else attach({ start: 0, block: true });
    } else {
      broken = true; // an alias: the fast tier never gets here
    }
  }
  close();
  return documents;
}

/** The last text placed and its documents: a file's devices and errors ask one after another. */
let lastPlaced: { text: string; documents: Array<PlacedNode | null | undefined> } | undefined;

function placedDocument(text: string, index: number): PlacedNode | null | undefined {
  if (lastPlaced?.text !== text) lastPlaced = { text, documents: placedDocuments(text) };
  return lastPlaced.documents[index];
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return starts;
}

export function lineOf(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/**
 * Lines of document `index` of `text` placed the way yaml-lines.ts places them in a `yaml`
 * document, or undefined when the events cannot be read. `unplaceable()` turns true once a
 * lookup ended on something placed differently by the two parsers (a block scalar): the
 * caller then discards what it placed and goes positional.
 */
export function placerFromEvents(text: string, index: number): (LinePlacer & { unplaceable(): boolean }) | undefined {
  let root: PlacedNode | null | undefined;
  try {
    root = placedDocument(text, index);
  } catch {
    return undefined;
  }
  if (!root) return undefined;
  const top = root;
  const starts = lineStarts(text);
  let unplaceable = false;
  // As walk() in yaml-lines.ts: the deepest node on the path that exists, and the key of the last map entry walked through.
  const walk = (path: DocPath): { node: PlacedNode; keyStart: number | undefined } => {
    let node: PlacedNode = top;
    let keyStart: number | undefined;
    for (const segment of path) {
      const next = node.entries ? node.entries.get(String(segment)) : typeof segment === "number" ? node.items?.[segment] : undefined;
      if (!next) break;
      keyStart = node.entries ? next.keyStart : undefined;
      node = next;
    }
    return { node, keyStart };
  };
  const lineOfPath = (path: DocPath): number => {
    const { node } = walk(path);
    if (node.block) unplaceable = true;
    return lineOf(starts, node.start);
  };
  return {
    lineOfPath,
    lineOfKey: (path, key) => {
      const { keyStart } = walk([...path, key]);
      return keyStart === undefined ? lineOfPath(path) : lineOf(starts, keyStart);
    },
    unplaceable: () => unplaceable,
  };
}

/** ManifestLines of document `index` of `text`, or undefined when the positional path must place them. */
export function linesFromEvents(text: string, index: number, manifest: EdgeDevice): ManifestLines | undefined {
  const placer = placerFromEvents(text, index);
  if (!placer) return undefined;
  const lines = manifestLinesFrom(manifest, placer.lineOfPath);
  return placer.unplaceable() ? undefined : lines;
}

/** Plain scalars the core schema reads as something other than text (null, booleans, numbers). */
const PLAIN_NON_TEXT = /^(?:|~|null|true|false|[-+.]?[0-9].*|[-+]?\.(?:inf|nan))$/i;

/** The text of a key or name scalar, or undefined when yaml might read it as another type. */
function textOf(text: string, event: Event & { type: typeof EVENT_ID.SCALAR }): string | undefined {
  const value = getScalarValue(text, event);
  return event.style === SCALAR_STYLE.PLAIN && PLAIN_NON_TEXT.test(value) ? undefined : value;
}

/**
 * The duplicate keys of a one-document file, as keyProblems (yaml-keys.ts) finds them in a
 * `yaml` document, from js-yaml's events: every repeated key's offset in source order, and
 * the document's metadata.name when it is text. Undefined for anything placed or typed
 * differently by the two parsers (aliases, keys that are not plain text, several documents):
 * the caller goes positional.
 */
export function duplicateKeysFromEvents(text: string): { offsets: number[]; name: string | undefined } | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  if (events.filter((event) => event.type === EVENT_ID.DOCUMENT).length !== 1) return undefined;
  const offsets: number[] = [];
  // Open collections; for maps the keys seen and the key waiting for its value (the path is
  // kept to find metadata.name: the first `metadata` of the root, its first `name`).
  const stack: Array<{ seen?: Set<string>; key?: string; path: string }> = [];
  let name: string | undefined;
  let nameSeen = false;
  const valueOpened = (): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top?.seen) return top ? `${top.path}/item` : "";
    const path = top.key === undefined ? undefined : `${top.path}/${top.key}`;
    top.key = undefined;
    return path;
  };
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) continue;
    if (event.type === EVENT_ID.ALIAS) return undefined;
    if (event.type === EVENT_ID.POP) {
      stack.pop();
    } else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      const top = stack[stack.length - 1];
      if (top?.seen && top.key === undefined) return undefined; // a collection as a key
      const path = valueOpened() ?? "?";
      stack.push(event.type === EVENT_ID.MAPPING ? { seen: new Set(), path } : { path });
    } else if (event.type === EVENT_ID.SCALAR) {
      const top = stack[stack.length - 1];
      if (top?.seen && top.key === undefined) {
        const key = textOf(text, event);
        if (key === undefined) return undefined;
        // A repeated key stays unnamed for lookups: yaml's getIn finds the first of a name.
        if (top.seen.has(key)) {
          offsets.push(event.valueStart);
          top.key = "\u0000duplicate";
        } else {
          top.seen.add(key);
          top.key = key;
        }
        continue;
      }
      if (valueOpened() === "/metadata/name" && !nameSeen) {
        nameSeen = true;
        const value = textOf(text, event);
        if (value === undefined && event.style === SCALAR_STYLE.PLAIN) return undefined;
        name = value || undefined;
      }
    }
  }
  return { offsets, name };
}

type AliasTreeNode =
  | { type: "scalar"; event: Event & { type: typeof EVENT_ID.SCALAR } }
  | { type: "alias"; offset: number }
  | { type: "map" | "seq"; items: AliasTreeNode[] };

/**
 * A one-document file with more than `maxAliases` aliases (an alias bomb), found as
 * keyProblems (yaml-keys.ts) finds it in a `yaml` document: the offset of the alias its
 * depth-first walk counts past the limit, and the document's metadata.name when it is text.
 * Undefined when the file is anything else, or holds what the two parsers read differently
 * (an alias to an anchor not defined before it, explicit or empty keys, several documents).
 */
export function aliasBombFromEvents(text: string, maxAliases: number): { offset: number; name: string | undefined } | undefined {
  // Directives and tags change how yaml types a name; explicit and empty keys how it pairs.
  if (/^%|(?:^|[\s,[{])(?:!|[?:](?:\s|$))/m.test(text)) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  if (events.filter((event) => event.type === EVENT_ID.DOCUMENT).length !== 1) return undefined;
  const anchors = new Set<string>();
  const defines = (event: { anchorStart: number; anchorEnd: number }) => {
    if (event.anchorStart >= 0) anchors.add(text.slice(event.anchorStart, event.anchorEnd));
  };
  let root: AliasTreeNode | undefined;
  let aliasCount = 0;
  const stack: Array<AliasTreeNode & { items: AliasTreeNode[] }> = [];
  const attach = (node: AliasTreeNode) => {
    const top = stack[stack.length - 1];
    if (top) top.items.push(node);
    else root ??= node;
  };
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) continue;
    if (event.type === EVENT_ID.POP) {
      const done = stack.pop();
      if (done) attach(done);
    } else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      defines(event);
      stack.push({ type: event.type === EVENT_ID.MAPPING ? "map" : "seq", items: [] });
    } else if (event.type === EVENT_ID.SCALAR) {
      defines(event);
      attach({ type: "scalar", event });
    } else if (event.type === EVENT_ID.ALIAS) {
      if (!anchors.has(text.slice(event.anchorStart, event.anchorEnd))) return undefined;
      aliasCount++;
      attach({ type: "alias", offset: Math.max(0, event.anchorStart - 1) });
    }
  }
  if (!root || aliasCount <= maxAliases) return undefined;
  // The walk of keyProblems: last pushed first; map keys that are not scalars are walked too.
  const walk: AliasTreeNode[] = [root];
  let aliases = 0;
  let offset: number | undefined;
  for (let node = walk.pop(); node !== undefined && offset === undefined; node = walk.pop()) {
    if (node.type === "alias") {
      if (++aliases > maxAliases) offset = node.offset;
    } else if (node.type === "map") {
      node.items.forEach((item, i) => {
        // Items alternate key, value: keys that are not scalars are walked, values always.
        if (i % 2 === 1 || item.type !== "scalar") walk.push(item);
      });
    } else if (node.type === "seq") {
      for (const item of node.items) walk.push(item);
    }
  }
  if (offset === undefined) return undefined;
  return { offset, name: nameOf(text, root) };
}

/** metadata.name of a placed root when it is text (yaml's getIn finds the first entry of a name). */
function nameOf(text: string, root: AliasTreeNode): string | undefined {
  const entry = (map: AliasTreeNode, key: string): AliasTreeNode | undefined => {
    if (map.type !== "map") return undefined;
    const at = map.items.findIndex((k, i) => i % 2 === 0 && k.type === "scalar" && getScalarValue(text, k.event) === key);
    return at < 0 ? undefined : map.items[at + 1];
  };
  const metadata = entry(root, "metadata");
  const name = metadata && entry(metadata, "name");
  return name?.type === "scalar" ? textOf(text, name.event) || undefined : undefined;
}
