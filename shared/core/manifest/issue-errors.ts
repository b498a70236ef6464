/**
 * Zod issues of a manifest as INVALID_MANIFEST errors with their lines, for both loading
 * tiers: the positional path places them in a `yaml` document (yaml-lines.ts), the fast tier
 * from js-yaml's events (event-lines.ts). One message builder, so the two answer alike.
 */
import type { z } from "zod";
import type { PlanError } from "../plan/types.js";
import type { DocPath } from "./yaml-lines.js";

/** Errors reported per document; the rest are counted (a generated file can have thousands). */
export const MAX_ERRORS_PER_DOCUMENT = 50;
/** Unknown field names listed in one error. */
const MAX_FIELDS_LISTED = 10;

/** Where a path of the document starts: its value's line, or a key's line for unknown fields. */
export interface LinePlacer {
  lineOfPath(path: DocPath): number;
  lineOfKey(path: DocPath, key: string): number;
}

/** Keeps the first errors of a document and says how many more there are. */
export function capErrors(errors: PlanError[]): PlanError[] {
  if (errors.length <= MAX_ERRORS_PER_DOCUMENT) return errors;
  const kept = errors.slice(0, MAX_ERRORS_PER_DOCUMENT);
  const more = errors.length - kept.length;
  const last = kept.at(-1);
  if (!last) return kept;
  return [...kept, { ...last, message: `…and ${more} more problem${more === 1 ? "" : "s"} in this document` }];
}

function formatPath(path: DocPath): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === "number" ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment)),
    "",
  );
}

export function issueToError(issue: z.core.$ZodIssue, file: string, placer: LinePlacer): PlanError {
  const where = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    const listed = keys
      .slice(0, MAX_FIELDS_LISTED)
      .map((key) => (where ? `${where}.${key}` : key))
      .join(", ");
    const fields = keys.length > MAX_FIELDS_LISTED ? `${listed} and ${keys.length - MAX_FIELDS_LISTED} more` : listed;
    return {
      code: "INVALID_MANIFEST",
      message: `unknown field${keys.length > 1 ? "s" : ""} ${fields}`,
      file,
      line: placer.lineOfKey(issue.path, keys[0] ?? ""),
    };
  }
  const missing = issue.code === "invalid_type" && / received undefined$/.test(issue.message);
  const message = missing ? "is required" : issue.message.replace(/^Invalid (input|option|value): /, "");
  return {
    code: "INVALID_MANIFEST",
    message: where ? `${where}: ${message}` : message,
    file,
    line: placer.lineOfPath(issue.path),
  };
}

/** The capped errors of a failed parse, or undefined when one of them cannot be placed (the caller goes positional). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], file: string, placer: LinePlacer): PlanError[] {
  // Only the errors that are kept need a line: a 1 MiB file of bad fields places 51, not 100,000.
  const placed = issues.slice(0, MAX_ERRORS_PER_DOCUMENT + 1).map((issue) => issueToError(issue, file, placer));
  const errors = capErrors(placed);
  const last = errors.at(-1);
  if (issues.length > placed.length && last) {
    const more = issues.length - MAX_ERRORS_PER_DOCUMENT;
    errors[errors.length - 1] = { ...last, message: `…and ${more} more problem${more === 1 ? "" : "s"} in this document` };
  }
  return errors;
}
