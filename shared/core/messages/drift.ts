/**
 * Drift queue messages. `drift-jobs` (job-messages.ts) stays the fleet-level request the
 * webhook's repository_dispatch queues; its consumer, the HTTP trigger and the timer fan out
 * one `drift-device-jobs` message per device, so the Functions host spreads device checks
 * across instances and a failing device is retried (and poisoned) on its own.
 */
import { z } from "zod";
import { RepositoryInfo } from "./jobs.js";

export const DRIFT_DEVICE_QUEUE = "drift-device-jobs";
export const DriftTrigger = z.enum(["http", "timer", "repository_dispatch"]);
export type DriftTrigger = z.infer<typeof DriftTrigger>;

/** The device's drift issue as the fan-out found it (saves every device a search). */
export const KnownIssue = z.object({
  number: z.number().int().positive(),
  state: z.enum(["open", "closed"]),
  title: z.string(),
  /** Content hash from the issue's hidden marker; absent on issues we did not write. */
  hash: z.string().optional(),
});
export type KnownIssue = z.infer<typeof KnownIssue>;

export const DriftDeviceJob = z.object({
  version: z.literal(1),
  kind: z.literal("drift-device"),
  runId: z.string().min(1).max(200),
  trigger: DriftTrigger,
  installationId: z.number().int().optional(),
  repository: RepositoryInfo,
  /** The default branch's commit the fan-out read: every device of a run compares with it. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  device: z.string().min(1),
  /** Manifest path relative to the repository root. */
  file: z.string().min(1),
  /** null: the fan-out looked and found no issue; absent: not looked up (search before creating). */
  issue: KnownIssue.nullable().optional(),
});
export type DriftDeviceJob = z.infer<typeof DriftDeviceJob>;
