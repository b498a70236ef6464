/**
 * The fast tier of manifest loading (issue 16): js-yaml (core schema) reads every file, and
 * only files that need a source line go through the positional `yaml` path of load.ts. The
 * fast path answers only when it is sure the positional path would answer the same: every
 * document valid, or invalid by the schema or the credential rule with errors placed from
 * js-yaml's events (event-lines.ts), or a one-document file with repeated keys or an alias
 * bomb, found from the same events. Anything else (another js-yaml error, a kind mistake, an
 * error on a block scalar, a construct the two parsers read differently) returns
 * undefined and the caller re-parses that one file with positions. Device lines are lazy:
 * placed from js-yaml's events (event-lines.ts) the first time the planner asks for one.
 */
import { CORE_SCHEMA, loadAll, YAMLException } from "js-yaml";
import type { PlanError } from "../plan/types.js";
import type { InvalidManifest, LoadedDevice, ManifestFileResult, ManifestLines, ParseOptions } from "./load.js";
import { type LinePlacer, capErrors, issuesToErrors } from "./issue-errors.js";
import { aliasBombFromEvents, duplicateKeysFromEvents, linesFromEvents, lineStarts, lineOf, placerFromEvents } from "./event-lines.js";
import { DUPLICATE_KEY_MESSAGE, MAX_ALIASES_PER_DOCUMENT, tooManyAliasesMessage } from "./yaml-keys.js";
import { manifestCredentialProblem } from "./manifest-credential.js";
import { kindMistake } from "./kind-check.js";
import { ROLLOUT_KIND } from "../rollout/policy.js";
import { API_VERSION, EdgeDevice, KIND } from "./schema.js";

/**
 * Text the two parsers may read differently, sent to the positional path unread: directives
 * (`%YAML 1.1` switches yaml's schema), tags and anchors, `__proto__` keys (refused with a line), and
 * empty or explicit keys (`: x`, `? x`: js-yaml names an empty key "null", yaml "").
 */
const NEEDS_POSITIONAL = /^%|__proto__|(?:^|[\s,[{])(?:[!&]|[?:](?:\s|$))/m;
/** yaml refuses implicit keys over 1024 characters; js-yaml does not. Longer keys go positional. */
const MAX_FAST_KEY_LENGTH = 256;
/** A plain number too large for a double: yaml reads Infinity, js-yaml keeps the text. */
const NUMBER_LIKE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F]+$|^0o[0-7]+$/;

/** Whether a value read by js-yaml holds something yaml would read otherwise. */
function readsDifferently(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.length < 1024 && NUMBER_LIKE.test(value) && !Number.isFinite(Number(value));
  if (typeof value !== "object" || value === null) return false;
  if (depth > 200) return true;
  if (Array.isArray(value)) return value.some((item) => readsDifferently(item, depth + 1));
  for (const key of Object.keys(value)) {
    if (key.length > MAX_FAST_KEY_LENGTH || readsDifferently(key) || readsDifferently((value as Record<string, unknown>)[key], depth + 1))
      return true;
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ManifestLines whose fields are computed on first read (and then kept). */
function lazyLines(compute: () => ManifestLines): ManifestLines {
  let lines: ManifestLines | undefined;
  const get = () => (lines ??= compute());
  const lazy = {} as ManifestLines;
  for (const key of ["document", "name", "gpu", "softwareVersion", "kubernetes", "allowReconfigure", "vms"] as const) {
    Object.defineProperty(lazy, key, { enumerable: true, get: () => get()[key] });
  }
  return lazy;
}

/**
 * The devices of a file read without positions, or undefined when the file needs the
 * positional path. `positional` parses this same file with positions (for lazy lines).
 */
export function fastParseManifestText(
  text: string,
  file: string,
  options: ParseOptions,
  positional: () => ManifestFileResult,
): ManifestFileResult | undefined {
  if (NEEDS_POSITIONAL.test(text)) return countOf(text, "*") > MAX_ALIASES_PER_DOCUMENT ? aliasBombResult(text, file) : undefined;
  let documents: unknown[];
  try {
    // json: false makes duplicate keys an error; aliases are rare in manifests, so any alias goes positional.
    documents = loadAll(text, { schema: CORE_SCHEMA, json: false, maxAliases: 0 });
  } catch (error) {
    if (!(error instanceof YAMLException)) return undefined;
    if (error.reason === "duplicated mapping key") return duplicateKeysResult(text, file);
    return countOf(text, "*") > MAX_ALIASES_PER_DOCUMENT ? aliasBombResult(text, file) : undefined;
  }
  const devices: LoadedDevice[] = [];
  const invalid: InvalidManifest[] = [];
  let reparsed: ManifestFileResult | undefined;
  for (const [documentIndex, value] of documents.entries()) {
    if (!isRecord(value)) continue;
    if (readsDifferently(value)) return undefined;
    // A rollout policy carries its document line: rare (one per fleet), so read positionally.
    if (value.kind === ROLLOUT_KIND && value.apiVersion === API_VERSION) return undefined;
    if (value.kind !== KIND) {
      if (kindMistake(value) !== undefined) return undefined;
      continue;
    }
    const parsed = EdgeDevice.safeParse(value);
    if (!parsed.success) {
      // Placed from js-yaml's events (issue 9 item 7: a 1 MiB file of bad fields must not pay for yaml's positional parse).
      const errors = placedErrors(text, documentIndex, (placer) => issuesToErrors(parsed.error.issues, file, placer));
      if (!errors) return undefined;
      invalid.push({ name: declaredName(value, file), file, errors });
      continue;
    }
    const credential = manifestCredentialProblem(parsed.data, options);
    if (credential) {
      const errors = placedErrors(text, documentIndex, (placer) => [
        { code: "INVALID_MANIFEST" as const, message: credential.message, file, line: placer.lineOfPath(credential.path) },
      ]);
      if (!errors) return undefined;
      invalid.push({ name: parsed.data.metadata.name, file, errors });
      continue;
    }
    const index = devices.length;
    const manifest = parsed.data;
    const lines = lazyLines(() => {
      const placed = linesFromEvents(text, documentIndex, manifest);
      if (placed) return placed;
      reparsed ??= positional();
      const device = reparsed.devices[index];
      if (!device) throw new Error(`${file}: the positional parse found no device ${index + 1}`);
      return device.lines;
    });
    devices.push({ manifest: parsed.data, file, lines });
  }
  return { devices, invalid };
}

/** Errors placed from js-yaml's events, or undefined when one of their lines cannot be placed that way. */
function placedErrors(text: string, documentIndex: number, build: (placer: LinePlacer) => PlanError[]): PlanError[] | undefined {
  const placer = placerFromEvents(text, documentIndex);
  if (!placer) return undefined;
  const errors = build(placer);
  return placer.unplaceable() ? undefined : errors;
}

/** The document's metadata.name when it is text, else the file (as the positional path names it). */
function declaredName(document: Record<string, unknown>, file: string): string {
  const metadata = document.metadata;
  return isRecord(metadata) && typeof metadata.name === "string" && metadata.name ? metadata.name : file;
}

/**
 * A one-document file with repeated keys (issue 9 item 7: a 1 MiB map of them must not pay
 * for yaml's positional parse): each repeat at its line, as the positional path reports them.
 */
function duplicateKeysResult(text: string, file: string): ManifestFileResult | undefined {
  const found = duplicateKeysFromEvents(text);
  if (!found || found.offsets.length === 0) return undefined;
  const starts = lineStarts(text);
  const errors = found.offsets.map((offset) => ({
    code: "INVALID_MANIFEST" as const,
    message: DUPLICATE_KEY_MESSAGE,
    file,
    line: lineOf(starts, offset),
  }));
  return { devices: [], invalid: [{ name: found.name ?? file, file, errors: capErrors(errors) }] };
}

function countOf(text: string, character: string): number {
  let count = 0;
  for (let at = text.indexOf(character); at >= 0; at = text.indexOf(character, at + 1)) count++;
  return count;
}

/** A one-document alias bomb (issue 9 item 7), refused at the alias the positional path would name, without its parse. */
function aliasBombResult(text: string, file: string): ManifestFileResult | undefined {
  const found = aliasBombFromEvents(text, MAX_ALIASES_PER_DOCUMENT);
  if (!found) return undefined;
  const line = lineOf(lineStarts(text), found.offset);
  return {
    devices: [],
    invalid: [
      {
        name: found.name ?? file,
        file,
        errors: [{ code: "INVALID_MANIFEST", message: tooManyAliasesMessage(MAX_ALIASES_PER_DOCUMENT), file, line }],
      },
    ],
  };
}
