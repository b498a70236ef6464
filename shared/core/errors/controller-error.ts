/**
 * The one error model. Every error the controller raises on purpose carries a stable `code`
 * (callers and users branch on it, never on messages) and says whether trying again can
 * help. Adapters classify their provider's failures into these at their boundary; the queue
 * wrapper (functions/runtime/queue-job.ts) retries exactly the transient ones.
 */
export abstract class ControllerError extends Error {
  abstract readonly code: string;
  /** True when the same work may succeed later unchanged (a timeout, a 503, a lock held). */
  abstract readonly transient: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** How a failure should be handled by whoever holds the work item. */
export type FailureClass = "transient" | "terminal" | "unknown";

/**
 * `unknown` is an error no layer classified: a bug or an SDK error an adapter let through.
 * Callers that can lose work by dropping it (queue jobs) treat it as transient and log its
 * stack so it gets a code of its own.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof ControllerError) return error.transient ? "transient" : "terminal";
  return "unknown";
}
