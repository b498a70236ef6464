/**
 * `ase-gitops drift PATH [--format json|markdown] [--device NAME] [--label KEY=VALUE]`: the
 * drift check from a terminal, with the device settings from the environment (like
 * `observe`). Nothing is written anywhere: no issue, no remediation.
 * Exit codes: 0 no drift; 2 a device drifted or could not be observed (or a manifest is
 * invalid); 1 bad usage or an internal failure.
 */
import { type Command, Option } from "commander";
import type { DeviceDriftReport } from "../core/drift/assess.js";
import { checkDevice } from "../use-cases/check-drift/check-device.js";
import { renderDriftMarkdown } from "../core/drift/render-report.js";
import { selectDevices } from "../core/drift/select.js";
import { needsAttention, reportToJson, summarizeReports } from "../core/drift/summary.js";
import { DeviceError } from "../core/errors/device-error.js";
import { mapLimit } from "../use-cases/apply-device/fleet.js";
import { type DeviceSettings, type Env, deviceSettingsFromEnv } from "../composition/device-settings.js";
import { FleetPathError, splitDuplicates } from "../core/manifest/load.js";
import { loadFleet } from "../composition/fleet-folder.js";
import { keyedRecord } from "../core/own-keys.js";
import { type CliContext, CliError, EXIT } from "./cli-context.js";

interface DriftOptions {
  format: "json" | "markdown";
  device: string[];
  label: string[];
  concurrency: number;
}

function parseLabels(values: string[]): Record<string, string> {
  const labels = keyedRecord<string>();
  for (const value of values) {
    const at = value.indexOf("=");
    if (at <= 0) throw new CliError(`--label must be KEY=VALUE, got ${value}`);
    labels[value.slice(0, at)] = value.slice(at + 1);
  }
  return labels;
}

export async function runDrift(path: string, options: DriftOptions, ctx: CliContext, env: Env = process.env): Promise<void> {
  let settings: DeviceSettings;
  try {
    settings = deviceSettingsFromEnv(env);
  } catch (error) {
    if (error instanceof DeviceError) throw new CliError(error.message);
    throw error;
  }
  const fleet = await loadFleet(path, { credentialPrefix: settings.credentialPrefix }).catch((error: unknown) => {
    if (error instanceof FleetPathError) throw new CliError(error.message);
    throw error;
  });
  const { unique, duplicates } = splitDuplicates(fleet.devices);
  const { selected, unknown } = selectDevices(unique, {
    ...(options.device.length ? { devices: options.device } : {}),
    ...(options.label.length ? { labels: parseLabels(options.label) } : {}),
  });
  if (unknown.length > 0) throw new CliError(`no manifest defines ${unknown.join(", ")}`);
  // A selector that matches nothing is a mistake (a typo in a label), not "0 checked, all fine".
  if (options.label.length > 0 && selected.length === 0) throw new CliError(`no device has the labels ${options.label.join(", ")}`);
  const reports: DeviceDriftReport[] = await mapLimit(selected, options.concurrency, (d) =>
    checkDevice({ manifest: d.manifest, file: d.file, lines: d.lines }, settings),
  );
  // Invalid or duplicate manifests cannot be compared: listed as skipped, and they fail the run.
  const invalid = [
    ...fleet.invalid.map((i) => ({ name: i.name, file: i.file, message: i.errors[0]?.message ?? "invalid manifest" })),
    ...duplicates.map((d) => ({ name: d.manifest.metadata.name, file: d.file, message: "DUPLICATE_DEVICE: defined more than once" })),
  ];
  for (const i of invalid) {
    reports.push({
      device: i.name,
      file: i.file,
      status: "skipped",
      drift: [],
      remediation: { policy: "report", action: "none", reason: `invalid manifest: ${i.message}` },
      error: { code: "INVALID_MANIFEST", message: `${i.file}: ${i.message}`, transient: false },
    });
  }
  reports.sort((a, b) => a.device.localeCompare(b.device));
  const summary = summarizeReports(reports);
  if (options.format === "json") {
    ctx.io.stdout.write(`${JSON.stringify({ summary, devices: reports.map(reportToJson) }, null, 2)}\n`);
  } else {
    ctx.io.stdout.write(renderDriftMarkdown(reports, summary));
  }
  ctx.exitCode = needsAttention(summary) || invalid.length > 0 ? EXIT.infeasible : EXIT.ok;
}

export function registerDriftCommand(program: Command, ctx: CliContext, env: Env = process.env): void {
  program
    .command("drift")
    .description("compare every device with its manifest and classify each difference (exit 2 on drift or an unreachable device)")
    .argument("<path>", "folder (or file) of device manifests")
    .addOption(new Option("--format <format>", "output format").choices(["json", "markdown"]).default("markdown"))
    .option("--device <name>", "only this device (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option(
      "--label <key=value>",
      "only devices with this label (repeatable; all must match)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--concurrency <n>",
      "devices checked at once",
      (value: string) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError("--concurrency must be an integer from 1 to 1000");
        return n;
      },
      16,
    )
    .action((path: string, options: DriftOptions) => runDrift(path, options, ctx, env));
}
