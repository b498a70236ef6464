/**
 * Queue triggers of drift checks:
 * - `drift-jobs` (driftJob): the fleet-level request a `repository_dispatch` of type
 *   `drift-check` queues through the webhook; fans out one device message per device
 *   (client_payload may name `devices` or `labels`).
 * - `drift-device-jobs` (driftDeviceJob): one device: observe, classify, issue, remediate.
 * Transient failures are rethrown so the queue retries (5 tries, then `<queue>-poison`).
 */
import { app, type InvocationContext } from "@azure/functions";
import { DriftJob, QUEUES } from "../shared/core/messages/jobs.js";
import { runDriftDeviceJob } from "../shared/use-cases/check-drift/device-job.js";
import { driftGitHub } from "../shared/use-cases/check-drift/drift-issue.js";
import { startDriftRun } from "../shared/use-cases/check-drift/fan-out.js";
import { DRIFT_DEVICE_QUEUE, DriftDeviceJob } from "../shared/core/messages/drift.js";
import { deviceJobDeps, fanOutDeps } from "../shared/composition/drift-deps.js";
import { DispatchSelector } from "../shared/core/drift/select.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { describeIssues, rethrowUnlessTerminal } from "./runtime/queue-job.js";

export function createDriftJobHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = DriftJob.safeParse(message);
    if (!parsed.success) {
      context.error(`drift-jobs: dropping an invalid message: ${describeIssues(parsed.error)}`);
      return;
    }
    const job = parsed.data;
    const selector = DispatchSelector.safeParse(job.clientPayload ?? {});
    if (!selector.success) {
      context.error(`drift-jobs ${job.deliveryId}: client_payload devices/labels are invalid (${describeIssues(selector.error)}); nothing checked`);
      return;
    }
    try {
      const rt = runtime();
      const session = rt.github.forInstallation(job.installationId);
      const log = { info: (m: string) => context.log(m), warn: (m: string) => context.warn(m) };
      const { devices, labels } = selector.data;
      const result = await startDriftRun(fanOutDeps(rt, log), {
        runId: `dispatch-${job.deliveryId}`,
        trigger: "repository_dispatch",
        targets: [
          {
            repository: job.repository,
            ...(job.installationId !== undefined ? { installationId: job.installationId } : {}),
            github: driftGitHub(session.github),
            gitToken: () => session.gitToken(),
          },
        ],
        selector: { ...(devices ? { devices } : {}), ...(labels ? { labels } : {}) },
      });
      context.log(`drift-jobs ${job.deliveryId}: ${JSON.stringify(result)}`);
    } catch (error) {
      rethrowUnlessTerminal(error, `drift-jobs ${job.deliveryId}`, context);
    }
  };
}

export function createDriftDeviceJobHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = DriftDeviceJob.safeParse(message);
    if (!parsed.success) {
      context.error(`${DRIFT_DEVICE_QUEUE}: dropping an invalid message: ${describeIssues(parsed.error)}`);
      return;
    }
    const job = parsed.data;
    try {
      const log = { info: (m: string) => context.log(m), warn: (m: string) => context.warn(m) };
      await runDriftDeviceJob(deviceJobDeps(runtime(), job.installationId, log), job);
    } catch (error) {
      rethrowUnlessTerminal(error, `${DRIFT_DEVICE_QUEUE} ${job.runId}/${job.device}`, context);
    }
  };
}

app.storageQueue("driftJob", {
  queueName: QUEUES.drift,
  connection: "AzureWebJobsStorage",
  handler: createDriftJobHandler(processRuntime),
});

app.storageQueue("driftDeviceJob", {
  queueName: DRIFT_DEVICE_QUEUE,
  connection: "AzureWebJobsStorage",
  handler: createDriftDeviceJobHandler(processRuntime),
});
