/**
 * The GPU claim model of an Azure Stack Edge Pro GPU device (domain.md §2) as a small pure
 * state machine. Every operation returns a new state or the reason the device would refuse
 * it; the planner replays plans on it and the simulator runs its devices on it, so both
 * agree with each other by construction.
 */
import { type GpuModel, gpusOfSize, lookupVmSize, isGpuSize } from "./sizes.js";

export type PowerState = "running" | "stopped" | "deallocated";
export type ExtensionState = "succeeded" | "failed" | "creating" | "none";

export interface ClaimVm {
  readonly name: string;
  readonly size: string;
  readonly powerState: PowerState;
  readonly gpuExtension: ExtensionState;
  readonly managed: boolean;
  /** GPUs this VM holds right now (0 when deallocated, or when Kubernetes reclaimed them). */
  readonly heldGpus: number;
}

export interface ClaimState {
  readonly totalGpus: number;
  readonly gpuModel: GpuModel;
  /** Device software release (YYMM), undefined when unknown. */
  readonly softwareVersion?: string;
  readonly kubernetes: { readonly configured: boolean; readonly gpus: number };
  readonly vms: readonly ClaimVm[];
}

export type ClaimFailureCode =
  | "NO_GPU_AVAILABLE"
  | "VM_EXISTS"
  | "VM_NOT_FOUND"
  | "VM_ALLOCATED"
  | "UNSUPPORTED_VM_SIZE"
  | "GPU_MODEL_MISMATCH"
  | "GPU_VMS_ALLOCATED"
  | "KUBERNETES_NOT_CONFIGURED"
  | "KUBERNETES_ALREADY_CONFIGURED";

export type ClaimResult =
  | { readonly ok: true; readonly state: ClaimState }
  | { readonly ok: false; readonly code: ClaimFailureCode; readonly reason: string };

/** The first release whose update flow manages GPU VMs itself (domain.md §2). */
export const FIRST_RELEASE_MANAGING_GPU_VMS = "2103";

export function freeGpus(state: ClaimState): number {
  const held = state.vms.reduce((sum, vm) => sum + vm.heldGpus, 0);
  return state.totalGpus - state.kubernetes.gpus - held;
}

export function findVm(state: ClaimState, name: string): ClaimVm | undefined {
  return state.vms.find((vm) => vm.name === name);
}

/** Compares two YYMM releases; negative when a is older. */
export function compareReleases(a: string, b: string): number {
  return Number(a) - Number(b);
}

export interface ObservedVmInput {
  name: string;
  size: string;
  powerState: PowerState;
  gpuExtension?: ExtensionState;
  managed?: boolean;
}

export interface DeviceStateInput {
  totalGpus: number;
  gpuModel?: GpuModel;
  softwareVersion?: string;
  kubernetes?: { configured: boolean; gpus?: number };
  virtualMachines?: readonly ObservedVmInput[];
}

/**
 * Builds a consistent state from what a device reports. A report can claim more GPUs than
 * exist (hand-written files, or a stopped VM whose GPU Kubernetes reclaimed): running VMs
 * keep theirs first, then Kubernetes, then stopped VMs, so nothing ever holds more than the
 * device has and a stopped VM that lost its GPU must find a free one to start again.
 */
export function stateFromObserved(input: DeviceStateInput): ClaimState {
  let remaining = input.totalGpus;
  const take = (wanted: number) => {
    const got = Math.max(0, Math.min(wanted, remaining));
    remaining -= got;
    return got;
  };
  const vmsIn = input.virtualMachines ?? [];
  const held = new Map<string, number>();
  for (const vm of vmsIn) {
    if (vm.powerState === "running") held.set(vm.name, take(gpusOfSize(vm.size)));
  }
  const configured = input.kubernetes?.configured ?? false;
  const kubernetesGpus = configured ? take(input.kubernetes?.gpus ?? 0) : 0;
  for (const vm of vmsIn) {
    if (vm.powerState === "stopped") held.set(vm.name, take(gpusOfSize(vm.size)));
  }
  return {
    totalGpus: input.totalGpus,
    gpuModel: input.gpuModel ?? "T4",
    softwareVersion: input.softwareVersion,
    kubernetes: { configured, gpus: kubernetesGpus },
    vms: vmsIn.map((vm) => ({
      name: vm.name,
      size: vm.size,
      powerState: vm.powerState,
      gpuExtension: vm.gpuExtension ?? "none",
      managed: vm.managed ?? true,
      heldGpus: held.get(vm.name) ?? 0,
    })),
  };
}

const ok = (state: ClaimState): ClaimResult => ({ ok: true, state });
const fail = (code: ClaimFailureCode, reason: string): ClaimResult => ({ ok: false, code, reason });

function replaceVm(state: ClaimState, vm: ClaimVm): ClaimState {
  return { ...state, vms: state.vms.map((v) => (v.name === vm.name ? vm : v)) };
}

function checkSize(state: ClaimState, size: string): ClaimResult | undefined {
  const known = lookupVmSize(size);
  if (!known) return fail("UNSUPPORTED_VM_SIZE", `VM size ${size} is not supported by the device`);
  if (known.gpuModel && known.gpuModel !== state.gpuModel) {
    return fail(
      "GPU_MODEL_MISMATCH",
      `VM size ${known.name} needs an ${known.gpuModel} GPU, the device has ${state.gpuModel}`,
    );
  }
  return undefined;
}

function noGpu(vm: string, needed: number, state: ClaimState): ClaimResult {
  const free = Math.max(0, freeGpus(state));
  const kubernetes = state.kubernetes.gpus > 0 ? `, Kubernetes holds ${state.kubernetes.gpus}` : "";
  return fail(
    "NO_GPU_AVAILABLE",
    `no GPU available for ${vm}: it needs ${needed}, ${free} free of ${state.totalGpus}${kubernetes}`,
  );
}

export interface CreateVmInput {
  name: string;
  size: string;
  /** Power state the VM is left in after creation; creation itself boots it. */
  powerState?: "running" | "deallocated";
  managed?: boolean;
}

/** Creating a VM boots it, so a GPU size needs its GPUs free at that moment. */
export function createVm(state: ClaimState, input: CreateVmInput): ClaimResult {
  if (findVm(state, input.name)) return fail("VM_EXISTS", `VM ${input.name} already exists`);
  const sizeProblem = checkSize(state, input.size);
  if (sizeProblem) return sizeProblem;
  const needed = gpusOfSize(input.size);
  if (needed > freeGpus(state)) return noGpu(input.name, needed, state);
  const powerState = input.powerState ?? "running";
  const vm: ClaimVm = {
    name: input.name,
    size: input.size,
    powerState,
    gpuExtension: "none",
    managed: input.managed ?? true,
    heldGpus: powerState === "running" ? needed : 0,
  };
  return ok({ ...state, vms: [...state.vms, vm] });
}

/** Starting needs the GPUs the VM does not already hold (a stopped VM still holds its own). */
export function startVm(state: ClaimState, name: string): ClaimResult {
  const vm = findVm(state, name);
  if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
  const needed = gpusOfSize(vm.size);
  const missing = needed - vm.heldGpus;
  if (missing > freeGpus(state)) return noGpu(name, needed, state);
  return ok(replaceVm(state, { ...vm, powerState: "running", heldGpus: needed }));
}

/** Stop without deallocating: the VM keeps its GPUs. */
export function powerOffVm(state: ClaimState, name: string): ClaimResult {
  const vm = findVm(state, name);
  if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
  if (vm.powerState === "deallocated") return ok(state);
  return ok(replaceVm(state, { ...vm, powerState: "stopped" }));
}

export interface DeallocateOptions {
  /**
   * The reclaim risk of domain.md §2: when true and Kubernetes is configured, Kubernetes
   * claims the GPUs the VM frees. The planner never assumes it; the simulator can.
   */
  kubernetesReclaims?: boolean;
}

export function deallocateVm(
  state: ClaimState,
  name: string,
  options: DeallocateOptions = {},
): ClaimResult {
  const vm = findVm(state, name);
  if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
  const next = replaceVm(state, { ...vm, powerState: "deallocated", heldGpus: 0 });
  if (options.kubernetesReclaims && state.kubernetes.configured && vm.heldGpus > 0) {
    return ok({ ...next, kubernetes: { configured: true, gpus: state.kubernetes.gpus + vm.heldGpus } });
  }
  return ok(next);
}

export function deleteVm(state: ClaimState, name: string): ClaimResult {
  if (!findVm(state, name)) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
  return ok({ ...state, vms: state.vms.filter((vm) => vm.name !== name) });
}

/** The device resizes only deallocated VMs; the new size may need another GPU model. */
export function resizeVm(state: ClaimState, name: string, size: string): ClaimResult {
  const vm = findVm(state, name);
  if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
  if (vm.powerState !== "deallocated") {
    return fail("VM_ALLOCATED", `VM ${name} must be deallocated before it is resized`);
  }
  const sizeProblem = checkSize(state, size);
  if (sizeProblem) return sizeProblem;
  return ok(replaceVm(state, { ...vm, size }));
}

export function installGpuExtension(state: ClaimState, name: string): ClaimResult {
  const vm = findVm(state, name);
  if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
  return ok(replaceVm(state, { ...vm, gpuExtension: "succeeded" }));
}

/** Kubernetes claims every GPU free at this moment, possibly none; it never fails for GPUs. */
export function configureKubernetes(state: ClaimState): ClaimResult {
  if (state.kubernetes.configured) {
    return fail("KUBERNETES_ALREADY_CONFIGURED", "Kubernetes is already configured");
  }
  return ok({ ...state, kubernetes: { configured: true, gpus: Math.max(0, freeGpus(state)) } });
}

export function removeKubernetes(state: ClaimState): ClaimResult {
  if (!state.kubernetes.configured) {
    return fail("KUBERNETES_NOT_CONFIGURED", "Kubernetes is not configured");
  }
  return ok({ ...state, kubernetes: { configured: false, gpus: 0 } });
}

/** GPU VMs that hold GPUs now (running or stopped but still allocated). */
export function allocatedGpuVms(state: ClaimState): ClaimVm[] {
  return state.vms.filter((vm) => isGpuSize(vm.size) && vm.powerState !== "deallocated");
}

/**
 * Before 2103 the update flow did not manage GPU VMs: they must be stopped (deallocated)
 * first. An unknown starting release is treated as old, the safe side.
 */
export function updateSoftware(state: ClaimState, version: string): ClaimResult {
  const from = state.softwareVersion;
  const oldFlow = from === undefined || compareReleases(from, FIRST_RELEASE_MANAGING_GPU_VMS) < 0;
  const allocated = allocatedGpuVms(state);
  if (oldFlow && allocated.length > 0) {
    return fail(
      "GPU_VMS_ALLOCATED",
      `updating from ${from ?? "an unknown release"} needs every GPU VM stopped first; ` +
        `still allocated: ${allocated.map((vm) => vm.name).join(", ")}`,
    );
  }
  return ok({ ...state, softwareVersion: version });
}
