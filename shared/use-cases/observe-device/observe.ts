/**
 * observe(port) -> the contract's ObservedDevice (contract.md §2), from four reads made in
 * parallel: VMs with their instance view, the Kubernetes role, deviceCapacityInfo, and the
 * update summary. Kubernetes' GPUs are what the device uses beyond its allocated GPU VMs.
 */
import { gpusOfSize } from "../../core/claims/sizes.js";
import { ObservedDevice, type ObservedVm } from "../../core/plan/observed.js";
import type { DevicePort, VmPower } from "../../ports/device.js";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "./retry.js";

/** Transitional states count as where they are heading; unknown counts as allocated (the safe side). */
export function observedPower(power: VmPower): ObservedVm["powerState"] {
  switch (power) {
    case "running":
    case "starting":
      return "running";
    case "deallocated":
    case "deallocating":
      return "deallocated";
    default:
      return "stopped";
  }
}

export async function observe(port: DevicePort, retry: RetryOptions = DEFAULT_RETRY): Promise<ObservedDevice> {
  const [vms, role, capacity, softwareVersion] = await Promise.all([
    withRetry("list VMs", () => port.listVms(), retry),
    withRetry("list roles", () => port.kubernetesRole(), retry),
    withRetry("read GPU capacity", () => port.gpuCapacity(), retry),
    withRetry("read update summary", () => port.softwareVersion(), retry),
  ]);
  const virtualMachines: ObservedVm[] = vms
    .map((vm) => ({
      name: vm.name,
      size: vm.size,
      powerState: observedPower(vm.power),
      gpuExtension: vm.gpuExtension,
      managed: vm.managed,
      ...(vm.privateIP !== undefined ? { privateIP: vm.privateIP } : {}),
      ...(vm.customDataSha256 !== undefined ? { customDataSha256: vm.customDataSha256 } : {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const vmGpus = virtualMachines.filter((vm) => vm.powerState !== "deallocated").reduce((sum, vm) => sum + gpusOfSize(vm.size), 0);
  const kubernetesGpus = role.configured ? Math.max(0, capacity.used - vmGpus) : 0;
  return ObservedDevice.parse({
    ...(softwareVersion ? { softwareVersion } : {}),
    kubernetes: { configured: role.configured, gpus: kubernetesGpus },
    virtualMachines,
  });
}
