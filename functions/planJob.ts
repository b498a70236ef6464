/**
 * Queue trigger for `plan-jobs`: one pull request head per message. Terminal failures are
 * recorded on the check run and not retried; transient ones are tried again
 * (maxDequeueCount in host.json, then `plan-jobs-poison`).
 */
import { app } from "@azure/functions";
import { PlanJob, QUEUES } from "../shared/core/messages/jobs.js";
import { type PlanJobDeps, runPlanJob } from "../shared/use-cases/plan-pull-request/plan-pull-request.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { queueJob } from "./runtime/queue-job.js";

export function createPlanJobHandler(runtime: () => Runtime) {
  return queueJob({
    queue: QUEUES.plan,
    schema: PlanJob,
    describe: (job) => job.deliveryId,
    run: (job, { attempt, maxAttempts, log }) => {
      const rt = runtime();
      const session = rt.github.forInstallation(job.installationId);
      const deps: PlanJobDeps = {
        github: session.github,
        gitToken: session.gitToken,
        repos: rt.repos,
        heads: rt.heads,
        observe: rt.observe,
        allowedEndpoints: rt.settings.allowedEndpoints,
        fleetPath: rt.settings.fleetPath,
        credentialPrefix: rt.settings.credentialPrefix,
        log,
      };
      return runPlanJob(deps, job, { attempt, maxAttempts });
    },
  });
}

app.storageQueue("planJob", {
  queueName: QUEUES.plan,
  connection: "AzureWebJobsStorage",
  handler: createPlanJobHandler(processRuntime),
});
