/**
 * Queue trigger for `apply-jobs-poison`: an apply job the host gave up on (5 tries, e.g. a
 * worker killed each time) is recorded as failed and reported, so no device's failure is
 * lost silently. A job that already recorded its failure is left as it is.
 */
import { app, type InvocationContext } from "@azure/functions";
import { ApplyJob } from "../shared/core/messages/apply.js";
import { FINAL_OUTCOMES } from "../shared/ports/reconcile-runs.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";
import { MAX_DEQUEUE_COUNT } from "./runtime/queue-job.js";

export function createApplyPoisonHandler(runtime: () => Runtime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const parsed = ApplyJob.safeParse(message);
    if (!parsed.success) {
      context.error("apply-jobs-poison: an unreadable message; dropped");
      return;
    }
    const job = parsed.data;
    const rt = runtime();
    const repository = job.repository.fullName;
    const current = (await rt.runs.results(repository, job.commit)).find((r) => r.device === job.device);
    if (!current || !FINAL_OUTCOMES.has(current.outcome)) {
      const text = `gave up after ${MAX_DEQUEUE_COUNT} tries (the worker failed or stopped every time); see \`ase-gitops history ${job.device}\``;
      await rt.runs.putResult(repository, job.commit, {
        device: job.device,
        file: job.file,
        outcome: "failed",
        message: current?.message ? `${current.message}; ${text}` : text,
      });
      await rt.journal.append({
        repository,
        device: job.device,
        commit: job.commit,
        attempt: 0,
        step: 0,
        action: "outcome",
        status: "failed",
        message: text,
      });
    }
    await rt.reporterFor(job.installationId)(repository, job.commit);
    context.warn(`apply-jobs-poison: ${job.device}@${job.commit.slice(0, 7)} recorded as failed`);
  };
}

app.storageQueue("applyPoison", {
  queueName: "apply-jobs-poison",
  connection: "AzureWebJobsStorage",
  handler: createApplyPoisonHandler(processRuntime),
});
