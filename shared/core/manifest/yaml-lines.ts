/**
 * Maps a path into a parsed YAML document (as zod reports it) back to a source line, so
 * every manifest error can point at the line a reviewer has to change.
 */
import type { Document, LineCounter, Node, Pair, YAMLMap } from "yaml";
import { yamlModule } from "./yaml-module.js";

export type DocPath = ReadonlyArray<PropertyKey>;

function keyOf(node: unknown): unknown {
  return yamlModule().isScalar(node) ? node.value : node;
}

interface Located {
  node: Node | null;
  /** The key node of the last map entry walked through (for "unknown key" issues). */
  keyNode?: Node | null;
}

/** Each map's pairs by key text (the first of a name wins), built once: a lookup per error must not scan the map. */
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, segment: PropertyKey): Pair | undefined {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (!yamlModule().isPair(pair)) continue;
      const text = String(keyOf(pair.key));
      if (!index.has(text)) index.set(text, pair);
    }
    pairIndexes.set(map, index);
  }
  return index.get(String(segment));
}

function walk(doc: Document, path: DocPath): Located {
  let node = doc.contents as Node | null;
  let keyNode: Node | null | undefined;
  const { isMap, isSeq } = yamlModule();
  for (const segment of path) {
    if (isMap(node)) {
      const pair = pairOf(node, segment);
      if (!pair) break;
      keyNode = pair.key as Node | null;
      node = (pair.value as Node | null) ?? keyNode;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment]) {
      node = node.items[segment] as Node;
      keyNode = undefined;
    } else {
      break;
    }
  }
  return { node, keyNode };
}

function lineOfNode(node: Node | null | undefined, lineCounter: LineCounter): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : lineCounter.linePos(start).line;
}

/** 1-based line of the deepest node on `path` that exists (the document start otherwise). */
export function lineOfPath(doc: Document, path: DocPath, lineCounter: LineCounter): number {
  const { node } = walk(doc, path);
  return lineOfNode(node, lineCounter) ?? lineOfNode(doc.contents as Node, lineCounter) ?? 1;
}

/** 1-based line of the key `key` inside the map at `path` (for unknown fields). */
export function lineOfKey(doc: Document, path: DocPath, key: string, lineCounter: LineCounter): number {
  const { keyNode } = walk(doc, [...path, key]);
  return lineOfNode(keyNode, lineCounter) ?? lineOfPath(doc, path, lineCounter);
}
