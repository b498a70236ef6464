/** The apply queue's message: one device at one pushed commit. */
import { z } from "zod";
import { RepositoryInfo } from "./jobs.js";

export const APPLY_QUEUE = "apply-jobs";

export const ApplyJob = z.object({
  version: z.literal(1),
  kind: z.literal("apply"),
  deliveryId: z.string().min(1),
  installationId: z.number().int().optional(),
  repository: RepositoryInfo,
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  device: z.string().min(1),
  /** The device's manifest, relative to the repository root. */
  file: z.string().min(1),
  /** Why: "merge" (a push to the default branch) or "drift-remediation". */
  reason: z.enum(["merge", "drift-remediation"]).default("merge"),
  /** Times the job was put back because the device was busy (bounded). */
  requeues: z.number().int().min(0).default(0),
  /** Failed turns so far (transient failures); waiting is never one. */
  failures: z.number().int().min(0).default(0),
  /** Turns that ended waiting for a running device operation (bounded, generously). */
  waits: z.number().int().min(0).default(0),
});
export type ApplyJob = z.infer<typeof ApplyJob>;
