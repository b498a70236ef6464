/**
 * Queue trigger for `plan-jobs`: one pull request head per message. Invalid messages are
 * logged and dropped (they never become valid); terminal failures are recorded on the
 * check run and not retried; transient ones are rethrown so the queue redelivers them
 * (maxDequeueCount in host.json, then `plan-jobs-poison`).
 */
import { app, type InvocationContext } from "@azure/functions";
import { PlanJob, QUEUES } from "../shared/github/job-messages.js";
import { type PlanJobDeps, runPlanJob } from "../shared/github/plan-pull-request.js";
import { processRuntime, type Runtime } from "./runtime/compose.js";

/** Must match extensions.queues.maxDequeueCount in host.json. */
export const MAX_DEQUEUE_COUNT = 5;

export function createPlanJobHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = PlanJob.safeParse(typeof message === "string" ? safeJson(message) : message);
    if (!parsed.success) {
      context.error(`plan-jobs: dropping an invalid message: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      return;
    }
    const job = parsed.data;
    const attempt = Number(context.triggerMetadata?.dequeueCount ?? 1) || 1;
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
        log: { info: (m) => context.log(m), warn: (m) => context.warn(m) },
      };
      const result = await runPlanJob(deps, job, { attempt, maxAttempts: MAX_DEQUEUE_COUNT });
      context.log(`plan-jobs ${job.deliveryId}: ${JSON.stringify(result)}`);
    } catch (error) {
      const e = error as { code?: string; transient?: boolean; message?: string };
      context.error(`plan-jobs ${job.deliveryId} (attempt ${attempt}): ${e.code ?? "ERROR"}: ${e.message ?? String(error)}`);
      // Transient failures and a broken configuration (fixable without a new push) are
      // retried by the queue; terminal ones are recorded on the check run.
      if (e.transient === true || e.code === "INVALID_SETTINGS") throw error;
    }
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

app.storageQueue("planJob", {
  queueName: QUEUES.plan,
  connection: "AzureWebJobsStorage",
  handler: createPlanJobHandler(processRuntime),
});
