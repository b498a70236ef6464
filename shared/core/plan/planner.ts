/**
 * The planner: desired manifests + observed state -> the plan of contract.md §3. Pure: no
 * I/O, no clock. A plan is feasible exactly when replaying its steps on the claim model
 * succeeds at every step and ends in the desired state; the checks before the replay only
 * name problems the replay cannot (duplicates, sizes the device does not know).
 */
import { type ClaimState, freeGpus, stateFromObserved } from "../claims/model.js";
import { gpusOfSize, lookupVmSize } from "../claims/sizes.js";
import type { FleetLoad, LoadedDevice, ManifestLines } from "../manifest/load.js";
import { planRollout, type RolloutPlan } from "../rollout/rollout-plan.js";
import { keyedRecord, ownValue } from "../own-keys.js";
import type { EdgeDevice, OsSpec } from "../manifest/schema.js";
import { buildSteps, updateNeedsManualStop } from "./build-steps.js";
import { type DesiredDevice, desiredFromManifest, divergences } from "./desired.js";
import { NEW_DEVICE, type ObservedDevice, type ObservedState } from "./observed.js";
import { replaySteps } from "./replay.js";
import type { DevicePlan, GpuClaims, Plan, PlanError, PlanWarning } from "./types.js";
import { checkUpdatePath } from "./update-checks.js";
import { checkVms } from "./vm-checks.js";
import { vmOf } from "./types.js";

export interface PlanDeviceInput {
  manifest: EdgeDevice;
  /** Manifest path relative to the fleet root. */
  file: string;
  lines?: ManifestLines;
}

export function gpuClaims(state: ClaimState): GpuClaims {
  const vms = keyedRecord<number>();
  for (const vm of state.vms) if (vm.heldGpus > 0) vms[vm.name] = vm.heldGpus;
  return { kubernetes: state.kubernetes.gpus, vms, free: Math.max(0, freeGpus(state)) };
}

/** The claim state a device starts from; unmanaged VMs the manifest names are adopted. */
export function initialState(desired: DesiredDevice, observed: ObservedDevice = NEW_DEVICE): ClaimState {
  const named = new Set(desired.vms.map((vm) => vm.name));
  return stateFromObserved({
    totalGpus: desired.totalGpus,
    gpuModel: desired.gpuModel,
    softwareVersion: observed.softwareVersion,
    kubernetes: observed.kubernetes,
    virtualMachines: observed.virtualMachines.map((vm) => ({ ...vm, managed: vm.managed || named.has(vm.name) })),
  });
}

export function planDevice(input: PlanDeviceInput, observed?: ObservedDevice): DevicePlan {
  const desired = desiredFromManifest(input.manifest);
  const at = locator(input);
  const initial = initialState(desired, observed);
  const errors: PlanError[] = [...checkManifest(desired, input.manifest, at), ...checkOvercommit(desired, initial, at)];
  const warnings: PlanWarning[] = [];

  let { steps, replay } = firstFeasible(initial, desired, false);
  const kubernetesBlocks = replay.failures.some((f) => f.code === "NO_GPU_AVAILABLE" && f.kubernetesGpus > 0);
  if (kubernetesBlocks && desired.kubernetes.enabled && desired.kubernetes.allowReconfigure) {
    ({ steps, replay } = firstFeasible(initial, desired, true));
    warnings.push({
      code: "KUBERNETES_RECONFIGURE",
      message: `Kubernetes holds ${plural(initial.kubernetes.gpus, "GPU")} that GPU VMs need: the plan removes Kubernetes, creates or starts the GPU VMs, then configures Kubernetes again (it gets only the GPUs left free). Workloads on Kubernetes are down meanwhile.`,
      ...at.line(at.lines?.allowReconfigure),
    });
  }

  const vmChecks = checkVms(input, observed, steps);
  const updateChecks = checkUpdatePath(desired, initial, steps, at.line(at.lines?.softwareVersion));
  errors.push(...vmChecks.errors, ...updateChecks.errors);
  warnings.push(...vmChecks.warnings, ...updateChecks.warnings);

  for (const failure of replay.failures) {
    const vmName = vmOf(failure.step);
    const vmLine = at.vmLine(vmName, "name");
    if (failure.code === "NO_GPU_AVAILABLE" && failure.kubernetesGpus > 0) {
      errors.push({
        code: "KUBERNETES_HOLDS_GPU",
        message: `${failure.step.action} ${vmName} needs ${plural(gpusOfSize(desiredSize(desired, vmName)), "GPU")}, but Kubernetes holds ${failure.kubernetesGpus} of the device's ${plural(desired.totalGpus, "GPU")}: it claimed every free GPU when it was configured, so the device would refuse the VM.`,
        hint: "Kubernetes takes every free GPU when it is configured, so GPU VMs must come first. Set spec.kubernetes.allowReconfigure: true to let the controller remove Kubernetes, create the GPU VM, and configure Kubernetes again; or disable Kubernetes on this device; or drop the GPU VM.",
        ...vmLine,
      });
    } else if (failure.code === "NO_GPU_AVAILABLE") {
      if (!errors.some((e) => e.code === "GPU_OVERCOMMIT")) {
        errors.push({
          code: "GPU_OVERCOMMIT",
          message: `${failure.step.action} ${vmName} fails: ${failure.reason}.`,
          hint: "Deallocate or remove another GPU VM first, or use a size with fewer GPUs.",
          ...vmLine,
        });
      }
    } else if (failure.code !== "UNSUPPORTED_VM_SIZE" && failure.code !== "GPU_MODEL_MISMATCH") {
      errors.push({
        code: "PLAN_DOES_NOT_CONVERGE",
        message: `step ${failure.index + 1} (${failure.step.action}${vmName ? ` ${vmName}` : ""}) would fail on the device: ${failure.reason}`,
        ...(vmName ? vmLine : at.line(at.lines?.document)),
      });
    }
  }
  if (errors.length === 0) {
    const left = divergences(replay.state, desired);
    if (left.length > 0) {
      errors.push({
        code: "PLAN_DOES_NOT_CONVERGE",
        message: `after every step the device would still differ from the manifest: ${left.join("; ")}`,
        ...at.line(at.lines?.document),
      });
    }
  }

  // One warning per VM: a resize deallocates first, and both steps free the same GPU.
  const reclaimVms = [...new Set(replay.reclaimRisks.map((r) => vmOf(r.step) ?? ""))];
  warnings.push(...collectWarnings(desired, initial, replay.state, reclaimVms, at));

  return {
    name: desired.name,
    file: input.file,
    feasible: errors.length === 0,
    steps,
    errors,
    warnings,
    gpus: { total: desired.totalGpus, before: gpuClaims(initial), after: gpuClaims(replay.state) },
  };
}

/**
 * The steps in their natural order (the manifest's), or, when only that fails, with the VMs
 * meant to stay deallocated created first; each candidate is judged by replaying it.
 */
function firstFeasible(initial: ClaimState, desired: DesiredDevice, reconfigureKubernetes: boolean) {
  const natural = buildSteps(initial, desired, { reconfigureKubernetes });
  const naturalReplay = replaySteps(initial, natural, desired);
  if (naturalReplay.failures.length === 0) return { steps: natural, replay: naturalReplay };
  const reordered = buildSteps(initial, desired, { reconfigureKubernetes, deallocatedFirst: true });
  const reorderedReplay = replaySteps(initial, reordered, desired);
  return reorderedReplay.failures.length === 0 ? { steps: reordered, replay: reorderedReplay } : { steps: natural, replay: naturalReplay };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function listVms(names: string[]): string {
  return names.length === 1 ? `GPU VM ${names[0]} is` : `GPU VMs ${names.join(", ")} are`;
}

/** Sizes by VM name, built once per device: one lookup per failure must not scan the list. */
const sizeIndexes = new WeakMap<DesiredDevice, Map<string, string>>();
function desiredSize(desired: DesiredDevice, vm: string | undefined): string {
  let sizes = sizeIndexes.get(desired);
  if (!sizes) sizeIndexes.set(desired, (sizes = new Map(desired.vms.map((v) => [v.name, v.size]))));
  return (vm !== undefined ? sizes.get(vm) : undefined) ?? "";
}

interface Locator {
  lines?: ManifestLines;
  line(line: number | undefined): { file: string; line?: number };
  vmLine(vm: string | undefined, field: "name" | "size" | "os" | "powerState"): { file: string; line?: number };
  indexLine(index: number, field: "name" | "size" | "os" | "powerState"): { file: string; line?: number };
}

function locator(input: PlanDeviceInput): Locator {
  const { file, lines, manifest } = input;
  const line = (value: number | undefined) => (value === undefined ? { file } : { file, line: value });
  const indexLine: Locator["indexLine"] = (index, field) => line(lines?.vms[index]?.[field] ?? lines?.document);
  // The first entry of each name, as findIndex would find it.
  const firstIndex = new Map<string, number>();
  manifest.spec.virtualMachines.forEach((v, index) => {
    if (!firstIndex.has(v.name)) firstIndex.set(v.name, index);
  });
  return {
    lines,
    line,
    indexLine,
    vmLine: (vm, field) => {
      const index = vm === undefined ? undefined : firstIndex.get(vm);
      return index === undefined ? line(lines?.kubernetes ?? lines?.document) : indexLine(index, field);
    },
  };
}

/** What the manifest itself gets wrong, before any replay. */
function checkManifest(desired: DesiredDevice, manifest: EdgeDevice, at: Locator): PlanError[] {
  const errors: PlanError[] = [];
  for (const index of desired.duplicateVmIndexes) {
    const name = manifest.spec.virtualMachines[index]!.name;
    errors.push({
      code: "DUPLICATE_VM",
      message: `VM ${name} is listed more than once; VM names must be unique within a device`,
      hint: "Rename or remove the second entry.",
      ...at.indexLine(index, "name"),
    });
  }
  for (const vm of desired.vms) {
    const size = lookupVmSize(vm.size);
    if (!size) {
      errors.push({
        code: "UNSUPPORTED_VM_SIZE",
        message: `VM ${vm.name}: size ${vm.size} is not supported on Azure Stack Edge Pro GPU`,
        hint: `Use a supported size, e.g. Standard_NC4as_${desired.gpuModel === "A2" ? "A2" : "T4_v3"} for a GPU VM or Standard_D2_v2 without a GPU.`,
        ...at.indexLine(vm.index, "size"),
      });
    } else if (size.gpuModel && size.gpuModel !== desired.gpuModel) {
      errors.push({
        code: "GPU_MODEL_MISMATCH",
        message: `VM ${vm.name}: size ${size.name} needs an NVIDIA ${size.gpuModel} GPU, but the device has ${desired.gpuModel} GPUs (spec.gpu.model)`,
        hint: `Use the ${desired.gpuModel} variant of the size, or correct spec.gpu.model if the device really has ${size.gpuModel} GPUs.`,
        ...at.indexLine(vm.index, "size"),
      });
    }
  }
  return errors;
}

/** GPU VMs that should run, plus unmanaged ones holding GPUs, must fit on the device. */
function checkOvercommit(desired: DesiredDevice, initial: ClaimState, at: Locator): PlanError[] {
  const named = new Set(desired.vms.map((vm) => vm.name));
  const parts: string[] = [];
  let needed = 0;
  for (const vm of desired.vms) {
    const gpus = gpusOfSize(vm.size);
    if (vm.powerState === "running" && gpus > 0) {
      needed += gpus;
      parts.push(`${vm.name} ${gpus}`);
    }
  }
  for (const vm of initial.vms) {
    if (!named.has(vm.name) && !vm.managed && vm.heldGpus > 0) {
      needed += vm.heldGpus;
      parts.push(`${vm.name} (unmanaged) ${vm.heldGpus}`);
    }
  }
  if (needed <= desired.totalGpus) return [];
  return [
    {
      code: "GPU_OVERCOMMIT",
      message: `the running GPU VMs need ${needed} GPUs (${parts.join(", ")}) but the device has ${desired.totalGpus}`,
      hint: "Set powerState: deallocated on some GPU VMs, use non-GPU sizes, or move a VM to another device.",
      ...at.line(at.lines?.gpu),
    },
  ];
}

const UBUNTU_1804 = (os: OsSpec) => os.type === "Linux" && /^ubuntu$/i.test(os.distro ?? "") && /^18\.04\b/.test(os.version ?? "");

const TESTED_OS: ReadonlyArray<(os: OsSpec) => boolean> = [
  (os) => os.type === "Windows" && /^(2016|2019)\b/.test(os.version ?? ""),
  UBUNTU_1804,
  (os) => os.type === "Linux" && /^(rhel|redhat|red hat( enterprise linux)?)$/i.test(os.distro ?? "") && /^7\.4\b/.test(os.version ?? ""),
];

function describeOs(os: OsSpec): string {
  return os.type === "Linux" ? `Linux ${os.distro ?? ""} ${os.version ?? ""}`.replace(/\s+/g, " ").trim() : `Windows ${os.version ?? ""}`.trim();
}

function collectWarnings(desired: DesiredDevice, initial: ClaimState, final: ClaimState, reclaimVms: string[], at: Locator): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const vm of reclaimVms) {
    warnings.push({
      code: "KUBERNETES_RECLAIM_RISK",
      message: `${vm} gives up its GPU while Kubernetes is configured: Kubernetes may claim the freed GPU, and then ${vm} cannot be started again (nor a new GPU VM created) until Kubernetes is reconfigured.`,
      hint: "Apply in a maintenance window and check the device right after; older releases were known to lose GPUs this way.",
      ...at.vmLine(vm, "name"),
    });
  }
  if (updateNeedsManualStop(initial, desired)) {
    const stopped = initial.vms.filter((vm) => gpusOfSize(vm.size) > 0 && vm.powerState !== "deallocated").map((vm) => vm.name);
    if (stopped.length > 0) {
      warnings.push({
        code: "MANUAL_STOP_BEFORE_UPDATE",
        message: `the update from ${initial.softwareVersion} to ${desired.softwareVersion} does not manage GPU VMs (releases before 2103), so ${listVms(stopped)} deallocated before it and started again after it if desired running.`,
        ...at.line(at.lines?.softwareVersion),
      });
    }
  }
  for (const vm of desired.vms) {
    if (vm.gpuExtension && vm.os && UBUNTU_1804(vm.os)) {
      warnings.push({
        code: "GPU_EXTENSION_DEPRECATED",
        message: `VM ${vm.name}: the NVIDIA GPU driver extension for Ubuntu 18.04 is deprecated (domain.md §4, §9); Microsoft now has the driver installed by hand inside the VM.`,
        hint: "Use a newer image and install the NVIDIA driver in it (cloud-init customData can do it), and set gpuExtension: false; or keep the extension knowing it is no longer supported.",
        ...at.indexLine(vm.index, "os"),
      });
    }
    if (vm.gpuExtension && vm.os && !TESTED_OS.some((tested) => tested(vm.os!))) {
      warnings.push({
        code: "GPU_EXTENSION_OS_UNTESTED",
        message: `VM ${vm.name}: the GPU driver extension was validated on Windows Server 2019/2016, Ubuntu 18.04 and RHEL 7.4, not on ${describeOs(vm.os)}; it may work but was not tested.`,
        ...at.indexLine(vm.index, "os"),
      });
    }
  }
  const named = new Set(desired.vms.map((vm) => vm.name));
  for (const vm of initial.vms) {
    if (!vm.managed && !named.has(vm.name) && vm.heldGpus > 0) {
      warnings.push({
        code: "UNMANAGED_VM",
        message: `VM ${vm.name} was not created by ase-gitops and holds ${plural(vm.heldGpus, "GPU")}; it is never deleted, and its GPUs are not available to the manifest's VMs or Kubernetes.`,
        file: at.line(undefined).file,
      });
    }
  }
  if (desired.kubernetes.enabled && final.kubernetes.configured && final.kubernetes.gpus === 0) {
    warnings.push({
      code: "KUBERNETES_NO_GPU",
      message:
        "Kubernetes will hold no GPU after the plan: the GPU VMs hold every GPU of the device, so GPU workloads on Kubernetes will not schedule.",
      hint: "Fine if Kubernetes runs CPU workloads only; otherwise free a GPU (fewer or deallocated GPU VMs) before Kubernetes is configured.",
      ...at.line(at.lines?.kubernetes),
    });
  }
  return warnings;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Plans every device of a fleet; devices sorted by name, as the contract says. */
export function planFleet(fleet: FleetLoad, observed: ObservedState = { devices: {} }): Plan {
  const byDevice = new Map<string, LoadedDevice[]>();
  for (const device of fleet.devices) {
    const list = byDevice.get(device.manifest.metadata.name) ?? [];
    list.push(device);
    byDevice.set(device.manifest.metadata.name, list);
  }
  const entries = new Map<string, DevicePlan>();
  for (const [name, devices] of byDevice) {
    if (devices.length === 1) {
      const device = devices[0]!;
      entries.set(name, planDevice(device, ownValue(observed.devices, name)));
    } else {
      entries.set(name, duplicateDevice(name, devices));
    }
  }
  for (const invalid of fleet.invalid) {
    const existing = entries.get(invalid.name);
    if (existing) {
      existing.errors.push(...invalid.errors);
      existing.feasible = false;
    } else {
      entries.set(invalid.name, invalidDevice(invalid.name, invalid.file, invalid.errors));
    }
  }
  const devices = [...entries.values()].sort(byName);
  const plan: Plan = { devices, summary: summarize(devices) };
  const rollout = rolloutOf(fleet);
  if (rollout) plan.rollout = rollout;
  return plan;
}

/**
 * The waves a merge of the fleet's devices (or only of the named ones, e.g. those a pull
 * request changes) would run in, when the fleet has a rollout policy.
 */
export function rolloutOf(fleet: FleetLoad, only?: ReadonlySet<string>): RolloutPlan | undefined {
  const [first, ...others] = fleet.policies ?? [];
  if (!first) return undefined;
  const devices = fleet.devices
    .filter((d) => !only || only.has(d.manifest.metadata.name))
    .map((d) => ({ name: d.manifest.metadata.name, ...(d.manifest.metadata.labels ? { labels: d.manifest.metadata.labels } : {}) }));
  const unique = [...new Map(devices.map((d) => [d.name, d])).values()];
  const rollout = planRollout(first, unique);
  for (const other of others) {
    rollout.warnings.push({
      code: "ROLLOUT_POLICY_DUPLICATE",
      device: "",
      message: `${other.file}:${other.line} is a second rollout policy (${other.policy.metadata.name}); only ${first.file} (${first.policy.metadata.name}) is used`,
    });
  }
  return rollout;
}

function invalidDevice(name: string, file: string, errors: PlanError[]): DevicePlan {
  return {
    name,
    file,
    feasible: false,
    steps: [],
    errors,
    warnings: [],
    gpus: { total: 0, after: { kubernetes: 0, vms: {}, free: 0 } },
  };
}

function duplicateDevice(name: string, devices: LoadedDevice[]): DevicePlan {
  const files = devices.map((d) => d.file);
  const plan = invalidDevice(
    name,
    files[0]!,
    devices.map((device) => ({
      code: "DUPLICATE_DEVICE" as const,
      message: `device ${name} is defined ${devices.length} times (${files.join(", ")}); a device must have exactly one manifest`,
      hint: "Keep one manifest for the device and delete or rename the others.",
      file: device.file,
      line: device.lines.name,
    })),
  );
  plan.gpus.total = devices[0]!.manifest.spec.gpu.count;
  plan.gpus.after.free = plan.gpus.total;
  return plan;
}

export function summarize(devices: DevicePlan[]): Plan["summary"] {
  const feasible = devices.filter((d) => d.feasible).length;
  return {
    devices: devices.length,
    feasible,
    infeasible: devices.length - feasible,
    steps: devices.reduce((sum, d) => sum + d.steps.length, 0),
  };
}
