/**
 * `ase-gitops validate PATH [--format text|json]`: the schema and static checks of every
 * manifest under PATH, with no observed state and no device: for pre-commit hooks and CI.
 * Each problem is one `file:line: CODE message` line, as compilers print them. Exit 0 when
 * every manifest is valid, 2 when one is not, 1 for bad usage.
 */
import { type Command, Option } from "commander";
import { planFleet } from "../core/plan/planner.js";
import type { PlanError, PlanWarning } from "../core/plan/types.js";
import { type CliContext, EXIT } from "./cli-context.js";
import { loadFleetForCli } from "./load-fleet.js";

export interface ValidateOptions {
  format: "text" | "json";
}

interface Problem {
  severity: "error" | "warning";
  device: string;
  file: string;
  line?: number;
  code: string;
  message: string;
}

const toProblem =
  (severity: Problem["severity"], device: string, file: string) =>
  (p: PlanError | PlanWarning): Problem => ({
    severity,
    device,
    file: p.file ?? file,
    ...(p.line !== undefined ? { line: p.line } : {}),
    code: p.code,
    message: p.message,
  });

export async function runValidate(
  path: string,
  options: ValidateOptions,
  ctx: CliContext,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const fleet = await loadFleetForCli(path, env);
  // Planned as new devices: every error left is one the manifests alone cause.
  const plan = planFleet(fleet);
  const problems = plan.devices.flatMap((d) => [
    ...d.errors.map(toProblem("error", d.name, d.file)),
    ...d.warnings.map(toProblem("warning", d.name, d.file)),
  ]);
  for (const w of plan.rollout?.warnings ?? [])
    problems.push({ severity: "warning", device: w.device, file: plan.rollout!.file, code: w.code, message: w.message });
  const errors = problems.filter((p) => p.severity === "error").length;
  if (options.format === "json") {
    ctx.io.stdout.write(`${JSON.stringify({ valid: errors === 0, devices: plan.devices.length, problems }, null, 2)}\n`);
  } else {
    for (const p of problems) ctx.io.stdout.write(`${p.file}${p.line !== undefined ? `:${p.line}` : ""}: ${p.severity} ${p.code} ${p.message}\n`);
    ctx.io.stdout.write(
      `${plan.devices.length} manifest${plan.devices.length === 1 ? "" : "s"} checked: ${errors} error${errors === 1 ? "" : "s"}, ${problems.length - errors} warning${problems.length - errors === 1 ? "" : "s"}\n`,
    );
  }
  ctx.exitCode = errors > 0 ? EXIT.infeasible : EXIT.ok;
}

export function registerValidateCommand(program: Command, ctx: CliContext, env: Readonly<Record<string, string | undefined>>): void {
  program
    .command("validate")
    .description("check every manifest under PATH (schema and static checks, no devices): for pre-commit hooks and CI")
    .argument("<path>", "folder (or file) of manifests")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((path: string, options: ValidateOptions) => runValidate(path, options, ctx, env));
}
