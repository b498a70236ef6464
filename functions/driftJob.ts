/**
 * Queue triggers of drift checks:
 * - `drift-jobs` (driftJob): the fleet-level request a `repository_dispatch` of type
 *   `drift-check` queues through the webhook; fans out one device message per device
 *   (client_payload may name `devices` or `labels`).
 * - `drift-device-jobs` (driftDeviceJob): one device: observe, classify, issue, remediate.
 * Transient failures are tried again (5 tries, then `<queue>-poison`).
 */
import { app } from "@azure/functions";
import { DriftJob, QUEUES } from "../shared/core/messages/jobs.js";
import { runDriftDeviceJob } from "../shared/use-cases/check-drift/device-job.js";
import { startDriftRun } from "../shared/use-cases/check-drift/fan-out.js";
import { DRIFT_DEVICE_QUEUE, DriftDeviceJob } from "../shared/core/messages/drift.js";
import { deviceJobDeps, fanOutDeps } from "../shared/composition/drift-deps.js";
import { DispatchSelector } from "../shared/core/drift/select.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { describeIssues, queueJob } from "./runtime/queue-job.js";

export function createDriftJobHandler(runtime: () => Runtime) {
  return queueJob({
    queue: QUEUES.drift,
    schema: DriftJob,
    describe: (job) => job.deliveryId,
    run: async (job, { log }) => {
      const selector = DispatchSelector.safeParse(job.clientPayload ?? {});
      if (!selector.success) {
        log.warn(`drift-jobs ${job.deliveryId}: client_payload devices/labels are invalid (${describeIssues(selector.error)}); nothing checked`);
        return undefined;
      }
      const rt = runtime();
      const session = rt.github.forInstallation(job.installationId);
      const { devices, labels } = selector.data;
      return startDriftRun(fanOutDeps(rt, log), {
        runId: `dispatch-${job.deliveryId}`,
        trigger: "repository_dispatch",
        targets: [
          {
            repository: job.repository,
            ...(job.installationId !== undefined ? { installationId: job.installationId } : {}),
            github: session.github,
            gitToken: () => session.gitToken(),
          },
        ],
        selector: { ...(devices ? { devices } : {}), ...(labels ? { labels } : {}) },
      });
    },
  });
}

export function createDriftDeviceJobHandler(runtime: () => Runtime) {
  return queueJob({
    queue: DRIFT_DEVICE_QUEUE,
    schema: DriftDeviceJob,
    describe: (job) => `${job.runId}/${job.device}`,
    run: (job, { log }) => runDriftDeviceJob(deviceJobDeps(runtime(), job.installationId, log), job),
  });
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
