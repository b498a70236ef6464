/**
 * Device commands: `simulate FLEET`, `observe PATH`, `apply PATH`, and the live observer
 * behind `plan PATH --live`. Device settings come from the environment (app settings are
 * environment variables in Functions). Exit codes: 0 all converged/observed, 2 a device
 * refused or failed, 1 bad usage or an internal failure (one line on stderr).
 */
import { createInterface } from "node:readline/promises";
import { type Command, Option } from "commander";
import { startSimulator } from "../../simulator/index.js";
import { DurationSpecError, type OperationKind, parseDurationSpec, TIME_SCALE_ENV, timeScaleFromEnv } from "../../simulator/durations.js";
import { FaultSpecError, parseFaultSpec } from "../../simulator/faults.js";
import type { ApplyResult, ProgressEvent } from "../use-cases/apply-device/apply-device.js";
import { DeviceError } from "../core/errors/device-error.js";
import { type DeviceFailure, type DeviceTarget, applyFleet, observeFleet } from "../use-cases/apply-device/fleet.js";
import { type DeviceSettings, type Env, deviceSettingsFromEnv } from "../composition/device-settings.js";
import { credentialPrefix } from "../core/manifest/credential-name.js";
import { FleetPathError, type LoadedDevice } from "../core/manifest/load.js";
import { loadFleet } from "../composition/fleet-folder.js";
import { keyedRecord } from "../core/own-keys.js";
import type { ObservedState } from "../core/plan/observed.js";
import { planDevice, planFleet } from "../core/plan/planner.js";
import { renderMarkdown } from "../core/plan/render-markdown.js";
import { type CliContext, CliError, EXIT } from "./cli-context.js";
import { readObservedFile } from "./observed-file.js";

export interface DeviceCommandDeps {
  env: Env;
  /** Asks a yes/no question on the terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Resolves when the simulator should stop (SIGINT/SIGTERM by default). */
  stopSignal?: () => Promise<void>;
}

const processContext = (): CliContext => ({
  io: { stdout: process.stdout, stderr: process.stderr, stdinIsTTY: Boolean(process.stdin.isTTY) },
  exitCode: EXIT.ok,
  debug: process.argv.includes("--debug"),
});

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

async function loadTargets(path: string, env: Env): Promise<{ targets: LoadedDevice[]; invalid: { name: string; file: string; message: string }[] }> {
  const fleet = await loadFleet(path, { credentialPrefix: credentialPrefix(env) }).catch((error: unknown) => {
    if (error instanceof FleetPathError) throw new CliError(error.message);
    throw error;
  });
  const counts = new Map<string, number>();
  for (const d of fleet.devices) counts.set(d.manifest.metadata.name, (counts.get(d.manifest.metadata.name) ?? 0) + 1);
  const invalid = fleet.invalid.map((i) => ({ name: i.name, file: i.file, message: i.errors[0]?.message ?? "invalid manifest" }));
  const targets: LoadedDevice[] = [];
  for (const d of fleet.devices) {
    if ((counts.get(d.manifest.metadata.name) ?? 0) > 1) {
      invalid.push({
        name: d.manifest.metadata.name,
        file: d.file,
        message: `DUPLICATE_DEVICE: ${d.manifest.metadata.name} is defined more than once`,
      });
    } else targets.push(d);
  }
  return { targets, invalid };
}

function settingsFrom(env: Env): DeviceSettings {
  try {
    return deviceSettingsFromEnv(env);
  } catch (error) {
    if (error instanceof DeviceError) throw new CliError(error.message);
    throw error;
  }
}

/** For `plan PATH --live`: observed state of every device that answered, notes for the rest. */
export function createLiveObserver(env: Env = process.env) {
  return async (fleetPath: string, _ctx: CliContext): Promise<{ observed: ObservedState; notes: string[]; unreachable: Record<string, string> }> => {
    const { targets } = await loadTargets(fleetPath, env);
    const result = await observeFleet(targets, settingsFrom(env));
    const unreachable = Object.fromEntries(Object.entries(result.errors).map(([name, e]) => [name, `${e.code}: ${e.message}`]));
    const notes = Object.entries(unreachable).map(([name, why]) => `${name}: not observed (${why})`);
    return { observed: { devices: result.devices }, notes, unreachable };
  };
}

// ---- simulate -------------------------------------------------------------------------

interface SimulateOptions {
  port: number;
  observed?: string;
  password: string;
  latencyMs: number;
  faults: string;
  reclaimRisk?: boolean;
  seed: number;
  targetRelease?: string;
  timeScale?: string;
  duration: string[];
}

const waitForSignal = () =>
  new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });

async function runSimulate(fleet: string, options: SimulateOptions, ctx: CliContext, deps: DeviceCommandDeps): Promise<void> {
  try {
    parseFaultSpec(options.faults);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new CliError(`--faults: ${error.message}`);
    throw error;
  }
  if (options.targetRelease !== undefined && !/^\d{4}$/.test(options.targetRelease))
    throw new CliError("--target-release must be a release YYMM, e.g. 2205");
  const asCliError = <T>(flag: string, read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof DurationSpecError) throw new CliError(`${flag}: ${error.message}`);
      throw error;
    }
  };
  const timeScale =
    options.timeScale === undefined
      ? asCliError(TIME_SCALE_ENV, () => timeScaleFromEnv(deps.env))
      : asCliError("--time-scale", () => timeScaleFromEnv({ [TIME_SCALE_ENV]: options.timeScale }));
  const durations: Partial<Record<OperationKind, number>> = {};
  for (const spec of options.duration) {
    const [kind, seconds] = asCliError("--duration", () => parseDurationSpec(spec));
    durations[kind] = seconds;
  }
  const observed = options.observed ? await readObservedFile(options.observed) : undefined;
  await loadFleet(fleet).catch((error: unknown) => {
    if (error instanceof FleetPathError) throw new CliError(error.message);
    throw error;
  });
  const sim = await startSimulator({
    fleet,
    observed,
    port: options.port,
    password: options.password,
    latencyMs: options.latencyMs,
    faults: options.faults,
    reclaimRisk: Boolean(options.reclaimRisk),
    seed: options.seed,
    timeScale,
    durations,
    ...(options.targetRelease ? { targetRelease: options.targetRelease } : {}),
  });
  ctx.io.stdout.write(`${JSON.stringify({ port: sim.port, ca: sim.caPath, devices: sim.devices })}\n`);
  await (deps.stopSignal ?? waitForSignal)();
  await sim.close();
}

// ---- observe --------------------------------------------------------------------------

async function runObserve(path: string, options: { format: "json" | "text" }, ctx: CliContext, deps: DeviceCommandDeps): Promise<void> {
  const { targets, invalid } = await loadTargets(path, deps.env);
  const result = await observeFleet(targets, settingsFrom(deps.env));
  const errors = Object.assign(keyedRecord<DeviceFailure>(), result.errors);
  for (const i of invalid) errors[i.name] = { code: "INVALID_MANIFEST", message: `${i.file}: ${i.message}`, transient: false };
  if (options.format === "json") {
    const sorted = Object.fromEntries(Object.entries(result.devices).sort(([a], [b]) => a.localeCompare(b)));
    ctx.io.stdout.write(`${JSON.stringify({ devices: sorted, ...(Object.keys(errors).length ? { errors } : {}) }, null, 2)}\n`);
  } else {
    for (const [name, device] of Object.entries(result.devices).sort(([a], [b]) => a.localeCompare(b))) {
      const k8s = device.kubernetes.configured ? `Kubernetes (${device.kubernetes.gpus} GPU)` : "no Kubernetes";
      const vms = device.virtualMachines.map(
        (vm) => `${vm.name}=${vm.size}/${vm.powerState}/ext:${vm.gpuExtension}${vm.managed ? "" : "/unmanaged"}`,
      );
      ctx.io.stdout.write(`${name}: release ${device.softwareVersion ?? "?"}, ${k8s}, VMs: ${vms.join(", ") || "none"}\n`);
    }
    for (const [name, e] of Object.entries(errors)) ctx.io.stdout.write(`${name}: not observed (${e.code}): ${e.message}\n`);
  }
  ctx.exitCode = Object.keys(errors).length > 0 ? EXIT.infeasible : EXIT.ok;
}

// ---- apply ----------------------------------------------------------------------------

interface ApplyCommandOptions {
  device: string[];
  yes?: boolean;
  concurrency: number;
  format: "text" | "json";
}

function progressLine(event: ProgressEvent): string {
  const where = event.step > 0 ? `[${event.step}/${event.total}] ` : "";
  const what = `${event.action}${event.vm ? ` ${event.vm}` : ""}`;
  return `${event.device}: ${where}${what} ${event.status}${event.message ? ` (${event.message})` : ""}\n`;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function runApply(path: string, options: ApplyCommandOptions, ctx: CliContext, deps: DeviceCommandDeps): Promise<void> {
  const { targets: all, invalid } = await loadTargets(path, deps.env);
  const wanted = new Set(options.device);
  const known = new Set([...all.map((t) => t.manifest.metadata.name), ...invalid.map((i) => i.name)]);
  for (const name of wanted) if (!known.has(name)) throw new CliError(`--device ${name}: no such device under ${path}`);
  const pick = <T extends { name: string }>(items: T[]) => (wanted.size ? items.filter((i) => wanted.has(i.name)) : items);
  const targets: DeviceTarget[] = all.filter((t) => !wanted.size || wanted.has(t.manifest.metadata.name));
  const refusedInvalid = pick(invalid);
  const settings = settingsFrom(deps.env);

  if (!options.yes) {
    if (!ctx.io.stdinIsTTY && !deps.confirm) throw new CliError("refusing to apply without --yes: stdin is not a terminal to confirm on");
    const observation = await observeFleet(targets, settings, { concurrency: options.concurrency });
    const plan = planFleet({ devices: all.filter((t) => targets.includes(t)), invalid: [] }, { devices: observation.devices });
    const notes = Object.entries(observation.errors).map(([name, e]) => `${name}: not observed (${e.code}): ${e.message}`);
    ctx.io.stdout.write(renderMarkdown(plan, { notes, title: "ase-gitops apply: plan" }));
    const question = `Apply ${plan.summary.steps} step(s) to ${plan.summary.devices} device(s)? [y/N] `;
    if (!(await (deps.confirm ?? askOnTerminal)(question))) throw new CliError("apply cancelled; nothing was changed");
  }

  const results: ApplyResult[] = await applyFleet(targets, settings, {
    concurrency: options.concurrency,
    plan: (input, observed) => planDevice(input, observed),
    onProgress: (event) => ctx.io.stderr.write(progressLine(event)),
  });
  for (const i of refusedInvalid) {
    results.push({ device: i.name, file: i.file, status: "refused", stepsDone: 0, error: { code: "INVALID_MANIFEST", message: i.message } });
  }
  results.sort((a, b) => a.device.localeCompare(b.device));
  if (options.format === "json") {
    const json = results.map((r) => ({
      device: r.device,
      file: r.file,
      status: r.status,
      stepsDone: r.stepsDone,
      steps: r.plan?.steps ?? [],
      ...(r.error ? { error: r.error } : {}),
    }));
    ctx.io.stdout.write(`${JSON.stringify({ devices: json }, null, 2)}\n`);
  } else {
    for (const r of results) {
      const detail = r.error ? `: ${r.error.code}: ${r.error.message}` : ` (${r.stepsDone} step${r.stepsDone === 1 ? "" : "s"})`;
      ctx.io.stdout.write(`${r.device}: ${r.status}${detail}\n`);
    }
  }
  ctx.exitCode = results.every((r) => r.status === "converged") ? EXIT.ok : EXIT.infeasible;
}

// ---- registration ---------------------------------------------------------------------

export function registerDeviceCommands(program: Command, ctx: CliContext = processContext(), deps: DeviceCommandDeps = { env: process.env }): void {
  program
    .command("simulate")
    .description("simulate every device of a fleet folder over HTTPS (ADFS, local ARM, DataBoxEdge) until SIGINT/SIGTERM")
    .argument("<fleet>", "folder (or file) of device manifests")
    .option("--port <n>", "port on 127.0.0.1 (0 = a free one)", integer("--port", 0, 65535), 0)
    .option("--observed <file>", "observed state JSON (contract.md §2) to seed the devices with")
    .option("--password <password>", "password of EdgeArmUser on every simulated device", "simulator")
    .option("--latency-ms <n>", "latency added to every ARM request and long-running operation", integer("--latency-ms", 0, 600_000), 0)
    .option("--faults <spec>", "fault rates, e.g. 429:0.1,500:0.05,reset:0.02,asyncfail:0.05", "")
    .option("--reclaim-risk", "deallocating a GPU VM while Kubernetes is configured lets Kubernetes take its GPUs")
    .option("--seed <n>", "seed of the fault generator", integer("--seed", 0, 2 ** 31 - 1), 1)
    .option("--target-release <yymm>", "release installUpdates moves devices to (default: each manifest's softwareVersion)")
    .option("--time-scale <factor>", `real operation durations times this factor, e.g. 0.001 (default: ${TIME_SCALE_ENV}, else 1)`)
    .option(
      "--duration <kind=seconds>",
      "an operation's duration at scale 1, e.g. createVm=600 (repeatable)",
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .action((fleet: string, options: SimulateOptions) => runSimulate(fleet, options, ctx, deps));

  program
    .command("observe")
    .description("read every device's current state (contract.md §2) through its local ARM")
    .argument("<path>", "folder (or file) of device manifests")
    .addOption(new Option("--format <format>", "output format").choices(["json", "text"]).default("text"))
    .action((path: string, options: { format: "json" | "text" }) => runObserve(path, options, ctx, deps));

  program
    .command("apply")
    .description("converge devices to their manifests: observe, plan, run the steps, verify")
    .argument("<path>", "folder (or file) of device manifests")
    .option("--device <name>", "only this device (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option("--yes", "apply without showing the plan and asking")
    .option("--concurrency <n>", "devices applied at once", integer("--concurrency", 1, 1000), 16)
    .addOption(new Option("--format <format>", "result output").choices(["text", "json"]).default("text"))
    .action((path: string, options: ApplyCommandOptions) => runApply(path, options, ctx, deps));
}
