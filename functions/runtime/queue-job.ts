/**
 * What every queue-triggered function shares: the host's try limit, how an invalid message
 * is described, and the one rule for failures: a failure known to be terminal is logged and
 * the message completes; anything else (transient, or not known) is rethrown so the queue
 * tries again, and after the last try the message lands in `<queue>-poison`.
 */
import type { InvocationContext } from "@azure/functions";

/** Must match extensions.queues.maxDequeueCount in host.json (a test checks it). */
export const MAX_DEQUEUE_COUNT = 5;

export function describeIssues(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
}

export function rethrowUnlessTerminal(error: unknown, what: string, context: InvocationContext): void {
  const e = error as { code?: string; transient?: boolean; message?: string };
  context.error(`${what}: ${e.code ?? "ERROR"}: ${e.message ?? String(error)}`);
  if (e.transient !== false) throw error;
}

/** The queue's dequeue count of this invocation (1 on the first try). */
export function attemptOf(context: InvocationContext): number {
  return Number(context.triggerMetadata?.dequeueCount ?? 1) || 1;
}
