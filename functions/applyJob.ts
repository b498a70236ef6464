/**
 * Queue trigger for `apply-jobs`: one device at one pushed commit. Transient failures are
 * rethrown so the queue delivers the job again; after the 5th try it lands in
 * `apply-jobs-poison`, with its failure already recorded and reported.
 */
import { app, type InvocationContext } from "@azure/functions";
import { connectDevice } from "../shared/device/connect.js";
import { runApplyJob } from "../shared/reconcile/apply-job.js";
import { ApplyJob } from "../shared/reconcile/messages.js";
import { processRuntime, type Runtime } from "./runtime/compose.js";
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
