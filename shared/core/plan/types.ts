/** The plan (contract.md §3): the JSON users and scripts read. Names are a public interface. */
import type { RolloutPlan } from "../rollout/rollout-plan.js";

export const STEP_ACTIONS = [
  "deleteVm",
  "deallocateVm",
  "removeKubernetes",
  "updateSoftware",
  "resizeVm",
  "startVm",
  "createVm",
  "installGpuExtension",
  "configureKubernetes",
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** The steps that act on one VM and need nothing else. */
export type VmStepAction = "deleteVm" | "deallocateVm" | "startVm" | "createVm" | "installGpuExtension";

/** One step of a plan; `action` says which fields it has (the JSON contract.md §3 names). */
export type PlanStep =
  | { action: VmStepAction; vm: string }
  /** The VM's new size. */
  | { action: "resizeVm"; vm: string; size: string }
  /** The release this hop installs (one hop of the update path). */
  | { action: "updateSoftware"; version: string }
  | { action: "configureKubernetes" | "removeKubernetes" };

/** The VM a step acts on; undefined for device-wide steps. */
export function vmOf(step: PlanStep): string | undefined {
  return "vm" in step ? step.vm : undefined;
}

/** One line for logs and messages: `resizeVm web -> Standard_F8s_v2`, `updateSoftware -> 2503`. */
export function describeStep(step: PlanStep): string {
  const vm = vmOf(step);
  const to = step.action === "resizeVm" ? step.size : step.action === "updateSoftware" ? step.version : undefined;
  return `${step.action}${vm ? ` ${vm}` : ""}${to ? ` -> ${to}` : ""}`;
}

export const ERROR_CODES = [
  "INVALID_MANIFEST",
  "DUPLICATE_DEVICE",
  "DUPLICATE_VM",
  "UNSUPPORTED_VM_SIZE",
  "GPU_MODEL_MISMATCH",
  "GPU_OVERCOMMIT",
  "KUBERNETES_HOLDS_GPU",
  /** A VM the plan creates has no SSH key, no admin password credential and no `login: none`. */
  "VM_NO_LOGIN",
  /** Two VMs of the device would get the same static IP. */
  "STATIC_IP_CONFLICT",
  /** A static IP outside the subnet's address prefix (or its network/broadcast address). */
  "STATIC_IP_OUTSIDE_SUBNET",
  /** An existing VM's static IP changed: its NIC is not updated in place; recreate the VM. */
  "STATIC_IP_CHANGE_NEEDS_RECREATE",
  /** softwareVersion has no known path from the observed release (the known path is printed). */
  "UPDATE_PATH_UNKNOWN",
  /** A 2-node device (spec.nodes: 2) asked for a release after 2510. */
  "UPDATE_NOT_SUPPORTED_MULTI_NODE",
  /** Never expected: replaying the plan did not reach the desired state (a planner bug). */
  "PLAN_DOES_NOT_CONVERGE",
  /** `plan --live` only: the device did not answer, so there is nothing to plan against. */
  "DEVICE_UNREACHABLE",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const WARNING_CODES = [
  "KUBERNETES_NO_GPU",
  "KUBERNETES_RECLAIM_RISK",
  "KUBERNETES_RECONFIGURE",
  "MANUAL_STOP_BEFORE_UPDATE",
  "GPU_EXTENSION_OS_UNTESTED",
  "UNMANAGED_VM",
  /** The Ubuntu 18.04 GPU driver extension is deprecated: drivers are installed by hand inside the VM. */
  "GPU_EXTENSION_DEPRECATED",
  /** customData changed on a VM that exists: first-boot data takes effect only when the VM is recreated. */
  "CUSTOM_DATA_NOT_APPLIED",
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface PlanError {
  code: ErrorCode;
  message: string;
  file?: string;
  line?: number;
  /** What to do instead, for humans (Markdown renderer, PR comment). */
  hint?: string;
}

export interface PlanWarning {
  code: WarningCode;
  message: string;
  file?: string;
  line?: number;
  hint?: string;
}

export interface GpuClaims {
  kubernetes: number;
  /** Only VMs that hold GPUs. */
  vms: Record<string, number>;
  free: number;
}

export interface DevicePlan {
  name: string;
  file: string;
  feasible: boolean;
  steps: PlanStep[];
  errors: PlanError[];
  warnings: PlanWarning[];
  gpus: { total: number; before?: GpuClaims; after: GpuClaims };
}

export interface PlanSummary {
  devices: number;
  feasible: number;
  infeasible: number;
  steps: number;
}

export interface Plan {
  devices: DevicePlan[];
  summary: PlanSummary;
  /** The waves a merge runs in, when the fleet has a rollout policy (contract.md §11). */
  rollout?: RolloutPlan;
}
