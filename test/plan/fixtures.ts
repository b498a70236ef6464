/** Builders for manifests and observed states, shared by the planner tests. */
import { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { ObservedDevice } from "../../shared/core/plan/observed.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import type { DevicePlan } from "../../shared/core/plan/types.js";

export const T4 = "Standard_NC4as_T4_v3";
export const T4_2GPU = "Standard_NC32as_2T4_v1";
export const A2 = "Standard_NC4as_A2";
export const CPU = "Standard_D2_v2";

export interface VmInput {
  name: string;
  size: string;
  image?: string;
  powerState?: "running" | "deallocated";
  gpuExtension?: boolean;
  os?: unknown;
  ssh?: unknown;
  adminPassword?: unknown;
  login?: "none";
  network?: unknown;
  customData?: unknown;
}

/** Claim tests are about GPUs, not logins: a VM without one says `login: none` explicitly. */
const withLogin = (vm: VmInput) => (vm.ssh || vm.adminPassword || vm.login ? vm : { ...vm, login: "none" as const });

export interface DeviceInput {
  name?: string;
  gpus?: 1 | 2;
  model?: "T4" | "A2";
  kubernetes?: boolean;
  allowReconfigure?: boolean;
  softwareVersion?: string;
  vms?: VmInput[];
}

export function manifest(input: DeviceInput = {}): EdgeDevice {
  return EdgeDevice.parse({
    apiVersion: "ase-gitops/v1",
    kind: "EdgeDevice",
    metadata: { name: input.name ?? "dev-1" },
    spec: {
      gpu: { count: input.gpus ?? 1, ...(input.model ? { model: input.model } : {}) },
      ...(input.softwareVersion ? { softwareVersion: input.softwareVersion } : {}),
      kubernetes: { enabled: input.kubernetes ?? false, allowReconfigure: input.allowReconfigure ?? false },
      virtualMachines: (input.vms ?? []).map((vm) => ({ image: "ubuntu1804", ...withLogin(vm) })),
    },
  });
}

export function observed(input: unknown): ObservedDevice {
  return ObservedDevice.parse(input);
}

export function plan(device: DeviceInput, seen?: unknown): DevicePlan {
  return planDevice({ manifest: manifest(device), file: "devices/dev-1.yaml" }, seen === undefined ? undefined : observed(seen));
}

export const actions = (p: DevicePlan) => p.steps.map((s) => ("vm" in s ? `${s.action} ${s.vm}` : s.action));
export const errorCodes = (p: DevicePlan) => p.errors.map((e) => e.code);
export const warningCodes = (p: DevicePlan) => p.warnings.map((w) => w.code);
