/**
 * Queue trigger for `apply-jobs`: one bounded turn of one device at one pushed commit
 * (shared/use-cases/apply-device/apply-job.ts). A job that waits for a device operation, for the device
 * lock, or after a transient failure is sent again with a visibility delay and this message
 * completes; only a worker that dies or times out mid-turn makes the queue deliver it again.
 */
import { app, type InvocationContext } from "@azure/functions";
import { connectDevice } from "../shared/adapters/device/connect.js";
import { runApplyJob } from "../shared/use-cases/apply-device/apply-job.js";
import { ApplyJob } from "../shared/core/messages/apply.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { MAX_DEQUEUE_COUNT, attemptOf, describeIssues } from "./runtime/queue-job.js";

export function createApplyJobHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = ApplyJob.safeParse(message);
    if (!parsed.success) {
      context.error(`apply-jobs: dropping an invalid message: ${describeIssues(parsed.error)}`);
      return;
    }
    const job = parsed.data;
    const attempt = attemptOf(context);
    const rt = runtime();
    const session = rt.github.forInstallation(job.installationId);
    const outcome = await runApplyJob(
      {
        repos: rt.repos,
        gitToken: () => session.gitToken(),
        locks: rt.locks,
        journal: rt.journal,
        runs: rt.runs,
        requeue: (queue, next, delaySeconds) => rt.queue.send(queue, next, { delaySeconds }),
        connect: (manifest) => connectDevice(manifest, rt.device),
        deviceSettings: rt.device,
        report: rt.reporterFor(job.installationId),
        settings: rt.apply,
        log: { info: (m) => context.log(m), warn: (m) => context.warn(m) },
      },
      job,
      { attempt, maxAttempts: MAX_DEQUEUE_COUNT },
    );
    context.log(`apply-jobs ${job.device}@${job.commit.slice(0, 7)} try ${attempt}: ${JSON.stringify(outcome)}`);
  };
}

app.storageQueue("applyJob", {
  queueName: "apply-jobs",
  connection: "AzureWebJobsStorage",
  handler: createApplyJobHandler(processRuntime),
});
