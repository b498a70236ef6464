/**
 * Parses device manifests (contract.md §1): each YAML document whose `kind` is `EdgeDevice`.
 * Bad input never throws: it becomes an INVALID_MANIFEST entry with the file and line to
 * fix. Reading a fleet folder from disk is the git adapter's (adapters/git/fleet-folder.ts).
 */
import type { Document, LineCounter } from "yaml";
import type { PlanError } from "../plan/types.js";
import { fastParseManifestText } from "./fast-parse.js";
import { type LinePlacer, capErrors, issuesToErrors } from "./issue-errors.js";
import { MAX_FLOW_DEPTH, flowTooDeepAt } from "./flow-depth.js";
import { kindMistake } from "./kind-check.js";
import { manifestCredentialProblem } from "./manifest-credential.js";
import { manifestLinesFrom } from "./manifest-lines.js";
import { RolloutPolicy, ROLLOUT_KIND } from "../rollout/policy.js";
import type { LoadedRolloutPolicy } from "../rollout/rollout-plan.js";
import { API_VERSION, EdgeDevice, KIND } from "./schema.js";
import { MAX_ALIASES_PER_DOCUMENT, keyProblems } from "./yaml-keys.js";
import { yamlModule } from "./yaml-module.js";
import { lineOfKey, lineOfPath } from "./yaml-lines.js";
import { ControllerError } from "../errors/controller-error.js";

/** A manifest larger than this is refused unread: no device needs it, an attack might. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Aliases expanded per document; the yaml package's guard against "billion laughs". */
export const MAX_ALIAS_COUNT = 100;
export { MAX_ERRORS_PER_DOCUMENT } from "./issue-errors.js";
/** Folders a fleet folder's walk never enters. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(["node_modules", ".git"]);

/** Source lines of the manifest parts the planner reports on. */
export interface ManifestLines {
  document: number;
  name: number;
  gpu: number;
  softwareVersion: number;
  kubernetes: number;
  allowReconfigure: number;
  vms: VmLines[];
}

/** Source lines of one VM entry (a field's own line, or the VM's name line when absent). */
export interface VmLines {
  name: number;
  size: number;
  os: number;
  powerState: number;
  login: number;
  network: number;
  privateIP: number;
  customData: number;
  sshKeys: number[];
}

export interface LoadedDevice {
  manifest: EdgeDevice;
  /** Path relative to the fleet root, with `/` separators. */
  file: string;
  lines: ManifestLines;
}

/** A document that could not be read as a device: named after the device when known. */
export interface InvalidManifest {
  name: string;
  file: string;
  errors: PlanError[];
}

export interface FleetLoad {
  devices: LoadedDevice[];
  invalid: InvalidManifest[];
  /** `kind: RolloutPolicy` documents (contract.md §11); at most one may exist. */
  policies?: LoadedRolloutPolicy[];
}

/** Devices defined once, and every definition of a name defined more than once (DUPLICATE_DEVICE). */
export function splitDuplicates(devices: readonly LoadedDevice[]): { unique: LoadedDevice[]; duplicates: LoadedDevice[] } {
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.manifest.metadata.name, (counts.get(d.manifest.metadata.name) ?? 0) + 1);
  const once = (d: LoadedDevice) => counts.get(d.manifest.metadata.name) === 1;
  return { unique: devices.filter(once), duplicates: devices.filter((d) => !once(d)) };
}

export class FleetPathError extends ControllerError {
  readonly code = "FLEET_PATH_NOT_FOUND";
  readonly transient = false;
  constructor(readonly path: string) {
    super(`no such file or folder: ${path}`);
  }
}

export interface ParseOptions {
  /**
   * The device credential namespace (credential-name.ts, from ASE_GITOPS_CREDENTIAL_PREFIX):
   * a `spec.arm.credential` outside it is INVALID_MANIFEST. Unset: not checked here (callers
   * that only read device names); the device adapters refuse such a name again at use.
   */
  credentialPrefix?: string;
  /**
   * Parse every file with source positions (the reference path) instead of the fast tier,
   * which re-parses with positions only the files that need a line. Same output either way.
   */
  positional?: boolean;
}

export interface LoadFleetOptions extends ParseOptions {
  /** Keep only these files (relative posix paths), e.g. the ones a pull request changed. */
  include?: (relativePath: string) => boolean;
  /** Files read at once. */
  concurrency?: number;
}

export interface ManifestFileResult {
  devices: LoadedDevice[];
  invalid: InvalidManifest[];
  policies?: LoadedRolloutPolicy[];
}

/** One fleet from the files' results, in their order. */
export function mergeResults(results: ManifestFileResult[]): FleetLoad {
  const fleet: FleetLoad = { devices: [], invalid: [] };
  for (const result of results) {
    for (const device of result.devices) fleet.devices.push(device);
    for (const invalid of result.invalid) fleet.invalid.push(invalid);
    for (const policy of result.policies ?? []) (fleet.policies ??= []).push(policy);
  }
  return fleet;
}

export function fileError(file: string, message: string, line = 1): InvalidManifest {
  return { name: file, file, errors: [{ code: "INVALID_MANIFEST", message, file, line }] };
}

/** One file's bytes: size and encoding checked before YAML sees a byte. */
export function parseManifestBytes(bytes: Uint8Array, file: string, options: ParseOptions = {}): ManifestFileResult {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) return tooLarge(file, bytes.byteLength);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { devices: [], invalid: [fileError(file, "file is not valid UTF-8 text")] };
  }
  return parseManifestText(text, file, options);
}

/** A file over MAX_MANIFEST_BYTES, refused unread. */
export function tooLarge(file: string, size: number): ManifestFileResult {
  return { devices: [], invalid: [fileError(file, `file is ${size} bytes; a manifest may be at most 1 MiB`)] };
}

/** Parses the text of one manifest file (exported for callers that read from git objects). */
export function parseManifestText(text: string, file: string, options: ParseOptions = {}): ManifestFileResult {
  const refused = refusedText(text, file);
  if (refused) return refused;
  if (!options.positional) {
    const fast = fastParseManifestText(text, file, options, () => parseWithPositions(text, file, options));
    if (fast) return fast;
  }
  return parseWithPositions(text, file, options);
}

/** Checks made before any YAML parser sees the text. */
function refusedText(text: string, file: string): ManifestFileResult | undefined {
  if (text.includes("\u0000")) {
    return { devices: [], invalid: [fileError(file, "file contains NUL bytes; a manifest is YAML text")] };
  }
  const deepAt = flowTooDeepAt(text);
  if (deepAt >= 0) {
    const line = text.slice(0, deepAt).split("\n").length;
    return { devices: [], invalid: [fileError(file, `YAML syntax error: collections nested more than ${MAX_FLOW_DEPTH} deep`, line)] };
  }
  return undefined;
}

/** The positional path: every error and every device carries its source lines. */
function parseWithPositions(text: string, file: string, options: ParseOptions): ManifestFileResult {
  const result: ManifestFileResult = { devices: [], invalid: [] };
  const { LineCounter, parseAllDocuments } = yamlModule();
  const lineCounter = new LineCounter();
  // Duplicate keys are found by keyProblems in one pass: yaml's uniqueKeys is quadratic.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  for (const doc of Array.isArray(docs) ? docs : []) {
    const outcome = readDocument(doc, file, lineCounter, options);
    if (outcome === undefined) continue;
    if ("manifest" in outcome) result.devices.push(outcome);
    else if ("policy" in outcome) (result.policies ??= []).push(outcome);
    else result.invalid.push(outcome);
  }
  return result;
}

function yamlMessage(message: string): string {
  return message.split(/ at line \d+, column \d+/)[0]!.trim();
}

function syntaxErrors(doc: Document, file: string, lineCounter: LineCounter): PlanError[] {
  // yaml composes nested collections recursively: nesting thousands deep overflows its stack.
  const tooDeep = doc.errors.find((error) => /call stack/i.test(error.message));
  if (tooDeep) {
    return [
      { code: "INVALID_MANIFEST", message: "YAML syntax error: collections nested too deeply", file, line: lineCounter.linePos(tooDeep.pos[0]).line },
    ];
  }
  return doc.errors.map((error) => ({
    code: "INVALID_MANIFEST" as const,
    message: `YAML syntax error: ${yamlMessage(error.message)}`,
    file,
    line: lineCounter.linePos(error.pos[0]).line,
  }));
}

/** The document's metadata.name when it has one (read without toJS), else the file. */
function declaredName(doc: Document, file: string): string {
  const name = doc.getIn(["metadata", "name"]);
  return typeof name === "string" && name ? name : file;
}

function readDocument(
  doc: Document,
  file: string,
  lineCounter: LineCounter,
  options: ParseOptions,
): LoadedDevice | LoadedRolloutPolicy | InvalidManifest | undefined {
  if (doc.errors.length > 0) return { name: file, file, errors: capErrors(syntaxErrors(doc, file, lineCounter)) };
  const keys = keyProblems(doc, MAX_ALIASES_PER_DOCUMENT);
  if (keys.length > 0) {
    const errors = keys.map((problem) => ({
      code: "INVALID_MANIFEST" as const,
      message: problem.message,
      file,
      line: lineCounter.linePos(problem.offset).line,
    }));
    return { name: declaredName(doc, file), file, errors: capErrors(errors) };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = (error as Error).message;
    const reason = /alias/i.test(message)
      ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions): refused as a possible alias bomb`
      : `cannot read YAML: ${yamlMessage(message)}`;
    return { name: file, file, errors: [{ code: "INVALID_MANIFEST", message: reason, file, line: lineOfPath(doc, [], lineCounter) }] };
  }
  if (!isRecord(value)) return undefined;
  const metadata = value.metadata;
  const name = isRecord(metadata) && typeof metadata.name === "string" && metadata.name ? metadata.name : file;
  if (value.kind === ROLLOUT_KIND && value.apiVersion === API_VERSION) {
    const policy = RolloutPolicy.safeParse(value);
    if (!policy.success) {
      return { name, file, errors: issuesToErrors(policy.error.issues, file, yamlPlacer(doc, lineCounter)) };
    }
    return { policy: policy.data, file, line: lineOfPath(doc, [], lineCounter) };
  }
  if (value.kind !== KIND) {
    const mistake = kindMistake(value);
    if (mistake === undefined) return undefined;
    return {
      name,
      file,
      errors: [
        { code: "INVALID_MANIFEST", message: mistake, file, line: lineOfPath(doc, Object.hasOwn(value, "kind") ? ["kind"] : [], lineCounter) },
      ],
    };
  }
  const parsed = EdgeDevice.safeParse(value);
  if (!parsed.success) {
    return { name, file, errors: issuesToErrors(parsed.error.issues, file, yamlPlacer(doc, lineCounter)) };
  }
  const credential = manifestCredentialProblem(parsed.data, options);
  if (credential) {
    const error: PlanError = { code: "INVALID_MANIFEST", message: credential.message, file, line: lineOfPath(doc, credential.path, lineCounter) };
    return { name: parsed.data.metadata.name, file, errors: [error] };
  }
  return { manifest: parsed.data, file, lines: manifestLines(doc, parsed.data, lineCounter) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function yamlPlacer(doc: Document, lineCounter: LineCounter): LinePlacer {
  return { lineOfPath: (path) => lineOfPath(doc, path, lineCounter), lineOfKey: (path, key) => lineOfKey(doc, path, key, lineCounter) };
}

function manifestLines(doc: Document, manifest: EdgeDevice, lineCounter: LineCounter): ManifestLines {
  return manifestLinesFrom(manifest, (path) => lineOfPath(doc, path, lineCounter));
}
