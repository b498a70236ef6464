/**
 * Which steps take a device from its observed state to the desired one, emitted in the
 * contract's order (contract.md §3): deletes, deallocations, Kubernetes removal, software
 * update (one step per mandatory intermediate release), resizes, starts, creates (each with its extension), extensions, Kubernetes last.
 * Whether the steps are feasible is not decided here: the planner replays them.
 */
import { type ClaimState, FIRST_RELEASE_MANAGING_GPU_VMS, compareReleases } from "../claims/model.js";
import { isGpuSize, sameSize } from "../claims/sizes.js";
import { type DesiredDevice, extensionSatisfied, needsSoftwareUpdate, updateHops } from "./desired.js";
import type { PlanStep } from "./types.js";

export interface StepOptions {
  /** Remove and re-add Kubernetes so the GPUs it holds are free for GPU VMs. */
  reconfigureKubernetes: boolean;
  /** Create the VMs meant to stay deallocated before the others (see below). */
  deallocatedFirst?: boolean;
}

/** Whether an update must stop GPU VMs first: releases before 2103 did not do it. */
export function updateNeedsManualStop(state: ClaimState, desired: DesiredDevice): boolean {
  return needsSoftwareUpdate(state, desired) && compareReleases(state.softwareVersion!, FIRST_RELEASE_MANAGING_GPU_VMS) < 0;
}

/** One updateSoftware per mandatory release on the way; an unknown path plans the direct step (the planner reports the error). */
function updateSteps(state: ClaimState, desired: DesiredDevice): PlanStep[] {
  const path = updateHops(state, desired);
  const hops = path?.ok ? path.hops : [desired.softwareVersion!];
  return hops.map((version) => ({ action: "updateSoftware", version }));
}

export function buildSteps(state: ClaimState, desired: DesiredDevice, options: StepOptions): PlanStep[] {
  const desiredByName = new Map(desired.vms.map((vm) => [vm.name, vm]));
  const update = needsSoftwareUpdate(state, desired);
  const manualStop = updateNeedsManualStop(state, desired);

  const deletes: PlanStep[] = [];
  const deallocations: PlanStep[] = [];
  const resizes: PlanStep[] = [];
  const starts: PlanStep[] = [];
  const extensions: PlanStep[] = [];

  // The old update flow needs every GPU VM stopped, the unmanaged ones too; one that was
  // running is started again afterwards, so its owner finds it as it was. (After ours.)
  const unmanagedStops: PlanStep[] = [];
  const unmanagedStarts: PlanStep[] = [];
  // VMs the manifest no longer lists, in the order the device reports them.
  for (const vm of state.vms) {
    if (desiredByName.has(vm.name)) continue;
    if (vm.managed) {
      deletes.push({ action: "deleteVm", vm: vm.name });
    } else if (manualStop && isGpuSize(vm.size) && vm.powerState !== "deallocated") {
      unmanagedStops.push({ action: "deallocateVm", vm: vm.name });
      if (vm.powerState === "running") unmanagedStarts.push({ action: "startVm", vm: vm.name });
    }
  }
  // The manifest's VMs that exist, in the manifest's order.
  const observedByName = new Map(state.vms.map((vm) => [vm.name, vm]));
  for (const want of desired.vms) {
    const vm = observedByName.get(want.name);
    if (!vm) continue;
    const resize = !sameSize(vm.size, want.size);
    const allocated = vm.powerState !== "deallocated";
    const stopForUpdate = manualStop && isGpuSize(vm.size);
    const deallocate = allocated && (want.powerState === "deallocated" || resize || stopForUpdate);
    if (deallocate) deallocations.push({ action: "deallocateVm", vm: vm.name });
    if (resize) resizes.push({ action: "resizeVm", vm: vm.name, size: want.size });
    const runningAfterDeallocations = vm.powerState === "running" && !deallocate;
    if (want.powerState === "running" && !runningAfterDeallocations) {
      starts.push({ action: "startVm", vm: vm.name });
    }
    // The driver installs only into a running VM; a VM kept deallocated gets it when started.
    if (want.gpuExtension && want.powerState === "running" && !extensionSatisfied(vm.gpuExtension)) {
      extensions.push({ action: "installGpuExtension", vm: vm.name });
    }
  }

  const creates: PlanStep[] = [];
  const toCreate = desired.vms.filter((want) => !observedByName.has(want.name));
  // Creating boots a VM, so one meant to stay deallocated still needs its GPUs for a moment;
  // when the GPUs are short, those are created first, while the others' GPUs are still free.
  const createOrder = options.deallocatedFirst
    ? [...toCreate.filter((w) => w.powerState === "deallocated"), ...toCreate.filter((w) => w.powerState === "running")]
    : toCreate;
  for (const want of createOrder) {
    creates.push({ action: "createVm", vm: want.name });
    if (want.gpuExtension) creates.push({ action: "installGpuExtension", vm: want.name });
  }

  const kubernetes = state.kubernetes.configured;
  const removeKubernetes = kubernetes && (!desired.kubernetes.enabled || options.reconfigureKubernetes);
  const configureKubernetes = desired.kubernetes.enabled && (!kubernetes || removeKubernetes);

  return [
    ...deletes,
    ...deallocations,
    ...unmanagedStops,
    ...(removeKubernetes ? [{ action: "removeKubernetes" } as const] : []),
    ...(update ? updateSteps(state, desired) : []),
    ...resizes,
    ...starts,
    ...unmanagedStarts,
    ...creates,
    ...extensions,
    ...(configureKubernetes ? [{ action: "configureKubernetes" } as const] : []),
  ];
}
