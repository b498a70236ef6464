/**
 * Queue trigger for `plan-jobs`: one pull request head per message. Invalid messages are
 * logged and dropped (they never become valid); terminal failures are recorded on the
 * check run and not retried; transient ones are rethrown so the queue redelivers them
 * (maxDequeueCount in host.json, then `plan-jobs-poison`).
 */
import { app, type InvocationContext } from "@azure/functions";
import { PlanJob, QUEUES } from "../shared/core/messages/jobs.js";
import { type PlanJobDeps, runPlanJob } from "../shared/use-cases/plan-pull-request/plan-pull-request.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { MAX_DEQUEUE_COUNT, attemptOf, describeIssues, rethrowUnlessTerminal } from "./runtime/queue-job.js";

export function createPlanJobHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = PlanJob.safeParse(message);
    if (!parsed.success) {
      context.error(`plan-jobs: dropping an invalid message: ${describeIssues(parsed.error)}`);
      return;
    }
    const job = parsed.data;
    const attempt = attemptOf(context);
    try {
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
        log: { info: (m) => context.log(m), warn: (m) => context.warn(m) },
      };
      const result = await runPlanJob(deps, job, { attempt, maxAttempts: MAX_DEQUEUE_COUNT });
      context.log(`plan-jobs ${job.deliveryId}: ${JSON.stringify(result)}`);
    } catch (error) {
      // Terminal failures are recorded on the check run; everything else (transient, a
      // storage hiccup, a broken configuration fixed without a new push) is tried again.
      rethrowUnlessTerminal(error, `plan-jobs ${job.deliveryId} (attempt ${attempt})`, context);
    }
  };
}

app.storageQueue("planJob", {
  queueName: QUEUES.plan,
  connection: "AzureWebJobsStorage",
  handler: createPlanJobHandler(processRuntime),
});
