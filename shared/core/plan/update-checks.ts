/**
 * Update paths at plan time (domain.md §8): a release the table cannot reach is an error that
 * prints the known path; every hop whose update flow stops the GPU VMs itself (2103 on) is a
 * stop window, and with Kubernetes configured each window carries the reclaim risk.
 */
import { type ClaimState, FIRST_RELEASE_MANAGING_GPU_VMS, compareReleases } from "../claims/model.js";
import { gpusOfSize } from "../claims/sizes.js";
import { type DesiredDevice, updateHops } from "./desired.js";
import type { PlanError, PlanStep, PlanWarning } from "./types.js";
import { vmOf } from "./types.js";

export function checkUpdatePath(
  desired: DesiredDevice,
  initial: ClaimState,
  steps: readonly PlanStep[],
  at: { file: string; line?: number },
): { errors: PlanError[]; warnings: PlanWarning[] } {
  const path = updateHops(initial, desired);
  if (!path) return { errors: [], warnings: [] };
  if (!path.ok) {
    const hint =
      path.code === "UPDATE_NOT_SUPPORTED_MULTI_NODE"
        ? `Keep softwareVersion at 2510 or earlier on this device (known path: ${path.known}).`
        : `Name a release on the known path of mandatory updates: ${path.known}.`;
    return { errors: [{ code: path.code, message: path.reason, hint, ...at }], warnings: [] };
  }
  const warnings: PlanWarning[] = [];
  let from = initial.softwareVersion!;
  steps.forEach((step, index) => {
    if (step.action !== "updateSoftware" || !step.version) return;
    const hopFrom = from;
    from = step.version;
    // Before 2103 the VMs were deallocated by the plan itself: those steps carry the warning.
    if (compareReleases(hopFrom, FIRST_RELEASE_MANAGING_GPU_VMS) < 0) return;
    const before = steps.slice(0, index);
    const kubernetes = initial.kubernetes.configured && !before.some((s) => s.action === "removeKubernetes");
    const gone = new Set(before.filter((s) => s.action === "deleteVm" || s.action === "deallocateVm").map(vmOf));
    const gpuVms = initial.vms.filter((vm) => vm.powerState !== "deallocated" && gpusOfSize(vm.size) > 0 && !gone.has(vm.name)).map((vm) => vm.name);
    if (!kubernetes || gpuVms.length === 0) return;
    warnings.push({
      code: "KUBERNETES_RECLAIM_RISK",
      message: `the update ${hopFrom} -> ${step.version} stops ${gpuVms.join(", ")} while Kubernetes is configured: Kubernetes may claim the GPUs they free, and then they cannot start again until Kubernetes is reconfigured.`,
      hint: "Apply each hop in a maintenance window and check the GPU VMs right after it.",
      ...at,
    });
  });
  return { errors: [], warnings };
}
