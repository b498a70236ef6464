/**
 * How the resumable apply paces itself (docs/contract.md §9). Read from the environment
 * with the other settings; every value has a default that suits real devices.
 */
import { z } from "zod";

export interface ApplySettings {
  /** Work one apply-jobs invocation does at most before it requeues the job. */
  budgetMs: number;
  /** Re-check interval for an operation when the device sends no Retry-After. */
  pollMs: number;
  /** Longest requeue delay (Retry-After is capped to it). */
  maxDelayMs: number;
  /** Waits this short are waited inside the invocation (the queue counts whole seconds). */
  inlineWaitMs: number;
  /** A job that stopped renewing its lock loses it after this (a dead owner). */
  ownerLeaseMs: number;
  /** Added to the budget for one invocation's hold on the device. */
  holdMarginMs: number;
  /** Requeue delay of a job whose device is busy. */
  lockRetryMs: number;
  /** First backoff after a failed try (doubled per failure, capped at maxDelayMs). */
  failureBackoffMs: number;
  maxRequeues: number;
  maxWaits: number;
}

export const DEFAULT_APPLY_SETTINGS: ApplySettings = {
  budgetMs: 60_000,
  pollMs: 30_000,
  maxDelayMs: 60_000,
  inlineWaitMs: 2_000,
  ownerLeaseMs: 10 * 60_000,
  holdMarginMs: 30_000,
  lockRetryMs: 10_000,
  failureBackoffMs: 5_000,
  maxRequeues: 2_000,
  // At a 60 s cap, about 33 hours of waiting: far beyond any real operation.
  maxWaits: 2_000,
};

const Ms = z.coerce.number().int().min(0);

const ApplyEnv = z.object({
  ASE_GITOPS_APPLY_BUDGET_MS: Ms.optional(),
  ASE_GITOPS_APPLY_POLL_MS: Ms.optional(),
  ASE_GITOPS_APPLY_MAX_DELAY_MS: Ms.optional(),
  ASE_GITOPS_APPLY_INLINE_WAIT_MS: Ms.optional(),
  ASE_GITOPS_APPLY_OWNER_LEASE_MS: Ms.optional(),
  ASE_GITOPS_APPLY_LOCK_RETRY_MS: Ms.optional(),
  ASE_GITOPS_APPLY_HOLD_MARGIN_MS: Ms.optional(),
  ASE_GITOPS_APPLY_FAILURE_BACKOFF_MS: Ms.optional(),
});

/** The apply settings from the environment; a bad value is one clear line. */
export function applySettingsFromEnv(env: Record<string, string | undefined>): ApplySettings {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("ASE_GITOPS_APPLY_") && v !== undefined && v.trim() !== ""));
  const parsed = ApplyEnv.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${String(issue.path[0])} must be a whole number of milliseconds`);
  }
  const e = parsed.data;
  const pick = <K extends keyof ApplySettings>(key: K, value: number | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ...DEFAULT_APPLY_SETTINGS,
    ...pick("budgetMs", e.ASE_GITOPS_APPLY_BUDGET_MS),
    ...pick("pollMs", e.ASE_GITOPS_APPLY_POLL_MS),
    ...pick("maxDelayMs", e.ASE_GITOPS_APPLY_MAX_DELAY_MS),
    ...pick("inlineWaitMs", e.ASE_GITOPS_APPLY_INLINE_WAIT_MS),
    ...pick("ownerLeaseMs", e.ASE_GITOPS_APPLY_OWNER_LEASE_MS),
    ...pick("lockRetryMs", e.ASE_GITOPS_APPLY_LOCK_RETRY_MS),
    ...pick("holdMarginMs", e.ASE_GITOPS_APPLY_HOLD_MARGIN_MS),
    ...pick("failureBackoffMs", e.ASE_GITOPS_APPLY_FAILURE_BACKOFF_MS),
  };
}
