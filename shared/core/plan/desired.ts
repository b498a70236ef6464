/**
 * The desired state of one device, resolved from its manifest: defaults applied, duplicate
 * VMs dropped (they are reported), the questions "is it converged?" answered in one place.
 */
import { type ClaimState, compareReleases } from "../claims/model.js";
import { isGpuSize, sameSize } from "../claims/sizes.js";
import { type UpdatePath, updatePath } from "../claims/update-paths.js";
import type { EdgeDevice, OsSpec, VirtualMachineSpec } from "../manifest/schema.js";

export interface DesiredVm {
  name: string;
  size: string;
  image: string;
  os?: OsSpec;
  gpuExtension: boolean;
  powerState: "running" | "deallocated";
  /** Index in the manifest's list, for line numbers. */
  index: number;
}

export interface DesiredDevice {
  name: string;
  totalGpus: 1 | 2;
  gpuModel: "T4" | "A2";
  softwareVersion?: string;
  /** Cluster nodes (spec.nodes, default 1): decides which update paths exist. */
  nodes: 1 | 2;
  kubernetes: { enabled: boolean; allowReconfigure: boolean };
  vms: DesiredVm[];
  /** Indexes of VM entries whose name repeats an earlier one. */
  duplicateVmIndexes: number[];
}

/** The contract's default: GPU sizes get the driver extension, others do not. */
export function wantsGpuExtension(vm: Pick<VirtualMachineSpec, "size" | "gpuExtension">): boolean {
  return vm.gpuExtension ?? isGpuSize(vm.size);
}

export function desiredFromManifest(manifest: EdgeDevice): DesiredDevice {
  const seen = new Set<string>();
  const vms: DesiredVm[] = [];
  const duplicateVmIndexes: number[] = [];
  manifest.spec.virtualMachines.forEach((vm, index) => {
    if (seen.has(vm.name)) {
      duplicateVmIndexes.push(index);
      return;
    }
    seen.add(vm.name);
    vms.push({
      name: vm.name,
      size: vm.size,
      image: vm.image,
      os: vm.os,
      gpuExtension: wantsGpuExtension(vm),
      powerState: vm.powerState,
      index,
    });
  });
  return {
    name: manifest.metadata.name,
    totalGpus: manifest.spec.gpu.count,
    gpuModel: manifest.spec.gpu.model,
    softwareVersion: manifest.spec.softwareVersion,
    nodes: manifest.spec.nodes ?? 1,
    kubernetes: { ...manifest.spec.kubernetes },
    vms,
    duplicateVmIndexes,
  };
}

/** Whether the device runs an older release than desired (unknown releases are not compared). */
export function needsSoftwareUpdate(state: ClaimState, desired: DesiredDevice): boolean {
  return (
    desired.softwareVersion !== undefined &&
    state.softwareVersion !== undefined &&
    compareReleases(desired.softwareVersion, state.softwareVersion) > 0
  );
}

/** The releases each updateSoftware step installs, in order (one step per mandatory hop). */
export function updateHops(state: ClaimState, desired: DesiredDevice): UpdatePath | undefined {
  if (!needsSoftwareUpdate(state, desired)) return undefined;
  return updatePath(state.softwareVersion!, desired.softwareVersion!, desired.nodes);
}

/** Extension states that need no install step: done, or being installed right now. */
export function extensionSatisfied(state: string): boolean {
  return state === "succeeded" || state === "creating";
}

/** Every way the state differs from the desired one; empty means converged. */
export function divergences(state: ClaimState, desired: DesiredDevice): string[] {
  const found: string[] = [];
  const desiredNames = new Set(desired.vms.map((vm) => vm.name));
  for (const vm of state.vms) {
    if (vm.managed && !desiredNames.has(vm.name)) found.push(`VM ${vm.name} should not exist`);
  }
  const byName = new Map<string, ClaimState["vms"][number]>();
  for (const vm of state.vms) if (!byName.has(vm.name)) byName.set(vm.name, vm);
  for (const want of desired.vms) {
    const vm = byName.get(want.name);
    if (!vm) {
      found.push(`VM ${want.name} does not exist`);
      continue;
    }
    if (!sameSize(vm.size, want.size)) found.push(`VM ${want.name} is ${vm.size}, not ${want.size}`);
    if (vm.powerState !== want.powerState) found.push(`VM ${want.name} is ${vm.powerState}, not ${want.powerState}`);
    if (want.gpuExtension && want.powerState === "running" && !extensionSatisfied(vm.gpuExtension)) {
      found.push(`VM ${want.name} has no GPU extension (${vm.gpuExtension})`);
    }
  }
  if (state.kubernetes.configured !== desired.kubernetes.enabled) {
    found.push(`Kubernetes is ${state.kubernetes.configured ? "configured" : "not configured"}`);
  }
  if (needsSoftwareUpdate(state, desired)) {
    found.push(`software is ${state.softwareVersion}, not ${desired.softwareVersion}`);
  }
  return found;
}
