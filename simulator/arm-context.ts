/** What every ARM handler receives, and the reply it gives. */
import type { SimDevice } from "./device-state.js";
import type { FaultInjector } from "./faults.js";
import type { OperationClock, OperationKind } from "./durations.js";
import type { Operation, OperationRegistry, OperationWork } from "./operations.js";

export interface ArmRequest {
  method: string;
  /** Path segments after the device prefix, decoded, original case. */
  segments: string[];
  /** The same, lower-cased, for matching. */
  lower: string[];
  query: URLSearchParams;
  body: any;
  apiVersion: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ArmContext {
  device: SimDevice;
  /** `https://127.0.0.1:PORT/devices/<name>` */
  base: string;
  operations: OperationRegistry;
  faults: FaultInjector;
  latencyMs: number;
  /** Least Retry-After (seconds) on long-running operations. */
  lroRetryAfterSec: number;
  /** Most Retry-After (seconds): the operation's remaining time is capped to it. */
  lroRetryAfterMaxSec: number;
  /** How long each kind of operation takes (scaled). */
  clock: OperationClock;
  reclaimRisk: boolean;
  /**
   * Set on the cloud prefix (`/cloud/...`): the subscription and resource name the request
   * addressed the device's DataBoxEdge resource by; `base` is then `https://.../cloud`.
   */
  cloud?: { subscriptionId: string; name: string };
}

/** Starts a long-running operation and returns the headers ARM sends with its 201/202. */
export function startLro(
  ctx: ArmContext,
  kind: OperationKind,
  namespace: string,
  apiVersion: string,
  work: OperationWork,
  onEnd?: (op: Operation) => void,
): { op: Operation; headers: Record<string, string> } {
  const delayMs = Math.max(ctx.latencyMs, ctx.clock.durationMs(kind));
  const op = ctx.operations.start(ctx.device.name, delayMs, work, ctx.faults.asyncFail(), onEnd);
  return { op, headers: lroHeaders(ctx, apiVersion, op.id, namespace) };
}

/** Retry-After for a running operation: its remaining time in whole seconds, within the bounds. */
export function retryAfterFor(ctx: ArmContext, op: Operation | undefined): string {
  const remaining = op ? Math.floor(op.remainingMs() / 1000) : 0;
  return String(Math.min(ctx.lroRetryAfterMaxSec, Math.max(ctx.lroRetryAfterSec, remaining)));
}

/** Azure-AsyncOperation + Location for an operation (also to re-attach a retried request). */
export function lroHeaders(ctx: ArmContext, apiVersion: string, id: string, namespace = "Microsoft.DataBoxEdge"): Record<string, string> {
  const root = `${ctx.base}/subscriptions/${ctx.cloud?.subscriptionId ?? ctx.device.subscriptionId}/providers/${namespace}/locations/${ctx.device.location}`;
  return {
    "Azure-AsyncOperation": `${root}/operations/${id}?api-version=${apiVersion}`,
    Location: `${root}/operationResults/${id}?api-version=${apiVersion}`,
    "Retry-After": retryAfterFor(ctx, ctx.operations.peek(id)),
  };
}
