/**
 * Long-running operations: accepted now, finished `delayMs` later. The work runs once, at
 * completion (lazily when polled, or on a timer), so the device changes when the operation
 * ends as a real one does. An injected `asyncfail` ends the operation Failed without running
 * the work: transient, nothing changed, the client may retry.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { ArmErrorBody } from "./arm-errors.js";

export type OperationStatus = "InProgress" | "Succeeded" | "Failed";

/** Returns a result body, or throws an Error with a `code` to end the operation Failed. */
export type OperationWork = () => unknown;

export interface Operation {
  readonly id: string;
  readonly device: string;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  error?: ArmErrorBody;
  result?: unknown;
  readonly readyAt: number;
  readonly work: OperationWork;
  readonly injectedFailure: boolean;
  timer?: NodeJS.Timeout;
  /** Called once when the operation ends. */
  onEnd?: (op: Operation) => void;
  /** Milliseconds until it ends (0 once ended). */
  remainingMs(): number;
}

export class OperationRegistry {
  private readonly operations = new Map<string, Operation>();

  start(device: string, delayMs: number, work: OperationWork, injectedFailure: boolean, onEnd?: (op: Operation) => void): Operation {
    const op: Operation = {
      id: randomUUID(),
      device,
      status: "InProgress",
      startTime: new Date().toISOString(),
      readyAt: performance.now() + delayMs,
      work,
      injectedFailure,
      onEnd,
      remainingMs: () => (op.status === "InProgress" ? Math.max(0, op.readyAt - performance.now()) : 0),
    };
    this.operations.set(op.id, op);
    op.timer = setTimeout(() => this.finish(op), delayMs);
    op.timer.unref();
    return op;
  }

  /** The operation as it is, without finishing it. */
  peek(id: string): Operation | undefined {
    return this.operations.get(id);
  }

  /** The operation, finished first if its time has come. */
  get(id: string): Operation | undefined {
    const op = this.operations.get(id);
    // 1 ms slack: a poll sent after the accept reply, with the same latency, is never early.
    if (op && op.status === "InProgress" && performance.now() >= op.readyAt - 1) this.finish(op);
    return op;
  }

  private finish(op: Operation): void {
    if (op.status !== "InProgress") return;
    if (op.timer) clearTimeout(op.timer);
    if (op.injectedFailure) {
      op.status = "Failed";
      op.error = { code: "InternalOperationError", message: "The operation failed because of an internal error; retry it (injected fault)." };
    } else {
      try {
        op.result = op.work();
        op.status = "Succeeded";
      } catch (err) {
        op.status = "Failed";
        const e = err as { code?: unknown; message?: string; details?: ArmErrorBody[] };
        op.error = {
          code: typeof e.code === "string" ? e.code : "InternalOperationError",
          message: e.message ?? String(err),
          ...(e.details ? { details: e.details } : {}),
        };
      }
    }
    op.endTime = new Date().toISOString();
    op.onEnd?.(op);
  }

  close(): void {
    for (const op of this.operations.values()) if (op.timer) clearTimeout(op.timer);
  }
}
