/**
 * Drift dependencies from the composition root's Runtime, shared by the three triggers and
 * the device job so each function file stays a few lines.
 */
import type { Runtime } from "./runtime.js";
import { APPLY_QUEUE } from "../core/messages/apply.js";
import type { DriftJobDeps } from "../use-cases/check-drift/device-job.js";
import type { FanOutDeps } from "../use-cases/check-drift/fan-out.js";

export type Log = { info(message: string): void; warn(message: string): void };

export function fanOutDeps(rt: Runtime, log?: Log): FanOutDeps {
  return {
    repos: rt.repos,
    queue: rt.queue,
    runs: rt.driftRuns,
    fleetPath: rt.settings.fleetPath,
    credentialPrefix: rt.settings.credentialPrefix,
    ...(log ? { log } : {}),
  };
}

export function deviceJobDeps(rt: Runtime, installationId: number | undefined, log?: Log): DriftJobDeps {
  const session = rt.github.forInstallation(installationId);
  return {
    repos: rt.repos,
    gitToken: () => session.gitToken(),
    github: session.github,
    device: rt.device,
    runs: rt.driftRuns,
    enqueueApply: (job) => rt.queue.send(APPLY_QUEUE, job),
    ...(log ? { log } : {}),
  };
}
