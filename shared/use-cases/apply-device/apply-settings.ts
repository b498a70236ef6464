/**
 * How the resumable apply paces itself (docs/contract.md §9). composition/apply-settings.ts
 * reads them from the environment; every value has a default that suits real devices.
 */
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
