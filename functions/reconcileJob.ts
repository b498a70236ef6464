/**
 * Queue trigger for `reconcile-jobs`: one push to the default branch. Finds the devices it
 * affects, opens the `ase-gitops/apply` check run and fans out one `apply-jobs` message per
 * device. Transient failures are rethrown so the queue retries them (5 tries, then
 * `reconcile-jobs-poison`).
 */
import { app, type InvocationContext } from "@azure/functions";
import { QUEUES, ReconcileJob } from "../shared/core/messages/jobs.js";
import { APPLY_QUEUE } from "../shared/core/messages/apply.js";
import { runReconcileJob } from "../shared/use-cases/reconcile-push/reconcile-push.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { describeIssues, rethrowUnlessTerminal } from "./runtime/queue-job.js";

export function createReconcileJobHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = ReconcileJob.safeParse(message);
    if (!parsed.success) {
      context.error(`reconcile-jobs: dropping an invalid message: ${describeIssues(parsed.error)}`);
      return;
    }
    const job = parsed.data;
    try {
      const rt = runtime();
      const session = rt.github.forInstallation(job.installationId);
      const outcome = await runReconcileJob(
        {
          repos: rt.repos,
          gitToken: () => session.gitToken(),
          runs: rt.runs,
          github: session.github,
          enqueueApply: (apply) => rt.queue.send(APPLY_QUEUE, apply),
          report: rt.reporterFor(job.installationId),
          fleetPath: rt.settings.fleetPath,
          credentialPrefix: rt.settings.credentialPrefix,
          log: { info: (m) => context.log(m), warn: (m) => context.warn(m) },
        },
        job,
      );
      context.log(`reconcile-jobs ${job.deliveryId}: ${JSON.stringify(outcome)}`);
    } catch (error) {
      rethrowUnlessTerminal(error, `reconcile-jobs ${job.deliveryId}`, context);
    }
  };
}

app.storageQueue("reconcileJob", {
  queueName: QUEUES.reconcile,
  connection: "AzureWebJobsStorage",
  handler: createReconcileJobHandler(processRuntime),
});
