/** Reads the `--observed FILE` of the CLI: the contract's observed-state JSON, validated. */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ObservedState } from "../core/plan/observed.js";
import { CliError } from "./cli-context.js";

export async function readObservedFile(path: string): Promise<ObservedState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new CliError(`cannot read observed state ${path}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`observed state ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ObservedState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? z.core.toDotPath(issue.path) : "top level";
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : "";
    throw new CliError(`observed state ${path} is invalid at ${at}: ${issue.message}${more}`);
  }
  return parsed.data;
}
