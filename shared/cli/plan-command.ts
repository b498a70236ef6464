/** `ase-gitops plan PATH [--observed FILE] [--format json|markdown]` (contract.md §4). */
import { type Command, Option } from "commander";
import type { ObservedState } from "../core/plan/observed.js";
import { planFleet, summarize } from "../core/plan/planner.js";
import type { Plan } from "../core/plan/types.js";
import { renderJson } from "../core/plan/render-json.js";
import { renderMarkdown } from "../core/plan/render-markdown.js";
import { keyedRecord, ownValue } from "../core/own-keys.js";
import { type CliContext, CliError, EXIT } from "./cli-context.js";
import { loadFleetForCli } from "./load-fleet.js";
import { readObservedFile } from "./observed-file.js";

export interface PlanCommandOptions {
  observed?: string;
  format: "json" | "markdown";
  live?: boolean;
}

/** Reads live state for `--live`; provided by the device layer. */
export type LiveObserver = (
  fleetPath: string,
  ctx: CliContext,
) => Promise<{ observed: ObservedState; notes: string[]; unreachable?: Record<string, string> }>;

/** A device that could not be observed is not planned as if it were new: it is blocked. */
function markUnreachable(plan: Plan, unreachable: Record<string, string>): Plan {
  const devices = plan.devices.map((device) => {
    const why = ownValue(unreachable, device.name);
    if (why === undefined) return device;
    return {
      ...device,
      feasible: false,
      steps: [],
      errors: [
        ...device.errors,
        { code: "DEVICE_UNREACHABLE" as const, message: `the device could not be observed, so nothing was planned: ${why}`, file: device.file },
      ],
      warnings: [],
      gpus: { total: device.gpus.total, after: { kubernetes: 0, vms: keyedRecord<number>(), free: 0 } },
    };
  });
  return { ...plan, devices, summary: summarize(devices) };
}

/** `env` holds the settings the plan reads: ASE_GITOPS_CREDENTIAL_PREFIX (the device credential namespace). */
export async function runPlan(
  path: string,
  options: PlanCommandOptions,
  ctx: CliContext,
  live?: LiveObserver,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<void> {
  if (options.live && options.observed) throw new CliError("use either --observed or --live, not both");
  const fleet = await loadFleetForCli(path, env);
  let observed: ObservedState = { devices: {} };
  const notes: string[] = [];
  let unreachable = keyedRecord<string>();
  if (options.observed) observed = await readObservedFile(options.observed);
  if (options.live) {
    if (!live) throw new CliError("--live is not available in this build");
    const result = await live(path, ctx);
    observed = result.observed;
    notes.push(...result.notes);
    unreachable = result.unreachable ?? {};
  }
  const plan = markUnreachable(planFleet(fleet, observed), unreachable);
  ctx.io.stdout.write(options.format === "json" ? renderJson(plan) : renderMarkdown(plan, { notes }));
  ctx.exitCode = plan.summary.infeasible > 0 ? EXIT.infeasible : EXIT.ok;
}

export function registerPlanCommand(
  program: Command,
  ctx: CliContext,
  live?: LiveObserver,
  env: Readonly<Record<string, string | undefined>> = {},
): void {
  program
    .command("plan")
    .description("plan every device manifest under PATH against the observed state")
    .argument("<path>", "folder (or file) of device manifests")
    .option("--observed <file>", "observed state JSON (contract.md §2); devices missing from it are new")
    .option("--live", "read the observed state from the devices themselves")
    .addOption(new Option("--format <format>", "output format").choices(["json", "markdown"]).default("markdown"))
    .action((path: string, options: PlanCommandOptions) => runPlan(path, options, ctx, live, env));
}
