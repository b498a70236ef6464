/**
 * The one place provider errors (RestError from the Azure SDKs, LRO failures, socket errors,
 * MSAL/identity errors) become DeviceErrors with a stable `code` and a transient/terminal
 * class. Callers branch on `code` and `transient`, never on messages.
 */

import { DeviceError, type DeviceErrorCode } from "../../core/errors/device-error.js";

export { DEVICE_ERROR_CODES, DeviceError, type DeviceErrorCode } from "../../core/errors/device-error.js";

const TRANSIENT_SOCKET = /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|UND_ERR_SOCKET)$/;
export const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME_MISMATCH|DEPTH_ZERO/;

/** Provider codes (ARM, and the simulator's names for device refusals) and what they mean. */
const PROVIDER_CODES: Record<string, { code: DeviceErrorCode; transient: boolean }> = {
  NoGpuAvailable: { code: "NO_GPU_AVAILABLE", transient: false },
  InvalidApiVersionParameter: { code: "UNSUPPORTED_API_VERSION", transient: false },
  NoRegisteredProviderFound: { code: "UNSUPPORTED_API_VERSION", transient: false },
  MissingApiVersionParameter: { code: "UNSUPPORTED_API_VERSION", transient: false },
  InternalOperationError: { code: "OPERATION_FAILED", transient: true },
  InternalServerError: { code: "SERVER_ERROR", transient: true },
  TooManyRequests: { code: "THROTTLED", transient: true },
  AuthenticationFailed: { code: "UNAUTHORIZED", transient: false },
  InvalidAuthenticationToken: { code: "UNAUTHORIZED", transient: false },
  ExpiredAuthenticationToken: { code: "UNAUTHORIZED", transient: true },
  DeploymentActive: { code: "CONFLICT", transient: true },
};

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  statusCode?: number;
  status?: number;
  response?: { status?: number; headers?: { get?(name: string): string | undefined }; bodyAsText?: string | null };
  details?: unknown;
  cause?: unknown;
  errorResponse?: { error?: string; errorDescription?: string };
}

function retryAfterMs(err: ErrorLike): number | undefined {
  const value = err.response?.headers?.get?.("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** The ARM error code inside an error: `code`, `details.error.code`, or the response body. */
function providerCode(err: ErrorLike): string | undefined {
  if (typeof err.code === "string" && !TRANSIENT_SOCKET.test(err.code) && err.code !== "REQUEST_SEND_ERROR") return err.code;
  const details = err.details as { error?: { code?: string } } | undefined;
  if (details?.error?.code) return details.error.code;
  // core-lro reports a Failed operation only in its message: "...has failed. <code>. <text>".
  const lro = /long-running operation has failed\. ([A-Za-z][\w.]*)\. /.exec(err.message ?? "");
  if (lro) return lro[1];
  const text = err.response?.bodyAsText;
  if (text) {
    try {
      const body = JSON.parse(text) as { error?: { code?: string } };
      if (body.error?.code) return body.error.code;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

function socketCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 4) return undefined;
  const e = err as ErrorLike;
  if (typeof e.code === "string" && (TRANSIENT_SOCKET.test(e.code) || TLS_CODES.test(e.code))) return e.code;
  return socketCode(e.cause, depth + 1);
}

export function translateError(err: unknown, context = ""): DeviceError {
  if (err instanceof DeviceError) return err;
  const e = (err ?? {}) as ErrorLike;
  const prefix = context ? `${context}: ` : "";
  const message = `${prefix}${e.message ?? String(err)}`.split("\n")[0]!.slice(0, 500);
  const socket = socketCode(err);
  if (socket && TLS_CODES.test(socket)) {
    return new DeviceError(
      "TLS_FAILED",
      `${prefix}TLS verification failed (${socket}); set ASE_GITOPS_DEVICE_CA to the device's CA certificate`,
      false,
    );
  }
  if (e.name === "AuthenticationError" || e.name === "AuthenticationRequiredError" || e.name === "CredentialUnavailableError" || e.errorResponse) {
    const inner = socketCode(e.cause);
    if (inner && TLS_CODES.test(inner))
      return new DeviceError("TLS_FAILED", `${prefix}TLS verification failed for the token service (${inner})`, false);
    const transient = /ECONN|ETIMEDOUT|socket|network/i.test(message);
    return new DeviceError(transient ? "NETWORK_ERROR" : "AUTHENTICATION_FAILED", message, transient);
  }
  // MSAL failures can also arrive wrapped by the SDK pipelines, known only by their text:
  // the token service did not answer, or it refused the password.
  if (/\bendpoints_resolution_error\b/.test(message)) return new DeviceError("NETWORK_ERROR", message, true);
  if (/\binvalid_grant\b|\bMSIS\d{4}\b|\bAADSTS\d+\b|\binvalid_client\b/.test(message)) {
    return new DeviceError("AUTHENTICATION_FAILED", message, false);
  }
  const status = e.statusCode ?? e.response?.status ?? e.status;
  const provider = providerCode(e);
  const known = provider ? PROVIDER_CODES[provider] : undefined;
  const details = { status, providerCode: provider, retryAfterMs: retryAfterMs(e) };
  if (known) return new DeviceError(known.code, message, known.transient, details);
  if (status === 429) return new DeviceError("THROTTLED", message, true, details);
  if (status === 401 || status === 403) return new DeviceError("UNAUTHORIZED", message, false, details);
  if (status !== undefined && status >= 500) return new DeviceError("SERVER_ERROR", message, true, details);
  if (status === 404) return new DeviceError("NOT_FOUND", message, false, details);
  if (status === 409) return new DeviceError("CONFLICT", message, false, details);
  if (status === 400) return new DeviceError("BAD_REQUEST", message, false, details);
  if (socket || e.code === "REQUEST_SEND_ERROR" || /socket hang up|ECONNRESET|network/i.test(message)) {
    return new DeviceError("NETWORK_ERROR", message, true, details);
  }
  return new DeviceError("INTERNAL", message, false, details);
}
