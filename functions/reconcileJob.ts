/**
 * Queue trigger for `reconcile-jobs`: one push to the default branch. Finds the devices it
 * affects, opens the `ase-gitops/apply` check run and fans out one `apply-jobs` message per
 * device. Transient failures are tried again (5 tries, then `reconcile-jobs-poison`).
 */
import { app } from "@azure/functions";
import { QUEUES, ReconcileJob } from "../shared/core/messages/jobs.js";
import { APPLY_QUEUE } from "../shared/core/messages/apply.js";
import { runReconcileJob } from "../shared/use-cases/reconcile-push/reconcile-push.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { queueJob } from "./runtime/queue-job.js";

export function createReconcileJobHandler(runtime: () => Runtime) {
  return queueJob({
    queue: QUEUES.reconcile,
    schema: ReconcileJob,
    describe: (job) => job.deliveryId,
    run: (job, { log }) => {
      const rt = runtime();
      const session = rt.github.forInstallation(job.installationId);
      return runReconcileJob(
        {
          repos: rt.repos,
          gitToken: () => session.gitToken(),
          runs: rt.runs,
          github: session.github,
          enqueueApply: (apply) => rt.queue.send(APPLY_QUEUE, apply),
          report: rt.reporterFor(job.installationId),
          fleetPath: rt.settings.fleetPath,
          credentialPrefix: rt.settings.credentialPrefix,
          log,
        },
        job,
      );
    },
  });
}

app.storageQueue("reconcileJob", {
  queueName: QUEUES.reconcile,
  connection: "AzureWebJobsStorage",
  handler: createReconcileJobHandler(processRuntime),
});
