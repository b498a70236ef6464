/**
 * Whether a drift may be fixed without a human: only with `spec.driftPolicy: remediate`,
 * and only when the remediation plan is feasible, has steps, removes nothing (no deleteVm,
 * no removeKubernetes) and carries no KUBERNETES_RECLAIM_RISK. Pure.
 */
import type { DriftPolicy } from "../manifest/schema.js";
import type { DevicePlan } from "../plan/types.js";
import { describeStep } from "../plan/types.js";

export type RemediationAction = "none" | "report" | "remediate";

export interface RemediationDecision {
  policy: DriftPolicy;
  action: RemediationAction;
  /** Why, for the issue and the summary. */
  reason: string;
}

const DELETING_STEPS = new Set(["deleteVm", "removeKubernetes"]);

export function decideRemediation(policy: DriftPolicy, drifted: boolean, plan: DevicePlan | undefined): RemediationDecision {
  if (!drifted) return { policy, action: "none", reason: "no drift" };
  if (!plan) return { policy, action: "report", reason: "the device could not be observed, so there is no remediation plan" };
  if (policy === "report") return { policy, action: "report", reason: "spec.driftPolicy is report (the default): drift is only reported" };
  if (!plan.feasible) {
    return {
      policy,
      action: "report",
      reason: `the remediation plan is blocked (${[...new Set(plan.errors.map((e) => e.code))].join(", ")}): only reported`,
    };
  }
  if (plan.steps.length === 0) return { policy, action: "report", reason: "the plan has no step that fixes this drift: only reported" };
  const deleting = plan.steps.filter((s) => DELETING_STEPS.has(s.action));
  if (deleting.length > 0) {
    const what = deleting.map((s) => describeStep(s)).join(", ");
    return { policy, action: "report", reason: `the plan removes something (${what}); removals are never applied automatically` };
  }
  if (plan.warnings.some((w) => w.code === "KUBERNETES_RECLAIM_RISK")) {
    return {
      policy,
      action: "report",
      reason: "the plan frees a GPU while Kubernetes is configured (KUBERNETES_RECLAIM_RISK); apply it by hand in a maintenance window",
    };
  }
  return { policy, action: "remediate", reason: "spec.driftPolicy is remediate and the plan is feasible, removes nothing and risks no GPU reclaim" };
}
