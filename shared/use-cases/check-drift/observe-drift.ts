/**
 * The drift check's observe: the same ObservedDevice as device/observe.ts, with only the
 * reads the comparison needs. Always the VM list (with instance views) and the Kubernetes
 * role; the update summary only when the manifest names a release; deviceCapacityInfo only
 * when Kubernetes is configured, could hold a GPU, and a GPU VM that should run does not.
 * A converged device therefore costs 2-3 ARM reads; only a drifted one may need a 4th.
 */
import { gpusOfSize } from "../../core/claims/sizes.js";
import { observedPower } from "../observe-device/observe.js";
import type { DevicePort } from "../../ports/device.js";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "../observe-device/retry.js";
import type { EdgeDevice } from "../../core/manifest/schema.js";
import { ObservedDevice, type ObservedVm } from "../../core/plan/observed.js";

export interface DriftObservation {
  observed: ObservedDevice;
  /** ARM reads made (retries not counted), for the benchmark and the logs. */
  reads: number;
}

export async function observeForDrift(port: DevicePort, manifest: EdgeDevice, retry: RetryOptions = DEFAULT_RETRY): Promise<DriftObservation> {
  const wantsRelease = manifest.spec.softwareVersion !== undefined;
  let reads = wantsRelease ? 3 : 2;
  const [vms, role, softwareVersion] = await Promise.all([
    withRetry("list VMs", () => port.listVms(), retry),
    withRetry("list roles", () => port.kubernetesRole(), retry),
    wantsRelease ? withRetry("read update summary", () => port.softwareVersion(), retry) : Promise.resolve(undefined),
  ]);
  const virtualMachines: ObservedVm[] = vms
    .map((vm) => ({ name: vm.name, size: vm.size, powerState: observedPower(vm.power), gpuExtension: vm.gpuExtension, managed: vm.managed }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const vmGpus = virtualMachines.filter((vm) => vm.powerState !== "deallocated").reduce((sum, vm) => sum + gpusOfSize(vm.size), 0);
  let kubernetesGpus = 0;
  // Kubernetes holds what the device uses beyond its allocated GPU VMs (as observe() says).
  // Its count matters only when a GPU VM the manifest wants running is missing or not
  // running (is a GPU reclaimed? can the fix start it?), and only when the VMs leave a GPU
  // for Kubernetes to hold: otherwise there is nothing to read.
  const running = new Set(virtualMachines.filter((vm) => vm.powerState === "running").map((vm) => vm.name));
  const gpuVmDown = manifest.spec.virtualMachines.some((vm) => vm.powerState === "running" && gpusOfSize(vm.size) > 0 && !running.has(vm.name));
  if (role.configured && vmGpus < manifest.spec.gpu.count && gpuVmDown) {
    const capacity = await withRetry("read GPU capacity", () => port.gpuCapacity(), retry);
    reads++;
    kubernetesGpus = Math.max(0, capacity.used - vmGpus);
  }
  const observed = ObservedDevice.parse({
    ...(softwareVersion ? { softwareVersion } : {}),
    kubernetes: { configured: role.configured, gpus: kubernetesGpus },
    virtualMachines,
  });
  return { observed, reads };
}
