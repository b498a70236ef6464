/**
 * The drift classifier: desired device (from the default-branch manifest) + observed state
 * -> every difference, each with a stable code and a reason. Pure: no I/O, no clock, so the
 * CLI, the drift job and the property tests all see the same answer for the same input.
 * Unreachable devices never get here: no observation means no verdict (check-device.ts).
 */
import { freeGpus } from "../claims/model.js";
import { gpusOfSize, sameSize } from "../claims/sizes.js";
import type { DesiredDevice } from "../plan/desired.js";
import type { ObservedDevice } from "../plan/observed.js";
import { initialState } from "../plan/planner.js";
import { type DriftItem, sortDrift } from "./codes.js";

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export function classifyDrift(desired: DesiredDevice, observed: ObservedDevice): DriftItem[] {
  // The planner's starting state: GPU holdings resolved, named unmanaged VMs adopted.
  const state = initialState(desired, observed);
  const items: DriftItem[] = [];
  const wanted = new Set(desired.vms.map((vm) => vm.name));

  for (const vm of state.vms) {
    if (vm.managed && !wanted.has(vm.name)) {
      items.push({
        code: "VM_UNEXPECTED",
        vm: vm.name,
        expected: "absent",
        found: `${vm.size}, ${vm.powerState}`,
        message: `VM ${vm.name} carries the ase-gitops tag but the manifest does not list it${vm.heldGpus > 0 ? `; it holds ${plural(vm.heldGpus, "GPU")}` : ""}.`,
      });
    }
  }

  for (const want of desired.vms) {
    const vm = state.vms.find((v) => v.name === want.name);
    if (!vm) {
      items.push({
        code: "VM_MISSING",
        vm: want.name,
        expected: `${want.size}, ${want.powerState}`,
        found: "absent",
        message: `VM ${want.name} is in the manifest but not on the device (deleted by hand, or never created).`,
      });
      continue;
    }
    if (!sameSize(vm.size, want.size)) {
      items.push({
        code: "VM_SIZE",
        vm: want.name,
        expected: want.size,
        found: vm.size,
        message: `VM ${want.name} is ${vm.size}, the manifest says ${want.size}.`,
      });
    }
    if (vm.powerState !== want.powerState) {
      const lost = want.powerState === "running" && vm.powerState === "stopped" && vm.heldGpus < gpusOfSize(vm.size);
      items.push({
        code: "VM_POWER",
        vm: want.name,
        expected: want.powerState,
        found: vm.powerState,
        message:
          want.powerState === "running"
            ? `VM ${want.name} should run but is ${vm.powerState}${vm.powerState === "deallocated" ? " (it holds no GPU)" : lost ? " and has lost its GPU" : " (still allocated)"}.`
            : `VM ${want.name} should be deallocated but is ${vm.powerState}${vm.heldGpus > 0 ? `, holding ${plural(vm.heldGpus, "GPU")}` : ""}.`,
      });
    }
    if (want.gpuExtension && want.powerState === "running" && (vm.gpuExtension === "none" || vm.gpuExtension === "failed")) {
      items.push({
        code: "GPU_EXTENSION",
        vm: want.name,
        expected: "succeeded",
        found: vm.gpuExtension === "none" ? "missing" : "failed",
        message: `VM ${want.name} should have the NVIDIA GPU driver extension, but it is ${vm.gpuExtension === "none" ? "missing" : "failed"}.`,
      });
    }
  }

  if (state.kubernetes.configured !== desired.kubernetes.enabled) {
    items.push({
      code: "KUBERNETES_STATE",
      expected: desired.kubernetes.enabled ? "configured" : "not configured",
      found: state.kubernetes.configured ? `configured (${plural(state.kubernetes.gpus, "GPU")})` : "not configured",
      message: desired.kubernetes.enabled
        ? "Kubernetes should be configured but is not."
        : `Kubernetes is configured but the manifest disables it${state.kubernetes.gpus > 0 ? `; it holds ${plural(state.kubernetes.gpus, "GPU")}` : ""}.`,
    });
  }

  items.push(...reclaimedGpus(desired, state));

  const want = desired.softwareVersion;
  const have = state.softwareVersion;
  if (want !== undefined && have !== undefined && want !== have) {
    const older = Number(have) < Number(want);
    items.push({
      code: "SOFTWARE_VERSION",
      expected: want,
      found: have,
      message: older
        ? `The device runs release ${have}, the manifest asks for ${want}.`
        : `The device runs release ${have}, newer than ${want} in the manifest; releases are never downgraded, so update the manifest.`,
    });
  }
  return sortDrift(items);
}

/**
 * Desired running GPU VMs that do not hold their GPUs (missing, deallocated, stopped after
 * losing them, or to be resized) while Kubernetes holds GPUs they would need: the reclaim of
 * domain.md §2. GPUs free now go to those VMs in manifest order first.
 */
function reclaimedGpus(desired: DesiredDevice, state: ReturnType<typeof initialState>): DriftItem[] {
  const kubernetes = state.kubernetes.gpus;
  if (!state.kubernetes.configured || kubernetes === 0) return [];
  let available = Math.max(0, freeGpus(state));
  const needy: Array<{ name: string; need: number }> = [];
  for (const want of desired.vms) {
    const size = gpusOfSize(want.size);
    if (want.powerState !== "running" || size === 0) continue;
    const vm = state.vms.find((v) => v.name === want.name);
    const resized = vm !== undefined && !sameSize(vm.size, want.size);
    if (resized) available += vm.heldGpus; // a resize deallocates first, releasing what it holds
    const held = vm && !resized ? vm.heldGpus : 0;
    if (vm && vm.powerState === "running" && !resized) continue;
    if (size - held > 0) needy.push({ name: want.name, need: size - held });
  }
  const items: DriftItem[] = [];
  for (const { name, need } of needy) {
    if (need <= available) {
      available -= need;
      continue;
    }
    items.push({
      code: "KUBERNETES_RECLAIMED_GPU",
      vm: name,
      expected: `${plural(need, "free GPU")} for ${name}`,
      found: `Kubernetes holds ${kubernetes} of ${state.totalGpus}, ${plural(available, "GPU")} free`,
      message:
        `Kubernetes holds ${plural(kubernetes, "GPU")} of the device's ${state.totalGpus} that VM ${name} needs: it claimed them when they were freed (the reclaim risk). ` +
        `VM ${name} cannot be started or created again until Kubernetes is reconfigured (removed and added again after the VM; spec.kubernetes.allowReconfigure: true lets the controller do it).`,
    });
  }
  return items;
}
