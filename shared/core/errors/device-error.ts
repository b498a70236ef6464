/**
 * Failures of talking to a device, with stable codes. The device adapter turns provider
 * errors into these (adapters/device/errors.ts translateError); the core raises a few itself
 * (the allow-list, template checks).
 */
import { ControllerError } from "./controller-error.js";

export const DEVICE_ERROR_CODES = [
  "ENDPOINT_NOT_ALLOWED",
  "MISSING_CREDENTIAL",
  "CREDENTIAL_NOT_ALLOWED",
  "TOKEN_ENDPOINT_NOT_ALLOWED",
  "FOREIGN_HOST_REFUSED",
  "NO_ARM_SPEC",
  "AUTHENTICATION_FAILED",
  "UNAUTHORIZED",
  "TLS_FAILED",
  "UNSUPPORTED_API_VERSION",
  "THROTTLED",
  "SERVER_ERROR",
  "NETWORK_ERROR",
  "OPERATION_FAILED",
  "NO_GPU_AVAILABLE",
  "DEPLOYMENT_FAILED",
  "NOT_FOUND",
  "CONFLICT",
  "BAD_REQUEST",
  "UNEXPECTED_RESPONSE",
  "PLAN_INFEASIBLE",
  "NOT_CONVERGED",
  "UPDATE_DID_NOT_REACH_TARGET",
  "INTERNAL",
] as const;
export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

export class DeviceError extends ControllerError {
  constructor(
    readonly code: DeviceErrorCode,
    message: string,
    readonly transient: boolean,
    readonly details: { status?: number; providerCode?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

/**
 * A DeviceError as is; anything else (a bug: adapters translate what their SDKs throw) as a
 * terminal INTERNAL one, its first line prefixed with `context`.
 */
export function asDeviceError(error: unknown, context = ""): DeviceError {
  if (error instanceof DeviceError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const first = (text.split("\n")[0] ?? "").slice(0, 500);
  return new DeviceError("INTERNAL", context ? `${context}: ${first}` : first, false);
}

/** A device failure as plans, reports and drift records keep it (no stack, no details). */
export interface DeviceFailure {
  code: string;
  message: string;
  transient: boolean;
}
