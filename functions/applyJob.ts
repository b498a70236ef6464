/**
 * Queue trigger for `apply-jobs`: one bounded turn of one device at one pushed commit
 * (shared/use-cases/apply-device/apply-job.ts). A job that waits for a device operation, for the device
 * lock, or after a transient failure is sent again with a visibility delay and this message
 * completes; only a worker that dies or times out mid-turn makes the queue deliver it again.
 */
import { app } from "@azure/functions";
import { runApplyJob } from "../shared/use-cases/apply-device/apply-job.js";
import { APPLY_QUEUE, ApplyJob } from "../shared/core/messages/apply.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { queueJob } from "./runtime/queue-job.js";

export function createApplyJobHandler(runtime: () => Runtime) {
  return queueJob({
    queue: APPLY_QUEUE,
    schema: ApplyJob,
    describe: (job) => `${job.device}@${job.commit.slice(0, 7)}`,
    run: (job, { attempt, maxAttempts, log }) => {
      const rt = runtime();
      const session = rt.github.forInstallation(job.installationId);
      return runApplyJob(
        {
          repos: rt.repos,
          gitToken: () => session.gitToken(),
          locks: rt.locks,
          journal: rt.journal,
          runs: rt.runs,
          requeue: (queue, next, delaySeconds) => rt.queue.send(queue, next, { delaySeconds }),
          connect: (manifest) => rt.device.connect(manifest),
          deviceSettings: rt.device,
          report: rt.reporterFor(job.installationId),
          settings: rt.apply,
          log,
        },
        job,
        { attempt, maxAttempts },
      );
    },
  });
}

app.storageQueue("applyJob", {
  queueName: APPLY_QUEUE,
  connection: "AzureWebJobsStorage",
  handler: createApplyJobHandler(processRuntime),
});
