/**
 * The GPU claim model of an Azure Stack Edge Pro GPU device (domain.md §2) as a small pure
 * state machine. Every operation returns a new state or the reason the device would refuse
 * it; the planner replays plans on it and the simulator runs its devices on it, so both
 * agree with each other by construction.
 */
import { type ClaimFailure, ClaimLedger } from "./ledger.js";
import { type GpuModel, gpusOfSize, isGpuSize } from "./sizes.js";

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
  { readonly ok: true; readonly state: ClaimState } | { readonly ok: false; readonly code: ClaimFailureCode; readonly reason: string };

export { FIRST_RELEASE_MANAGING_GPU_VMS, compareReleases } from "./ledger.js";

export function freeGpus(state: ClaimState): number {
  const held = state.vms.reduce((sum, vm) => sum + vm.heldGpus, 0);
  return state.totalGpus - state.kubernetes.gpus - held;
}

export function findVm(state: ClaimState, name: string): ClaimVm | undefined {
  return state.vms.find((vm) => vm.name === name);
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

export interface CreateVmInput {
  name: string;
  size: string;
  /** Power state the VM is left in after creation; creation itself boots it. */
  powerState?: "running" | "deallocated";
  managed?: boolean;
}

export interface DeallocateOptions {
  /**
   * The reclaim risk of domain.md §2: when true and Kubernetes is configured, Kubernetes
   * claims the GPUs the VM frees. The planner never assumes it; the simulator can.
   */
  kubernetesReclaims?: boolean;
}

/** Applies one ledger operation to a copy of `state` (the planner's replay keeps one ledger instead). */
function apply(state: ClaimState, operation: (ledger: ClaimLedger) => ClaimFailure | undefined): ClaimResult {
  const ledger = ClaimLedger.from(state);
  const failure = operation(ledger);
  return failure ?? { ok: true, state: ledger.toState() };
}

/** Creating a VM boots it, so a GPU size needs its GPUs free at that moment. */
export const createVm = (state: ClaimState, input: CreateVmInput): ClaimResult => apply(state, (l) => l.createVm(input));
/** Starting needs the GPUs the VM does not already hold (a stopped VM still holds its own). */
export const startVm = (state: ClaimState, name: string): ClaimResult => apply(state, (l) => l.startVm(name));
/** Stop without deallocating: the VM keeps its GPUs. */
export const powerOffVm = (state: ClaimState, name: string): ClaimResult => apply(state, (l) => l.powerOffVm(name));
export const deallocateVm = (state: ClaimState, name: string, options: DeallocateOptions = {}): ClaimResult =>
  apply(state, (l) => l.deallocateVm(name, options));
export const deleteVm = (state: ClaimState, name: string): ClaimResult => apply(state, (l) => l.deleteVm(name));
/** The device resizes only deallocated VMs; the new size may need another GPU model. */
export const resizeVm = (state: ClaimState, name: string, size: string): ClaimResult => apply(state, (l) => l.resizeVm(name, size));
export const installGpuExtension = (state: ClaimState, name: string): ClaimResult => apply(state, (l) => l.installGpuExtension(name));
/** Kubernetes claims every GPU free at this moment, possibly none; it never fails for GPUs. */
export const configureKubernetes = (state: ClaimState): ClaimResult => apply(state, (l) => l.configureKubernetes());
export const removeKubernetes = (state: ClaimState): ClaimResult => apply(state, (l) => l.removeKubernetes());

/** GPU VMs that hold GPUs now (running or stopped but still allocated). */
export function allocatedGpuVms(state: ClaimState): ClaimVm[] {
  return state.vms.filter((vm) => isGpuSize(vm.size) && vm.powerState !== "deallocated");
}

/**
 * Before 2103 the update flow did not manage GPU VMs: they must be stopped (deallocated)
 * first. An unknown starting release is treated as old, the safe side.
 */
export const updateSoftware = (state: ClaimState, version: string): ClaimResult => apply(state, (l) => l.updateSoftware(version));
