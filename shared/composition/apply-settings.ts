/** The resumable apply's pacing (use-cases/apply-device/apply-settings.ts) from the app settings. */
import { z } from "zod";
import { type ApplySettings, DEFAULT_APPLY_SETTINGS } from "../use-cases/apply-device/apply-settings.js";

export { type ApplySettings, DEFAULT_APPLY_SETTINGS } from "../use-cases/apply-device/apply-settings.js";

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
