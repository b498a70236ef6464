/**
 * One bounded turn of the resumable apply for one device: check the operation the device is
 * waiting on, or observe, re-plan and start the next step's operation; never wait for a
 * device operation longer than the turn's budget (AbortSignal). The caller requeues the job
 * when the turn ends "waiting" or "continue" (the controller "requeue after" pattern).
 *
 * Level-triggered: what is left to do always comes from observing the device and planning
 * again at the job's commit, so a turn that was killed anywhere is simply turned again; the
 * only memory is the pending operation, and a lost one is found again (a re-submitted
 * deployment answers DeploymentActive: the same operation).
 */
import type { StepStart } from "./step-operations.js";
import type { OperationProgress, OperationRef } from "../../ports/device.js";
import type { ObservedDevice } from "../../core/plan/observed.js";
import type { DevicePlan, PlanStep } from "../../core/plan/types.js";
import type { PendingOperation } from "../../core/messages/pending-operation.js";

export interface TurnEvent {
  action: string;
  vm?: string;
  status: "started" | "waiting" | "succeeded" | "failed";
  deployment?: string;
  operation?: string;
  message?: string;
}

export interface AdvanceDeps {
  observe(): Promise<ObservedDevice>;
  plan(observed: ObservedDevice): DevicePlan;
  begin(step: PlanStep, observed: ObservedDevice): Promise<StepStart>;
  /** The pending operation ended well: its step's next part, or done. */
  continueStep(pending: PendingOperation): Promise<StepStart>;
  check(ref: OperationRef): Promise<OperationProgress>;
  /**
   * Stores the pending operation (null clears it) and renews the lock; false when the lock
   * was lost (another invocation owns the device now).
   */
  record(pending: PendingOperation | null): Promise<boolean>;
  /** Awaited: the journal is the device's history. */
  journal(event: TurnEvent): Promise<void>;
  /** At a step boundary: the newer pushed commit that takes over, if any. */
  supersededBy(): Promise<string | undefined>;
  /** Ends the turn (budget spent, or the invocation cancelled): checked between operations. */
  signal: AbortSignal;
  now(): number;
  /** Sleeps inside the turn (short waits only); resolves early when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface AdvanceOptions {
  commit: string;
  pending?: PendingOperation;
  /** Re-check interval when the device gives no Retry-After. */
  pollMs: number;
  /** Longest requeue delay. */
  maxDelayMs: number;
  /** Waits this short (or under the queue's 1-second granularity) happen inside the turn. */
  inlineWaitMs: number;
  /** When the turn's budget ends (epoch ms, on deps.now's clock). */
  deadline: number;
}

export type TurnResult =
  | { status: "converged"; stepsDone: number; observed: ObservedDevice; plan: DevicePlan }
  | { status: "waiting"; delayMs: number; pending: PendingOperation; stepsDone: number }
  | { status: "continue"; stepsDone: number }
  | { status: "refused"; plan: DevicePlan; observed: ObservedDevice }
  | { status: "failed"; code: string; message: string; transient: boolean; action?: string; vm?: string; stepsDone: number }
  | { status: "superseded"; by: string; stepsDone: number }
  | { status: "lost-lock"; stepsDone: number };

const MIN_RECHECK_MS = 250;

const refLabel = (ref: OperationRef) => (ref.kind === "deployment" ? { deployment: ref.name } : { operation: ref.url });

export async function advanceDevice(deps: AdvanceDeps, options: AdvanceOptions): Promise<TurnResult> {
  let pending = options.pending;
  let stepsDone = 0;
  const at = (p: { action: string; vm?: string }) => ({ action: p.action, ...(p.vm ? { vm: p.vm } : {}) });

  for (;;) {
    if (deps.signal.aborted) {
      if (!pending) return { status: "continue", stepsDone };
      await deps.journal({
        ...at(pending),
        status: "waiting",
        ...refLabel(pending.ref),
        message: `turn over; waiting for ${pending.phase ?? pending.action}`,
      });
      return { status: "waiting", delayMs: 0, pending, stepsDone };
    }
    if (pending) {
      const progress = await deps.check(pending.ref);
      if (progress.state === "running") {
        if (!(await deps.record(pending))) return { status: "lost-lock", stepsDone };
        // Retry-After 0 means "almost done": look again shortly, never spin.
        const delayMs = Math.min(
          options.maxDelayMs,
          progress.retryAfterSec !== undefined ? Math.max(MIN_RECHECK_MS, progress.retryAfterSec * 1000) : options.pollMs,
        );
        // Short waits stay inside the turn when the turn has the time (queue delays are whole seconds).
        const left = options.deadline - deps.now();
        if (delayMs < left && (delayMs < 1000 || delayMs <= options.inlineWaitMs)) {
          await deps.sleep(delayMs, deps.signal);
          continue;
        }
        await deps.journal({
          ...at(pending),
          status: "waiting",
          ...refLabel(pending.ref),
          message: `waiting ${Math.round(delayMs / 1000)} s for ${pending.phase ?? pending.action}`,
        });
        return { status: "waiting", delayMs, pending, stepsDone };
      }
      if (progress.state === "failed") {
        // The failure is the operation's: nothing runs any more, the next turn starts afresh.
        if (!(await deps.record(null))) return { status: "lost-lock", stepsDone };
        await deps.journal({ ...at(pending), status: "failed", ...refLabel(pending.ref), message: `${progress.code}: ${progress.message}` });
        return { status: "failed", code: progress.code, message: progress.message, transient: progress.transient, ...at(pending), stepsDone };
      }
      const next = await deps.continueStep(pending);
      if ("ref" in next) {
        pending = { ...pending, ref: next.ref, ...(next.phase ? { phase: next.phase } : {}), startedAt: new Date(deps.now()).toISOString() };
        if (!(await deps.record(pending))) return { status: "lost-lock", stepsDone };
        await deps.journal({ ...at(pending), status: "started", ...refLabel(next.ref), ...(next.phase ? { message: next.phase } : {}) });
        continue;
      }
      if (!(await deps.record(null))) return { status: "lost-lock", stepsDone };
      await deps.journal({ ...at(pending), status: "succeeded", ...refLabel(pending.ref) });
      pending = undefined;
      stepsDone++;
      continue;
    }

    // A step boundary: nothing of ours runs on the device.
    const by = await deps.supersededBy();
    if (by) return { status: "superseded", by, stepsDone };
    const observed = await deps.observe();
    const plan = deps.plan(observed);
    if (!plan.feasible) return { status: "refused", plan, observed };
    const step = plan.steps[0];
    if (!step) return { status: "converged", stepsDone, observed, plan };
    if (deps.signal.aborted) return { status: "continue", stepsDone };
    // Renewing proves the lock is still ours right before anything is started.
    if (!(await deps.record(null))) return { status: "lost-lock", stepsDone };
    const started = await deps.begin(step, observed);
    if ("done" in started) {
      await deps.journal({ ...at(step), status: "succeeded" });
      stepsDone++;
      continue;
    }
    pending = {
      ref: started.ref,
      ...at(step),
      ...(started.phase ? { phase: started.phase } : {}),
      commit: options.commit,
      startedAt: new Date(deps.now()).toISOString(),
    };
    if (!(await deps.record(pending))) return { status: "lost-lock", stepsDone };
    await deps.journal({ ...at(step), status: "started", ...refLabel(started.ref), ...(started.phase ? { message: started.phase } : {}) });
  }
}
