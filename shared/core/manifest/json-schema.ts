/**
 * JSON Schema of the device manifest, generated from the zod schema so the two never drift
 * (a test compares it with the checked-in `schemas/edge-device.schema.json`). Editors with
 * the YAML language server validate manifests as users type:
 *   # yaml-language-server: $schema=../schemas/edge-device.schema.json
 */
import { z } from "zod";
import { RolloutPolicy } from "../rollout/policy.js";
import { EdgeDevice } from "./schema.js";

export const SCHEMA_ID = "https://ase-gitops.dev/schemas/edge-device.schema.json";

export function edgeDeviceJsonSchema(): Record<string, unknown> {
  // "input": what users may write (defaults make fields optional, numbers allowed where
  // YAML would read a release or an OS version as one).
  const schema = z.toJSONSchema(EdgeDevice, { io: "input", target: "draft-2020-12" });
  return {
    ...schema,
    $id: SCHEMA_ID,
    title: "ase-gitops EdgeDevice manifest",
    description: "One Azure Stack Edge Pro GPU device: its GPUs, GPU VMs, Kubernetes and software release (contract.md §1).",
  };
}

export function renderEdgeDeviceJsonSchema(): string {
  return `${JSON.stringify(edgeDeviceJsonSchema(), null, 2)}\n`;
}

export const ROLLOUT_SCHEMA_ID = "https://ase-gitops.dev/schemas/rollout-policy.schema.json";

export function rolloutPolicyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RolloutPolicy, { io: "input", target: "draft-2020-12" });
  return {
    ...schema,
    $id: ROLLOUT_SCHEMA_ID,
    title: "ase-gitops RolloutPolicy",
    description:
      "How a merge rolls out across the fleet: ordered waves by label, parallelism, failure thresholds, soak, approvals and maintenance windows (contract.md §11).",
  };
}

export function renderRolloutPolicyJsonSchema(): string {
  return `${JSON.stringify(rolloutPolicyJsonSchema(), null, 2)}\n`;
}
