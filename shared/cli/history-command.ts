/**
 * `ase-gitops history DEVICE [--repository OWNER/NAME] [--storage CONN] [--format json]`:
 * what the controller did to a device, from the apply journal (Azure Table storage; the
 * connection string from --storage, or AzureWebJobsStorage / its identity-based AzureWebJobsStorage__* settings).
 */
import { type Command, Option } from "commander";
import { openApplyJournal } from "../composition/apply-journal.js";
import type { JournalEntry } from "../ports/apply-journal.js";
import { type CliContext, CliError } from "./cli-context.js";

interface HistoryOptions {
  repository?: string;
  storage?: string;
  format: "json" | "text";
}

function line(entry: JournalEntry): string {
  const what = entry.step > 0 ? `step ${entry.step} ${entry.action}${entry.vm ? ` ${entry.vm}` : ""}` : entry.action;
  const extra = [entry.deployment ? `deployment ${entry.deployment}` : "", entry.message ?? ""].filter(Boolean).join("; ");
  return `${entry.at}  ${entry.commit.slice(0, 7)}  try ${entry.attempt}  ${what}: ${entry.status}${extra ? `  (${extra})` : ""}`;
}

export async function runHistory(device: string, options: HistoryOptions, ctx: CliContext, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const opened = openApplyJournal(options.storage, env);
  if ("problem" in opened) throw new CliError(opened.problem);
  const { journal } = opened;
  let repositories: string[];
  try {
    repositories = options.repository
      ? [options.repository]
      : [...new Set((await journal.devices()).filter((d) => d.device === device).map((d) => d.repository))];
  } catch (error) {
    throw new CliError(`cannot read the apply journal: ${(error as Error).message.split("\n")[0]}`);
  }
  const entries = (await Promise.all(repositories.map((repo) => journal.history(repo, device))))
    .flat()
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (options.format === "json") {
    ctx.io.stdout.write(`${JSON.stringify({ device, entries }, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    ctx.io.stdout.write(`no history for device ${device}\n`);
    return;
  }
  ctx.io.stdout.write(`${entries.map(line).join("\n")}\n`);
}

export function registerHistoryCommand(program: Command, ctx: CliContext): void {
  program
    .command("history")
    .description("what the controller did to a device: every apply step, from the journal")
    .argument("<device>", "device name (metadata.name)")
    .option("--repository <owner/name>", "only this fleet repository")
    .option("--storage <connection>", "storage connection string (default: AzureWebJobsStorage)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((device: string, options: HistoryOptions) => runHistory(device, options, ctx));
}
