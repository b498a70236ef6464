/**
 * One device's drift verdict from its manifest and what was observed (or why nothing was):
 * the drift items, the planner's remediation plan for the device, and the remediation
 * decision. Pure; check-device.ts does the observing.
 */
import type { DeviceFailure } from "../errors/device-error.js";
import type { ManifestLines } from "../manifest/load.js";
import type { EdgeDevice } from "../manifest/schema.js";
import { desiredFromManifest } from "../plan/desired.js";
import type { ObservedDevice } from "../plan/observed.js";
import { planDevice } from "../plan/planner.js";
import type { DevicePlan } from "../plan/types.js";
import { classifyDrift } from "./classify.js";
import type { DriftItem } from "./codes.js";
import { type RemediationDecision, decideRemediation } from "./remediation.js";

/** converged: matches; drifted: differs; unreachable: not observed (never "clean"); skipped: not checkable. */
export type DriftStatus = "converged" | "drifted" | "unreachable" | "skipped";

export interface DeviceDriftReport {
  device: string;
  /** Manifest path relative to the fleet root (or the repository, in jobs). */
  file: string;
  status: DriftStatus;
  drift: DriftItem[];
  /** The planner's plan from the observed state: what remediation would do. */
  plan?: DevicePlan;
  remediation: RemediationDecision;
  /** Why the device was skipped or could not be observed. */
  error?: DeviceFailure;
  /** ARM reads the observation made. */
  reads?: number;
}

export interface AssessInput {
  manifest: EdgeDevice;
  file: string;
  lines?: ManifestLines;
}

export function assessObserved(input: AssessInput, observed: ObservedDevice): DeviceDriftReport {
  const desired = desiredFromManifest(input.manifest);
  const drift = classifyDrift(desired, observed);
  const plan = planDevice(input, observed);
  const drifted = drift.length > 0;
  return {
    device: desired.name,
    file: input.file,
    status: drifted ? "drifted" : "converged",
    drift,
    plan,
    remediation: decideRemediation(input.manifest.spec.driftPolicy ?? "report", drifted, plan),
  };
}

export function assessUnreachable(input: AssessInput, error: DeviceFailure): DeviceDriftReport {
  return {
    device: input.manifest.metadata.name,
    file: input.file,
    status: "unreachable",
    drift: [
      {
        code: "UNREACHABLE",
        expected: "answers with the configured credential",
        found: error.code,
        message: `The device could not be observed (${error.code}): ${error.message}. Its state is unknown; this is not a clean result.`,
      },
    ],
    remediation: decideRemediation(input.manifest.spec.driftPolicy ?? "report", true, undefined),
    error,
  };
}

export function assessSkipped(input: AssessInput, error: DeviceFailure): DeviceDriftReport {
  return {
    device: input.manifest.metadata.name,
    file: input.file,
    status: "skipped",
    drift: [],
    remediation: { policy: input.manifest.spec.driftPolicy ?? "report", action: "none", reason: error.message },
    error,
  };
}
