/**
 * Replays plan steps on the claim model, exactly as the device would run them. The planner
 * decides feasibility with this and nothing else; property tests use it to check plans.
 */
import { type ClaimFailure, ClaimLedger } from "../claims/ledger.js";
import type { ClaimFailureCode, ClaimResult, ClaimState } from "../claims/model.js";
import { isGpuSize } from "../claims/sizes.js";
import type { DesiredDevice, DesiredVm } from "./desired.js";
import type { PlanStep } from "./types.js";
import { vmOf } from "./types.js";

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

/** One step on the ledger; undefined when the device would accept it. */
function runStep(
  ledger: ClaimLedger,
  step: PlanStep,
  desired: DesiredDevice,
  desiredByName: ReadonlyMap<string, DesiredVm>,
): ClaimFailure | undefined {
  const vm = vmOf(step) ?? "";
  switch (step.action) {
    case "deleteVm":
      return ledger.deleteVm(vm);
    case "deallocateVm":
      return ledger.deallocateVm(vm);
    case "removeKubernetes":
      return ledger.removeKubernetes();
    case "updateSoftware":
      return ledger.updateSoftware(step.version ?? desired.softwareVersion ?? "");
    case "resizeVm":
      return ledger.resizeVm(vm, step.size ?? desiredByName.get(vm)?.size ?? "");
    case "startVm":
      return ledger.startVm(vm);
    case "createVm": {
      const want = desiredByName.get(vm);
      if (!want) return { ok: false, code: "VM_NOT_FOUND", reason: `VM ${vm} is not in the manifest` };
      return ledger.createVm({ name: vm, size: want.size, powerState: want.powerState });
    }
    case "installGpuExtension":
      return ledger.installGpuExtension(vm);
    case "configureKubernetes":
      return ledger.configureKubernetes();
  }
}

const byName = (desired: DesiredDevice) => new Map(desired.vms.map((vm) => [vm.name, vm]));

export function applyStep(state: ClaimState, step: PlanStep, desired: DesiredDevice): ClaimResult {
  const ledger = ClaimLedger.from(state);
  return runStep(ledger, step, desired, byName(desired)) ?? { ok: true, state: ledger.toState() };
}

const FREES_GPUS = new Set(["deallocateVm", "resizeVm", "deleteVm"]);

/** Linear in steps and VMs: one ledger for the whole replay (a failed step changes nothing). */
export function replaySteps(initial: ClaimState, steps: readonly PlanStep[], desired: DesiredDevice): ReplayResult {
  const ledger = ClaimLedger.from(initial);
  const desiredByName = byName(desired);
  const failures: ReplayFailure[] = [];
  const reclaimRisks: ReplayResult["reclaimRisks"] = [];
  // Steps on a VM whose earlier step failed are skipped, not failed: the first failure is
  // the one to report (an extension cannot install on a VM that was never created).
  const blockedVms = new Set<string>();
  steps.forEach((step, index) => {
    const vmName = vmOf(step);
    if (vmName !== undefined && blockedVms.has(vmName)) return;
    if (FREES_GPUS.has(step.action) && ledger.kubernetesConfigured) {
      const vm = vmName ? ledger.find(vmName) : undefined;
      if (vm && isGpuSize(vm.size)) reclaimRisks.push({ index, step });
    }
    const kubernetesGpus = ledger.kubernetesGpus;
    const failure = runStep(ledger, step, desired, desiredByName);
    if (failure) {
      // A failed step changes nothing on the device; later steps still run so the plan
      // shows everything the change would take.
      failures.push({ index, step, code: failure.code, reason: failure.reason, kubernetesGpus });
      if (vmName !== undefined) blockedVms.add(vmName);
    }
  });
  return { state: ledger.toState(), failures, reclaimRisks };
}
