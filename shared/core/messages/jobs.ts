/**
 * Queue messages between the webhook and the jobs. They arrive as `unknown` and are checked
 * here on both sides; `version` lets a later release read what an older one queued.
 */
import { z } from "zod";

const Sha = z.string().regex(/^[0-9a-f]{40}$/);

export const RepositoryInfo = z.object({
  fullName: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  cloneUrl: z.string().min(1),
  defaultBranch: z.string().min(1),
});
export type RepositoryInfo = z.infer<typeof RepositoryInfo>;

const JobBase = {
  version: z.literal(1),
  deliveryId: z.string().min(1),
  receivedAt: z.string(),
  installationId: z.number().int().optional(),
  repository: RepositoryInfo,
};

export const PlanJob = z.object({
  ...JobBase,
  kind: z.literal("plan"),
  /** What asked for the plan, e.g. `pull_request.synchronize` or `check_run.rerequested`. */
  reason: z.string(),
  pullRequest: z.object({
    number: z.number().int().positive(),
    headSha: Sha,
    headRef: z.string().min(1),
    /** Where the head commits live (a fork's clone URL for a PR from a fork). */
    headCloneUrl: z.string().min(1),
    baseRef: z.string().min(1),
    /** The PR's `updated_at`; orders pushes so an older job cannot win. Absent on re-runs. */
    updatedAt: z.string().optional(),
  }),
});
export type PlanJob = z.infer<typeof PlanJob>;

export const ReconcileJob = z.object({
  ...JobBase,
  kind: z.literal("reconcile"),
  ref: z.string(),
  before: z.string(),
  after: Sha,
});
export type ReconcileJob = z.infer<typeof ReconcileJob>;

export const DriftJob = z.object({
  ...JobBase,
  kind: z.literal("drift"),
  branch: z.string().optional(),
  clientPayload: z.unknown().optional(),
});
export type DriftJob = z.infer<typeof DriftJob>;

export const QUEUES = {
  plan: "plan-jobs",
  reconcile: "reconcile-jobs",
  drift: "drift-jobs",
} as const;
