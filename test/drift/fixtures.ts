/** Drift test fixtures: converged simulator seeds and direct state changes on a simulated device. */
import { createVm as claimCreateVm, type ClaimState } from "../../shared/core/claims/model.js";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import type { ObservedDevice, ObservedState } from "../../shared/core/plan/observed.js";
import { key } from "../../simulator/device-state.js";
import type { Simulator } from "../../simulator/index.js";

/** What a device that matches its manifest reports. */
export function convergedObserved(m: EdgeDevice): ObservedDevice {
  const running = m.spec.virtualMachines;
  return {
    ...(m.spec.softwareVersion ? { softwareVersion: m.spec.softwareVersion } : {}),
    kubernetes: { configured: m.spec.kubernetes.enabled, gpus: 0 },
    virtualMachines: running.map((vm) => ({
      name: vm.name,
      size: vm.size,
      powerState: vm.powerState === "deallocated" ? "deallocated" : "running",
      gpuExtension: "succeeded",
      managed: true,
    })),
  };
}

export function convergedFleet(manifests: EdgeDevice[]): ObservedState {
  return { devices: Object.fromEntries(manifests.map((m) => [m.metadata.name, convergedObserved(m)])) };
}

/** Replaces one VM's claim (power, size, extension) directly in the simulator. */
export function editVm(
  sim: Simulator,
  device: string,
  vm: string,
  change: (vm: ClaimState["vms"][number]) => Partial<ClaimState["vms"][number]>,
): void {
  const claims = sim.claims(device);
  sim.setClaims(device, { ...claims, vms: claims.vms.map((v) => (v.name === vm ? { ...v, ...change(v) } : v)) });
}

/** Deletes a VM behind the controller's back (as an operator in the local UI would). */
export function deleteVmByHand(sim: Simulator, device: string, vm: string): void {
  const claims = sim.claims(device);
  sim.setClaims(device, { ...claims, vms: claims.vms.filter((v) => v.name !== vm) });
  sim.device(device).vms.delete(key(vm));
}

/** Adds a VM (tagged managed or not) the manifest does not list. */
export function addVmByHand(sim: Simulator, device: string, vm: string, size: string, managed = true): void {
  const d = sim.device(device);
  const result = claimCreateVm(d.claims, { name: vm, size, managed });
  if (!result.ok) throw new Error(result.reason);
  d.claims = result.state;
  const template = [...d.vms.values()][0];
  d.vms.set(key(vm), {
    name: vm,
    resourceGroup: template?.resourceGroup ?? "gpu-vms",
    vmId: `${vm}-id`,
    osType: "Linux",
    imageName: "ubuntu1804",
    nicName: `${vm}-nic`,
    tags: managed ? { "managed-by": "ase-gitops" } : {},
    extensions: new Map(),
  });
}

export function setExtension(sim: Simulator, device: string, vm: string, state: "Failed" | "Succeeded" | "Creating" | undefined): void {
  const record = sim.device(device).vms.get(key(vm))!;
  if (state === undefined) record.extensions.clear();
  else
    record.extensions.set("gpu-driver", {
      name: "gpu-driver",
      publisher: "Microsoft.HpcCompute",
      type: "NvidiaGpuDriverLinux",
      typeHandlerVersion: "1.3",
      settings: {},
      provisioningState: state,
    });
}

export function setKubernetes(sim: Simulator, device: string, configured: boolean, gpus = 0): void {
  const d = sim.device(device);
  d.claims = { ...d.claims, kubernetes: { configured, gpus } };
  d.role = configured ? { name: "kubernetes", provisioningState: "Created", hostPlatform: "Linux" } : undefined;
}
