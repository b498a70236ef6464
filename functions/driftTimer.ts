/**
 * Timer: a drift check of every device of every configured repository, on the schedule in
 * ASE_GITOPS_DRIFT_SCHEDULE (NCRONTAB, six fields). Off by default: an empty setting turns
 * the timer off in the local runtime; in Azure set AzureWebJobs.driftTimer.Disabled=true
 * (or leave the documented schedule empty). The run's summary is one log line, written by
 * the device job that finishes the run.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { startDriftRun } from "../shared/use-cases/check-drift/fan-out.js";
import { fanOutDeps } from "../shared/composition/drift-deps.js";
import { resolveTargets } from "../shared/use-cases/check-drift/targets.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";

export const DRIFT_SCHEDULE_SETTING = "ASE_GITOPS_DRIFT_SCHEDULE";

export function createDriftTimerHandler(runtime: () => Runtime, now: () => Date = () => new Date()) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const rt = runtime();
    if (!rt.settings.driftSchedule) {
      context.log(`driftTimer: ${DRIFT_SCHEDULE_SETTING} is empty: drift timer off`);
      return;
    }
    const log = { info: (m: string) => context.log(m), warn: (m: string) => context.warn(m) };
    const runId = `timer-${now().toISOString().replace(/[:.]/g, "-")}`;
    const targets = await resolveTargets(rt.github, rt.settings.repositories, rt.settings);
    const result = await startDriftRun(fanOutDeps(rt, log), { runId, trigger: "timer", targets });
    context.log(
      `driftTimer: run ${runId}: ${result.queued} device check(s) queued${result.invalid.length ? `, ${result.invalid.length} invalid manifest(s)` : ""}`,
    );
  };
}

// Off by default: the timer is registered only when a schedule is set, because the
// Functions host refuses a timer whose schedule setting is empty.
if (process.env[DRIFT_SCHEDULE_SETTING]?.trim()) {
  app.timer("driftTimer", {
    schedule: `%${DRIFT_SCHEDULE_SETTING}%`,
    handler: createDriftTimerHandler(processRuntime),
  });
}
