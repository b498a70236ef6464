/**
 * The one wrapper every queue-triggered function shares: parse the message (an invalid one
 * is logged and dropped: it never becomes valid), give the job its try number and a logger,
 * and the one rule for failures. A failure classified terminal (core/errors) is logged and
 * the message completes; a transient one, or one no layer classified, is rethrown so the
 * queue tries again, and after the last try the message lands in `<queue>-poison`.
 */
import type { InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { classifyFailure } from "../../shared/core/errors/controller-error.js";

/** Must match extensions.queues.maxDequeueCount in host.json (a test checks it). */
export const MAX_DEQUEUE_COUNT = 5;

export interface QueueJobContext {
  /** The queue's dequeue count of this invocation (1 on the first try). */
  attempt: number;
  maxAttempts: number;
  log: { info(message: string): void; warn(message: string): void };
  invocation: InvocationContext;
}

export interface QueueJobDefinition<Job> {
  queue: string;
  schema: z.ZodType<Job>;
  /** How log lines name one job, e.g. its delivery id. */
  describe(job: Job): string;
  /** Does the work; what it returns is logged as JSON. */
  run(job: Job, context: QueueJobContext): Promise<unknown>;
}

export function describeIssues(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
}

export function queueJob<Job>(definition: QueueJobDefinition<Job>): (message: unknown, context: InvocationContext) => Promise<void> {
  return async (message, invocation) => {
    const parsed = definition.schema.safeParse(message);
    if (!parsed.success) {
      invocation.error(`${definition.queue}: dropping an invalid message: ${describeIssues(parsed.error)}`);
      return;
    }
    const job = parsed.data;
    const attempt = attemptOf(invocation);
    const what = `${definition.queue} ${definition.describe(job)} (try ${attempt})`;
    try {
      const result = await definition.run(job, {
        attempt,
        maxAttempts: MAX_DEQUEUE_COUNT,
        log: { info: (m) => invocation.log(m), warn: (m) => invocation.warn(m) },
        invocation,
      });
      if (result !== undefined) invocation.log(`${what}: ${JSON.stringify(result)}`);
    } catch (error) {
      if (!retryOrDrop(error, what, invocation)) return;
      throw error;
    }
  };
}

/** Logs the failure; true when the queue should try the message again. */
function retryOrDrop(error: unknown, what: string, context: InvocationContext): boolean {
  const failure = classifyFailure(error);
  const e = error as { code?: unknown; message?: unknown; stack?: unknown };
  const code = typeof e.code === "string" ? e.code : "UNCLASSIFIED";
  const text = typeof e.message === "string" ? e.message : String(error);
  if (failure === "terminal") {
    context.error(`${what}: ${code}: ${text} (terminal: not retried)`);
    return false;
  }
  // An unclassified error is a gap in an adapter's translation or a bug: its stack says where.
  context.error(`${what}: ${code}: ${text}${failure === "unknown" && typeof e.stack === "string" ? `\n${e.stack}` : ""}`);
  return true;
}

/** The queue's dequeue count of this invocation (1 on the first try). */
function attemptOf(context: InvocationContext): number {
  return Number(context.triggerMetadata?.dequeueCount ?? 1) || 1;
}
