/**
 * Replays plan steps on the claim model, exactly as the device would run them. The planner
 * decides feasibility with this and nothing else; property tests use it to check plans.
 */
import * as claims from "../claims/model.js";
import { type ClaimFailureCode, type ClaimResult, type ClaimState, findVm } from "../claims/model.js";
import { isGpuSize } from "../claims/sizes.js";
import type { DesiredDevice } from "./desired.js";
import type { PlanStep } from "./types.js";

export interface ReplayFailure {
  index: number;
  step: PlanStep;
  code: ClaimFailureCode;
  reason: string;
  /** GPUs Kubernetes held when the step failed. */
  kubernetesGpus: number;
}

export interface ReplayResult {
  state: ClaimState;
  failures: ReplayFailure[];
  /** Steps that free a GPU VM's GPUs while Kubernetes is configured (domain.md §2). */
  reclaimRisks: Array<{ index: number; step: PlanStep }>;
}

export function applyStep(state: ClaimState, step: PlanStep, desired: DesiredDevice): ClaimResult {
  const vm = step.vm ?? "";
  switch (step.action) {
    case "deleteVm":
      return claims.deleteVm(state, vm);
    case "deallocateVm":
      return claims.deallocateVm(state, vm);
    case "removeKubernetes":
      return claims.removeKubernetes(state);
    case "updateSoftware":
      return claims.updateSoftware(state, step.version ?? desired.softwareVersion ?? "");
    case "resizeVm":
      return claims.resizeVm(state, vm, step.size ?? desired.vms.find((v) => v.name === vm)?.size ?? "");
    case "startVm":
      return claims.startVm(state, vm);
    case "createVm": {
      const want = desired.vms.find((v) => v.name === vm);
      if (!want) return { ok: false, code: "VM_NOT_FOUND", reason: `VM ${vm} is not in the manifest` };
      return claims.createVm(state, { name: vm, size: want.size, powerState: want.powerState });
    }
    case "installGpuExtension":
      return claims.installGpuExtension(state, vm);
    case "configureKubernetes":
      return claims.configureKubernetes(state);
  }
}

const FREES_GPUS = new Set(["deallocateVm", "resizeVm", "deleteVm"]);

export function replaySteps(initial: ClaimState, steps: readonly PlanStep[], desired: DesiredDevice): ReplayResult {
  let state = initial;
  const failures: ReplayFailure[] = [];
  const reclaimRisks: ReplayResult["reclaimRisks"] = [];
  // Steps on a VM whose earlier step failed are skipped, not failed: the first failure is
  // the one to report (an extension cannot install on a VM that was never created).
  const blockedVms = new Set<string>();
  steps.forEach((step, index) => {
    if (step.vm !== undefined && blockedVms.has(step.vm)) return;
    if (FREES_GPUS.has(step.action) && state.kubernetes.configured) {
      const vm = step.vm ? findVm(state, step.vm) : undefined;
      if (vm && isGpuSize(vm.size)) reclaimRisks.push({ index, step });
    }
    const result = applyStep(state, step, desired);
    if (result.ok) {
      state = result.state;
    } else {
      // A failed step changes nothing on the device; later steps still run so the plan
      // shows everything the change would take.
      failures.push({ index, step, code: result.code, reason: result.reason, kubernetesGpus: state.kubernetes.gpus });
      if (step.vm !== undefined) blockedVms.add(step.vm);
    }
  });
  return { state, failures, reclaimRisks };
}
