/**
 * Observe one device for drift and assess it. The endpoint and credential come from the
 * manifest given (callers pass the default branch's) and must pass the allow-list before
 * any secret is read (connectDevice). Any failure to observe is UNREACHABLE, never clean;
 * a manifest without `spec.arm` is skipped (the device is not managed live).
 */
import { type PortFactory, connectDevice } from "../device/connect.js";
import { translateError } from "../device/errors.js";
import type { DeviceSettings } from "../device/settings.js";
import { type AssessInput, type DeviceDriftReport, assessObserved, assessSkipped, assessUnreachable } from "./assess.js";
import { observeForDrift } from "./observe-drift.js";

export interface CheckOptions {
  makePort?: PortFactory;
}

export async function checkDevice(input: AssessInput, settings: DeviceSettings, options: CheckOptions = {}): Promise<DeviceDriftReport> {
  const name = input.manifest.metadata.name;
  try {
    const { port } = connectDevice(input.manifest, settings, options.makePort);
    const { observed, reads } = await observeForDrift(port, input.manifest, settings.retry);
    return { ...assessObserved(input, observed), reads };
  } catch (err) {
    const error = translateError(err, name);
    const failure = { code: failureCode(error.code, error.message), message: error.message, transient: error.transient };
    return error.code === "NO_ARM_SPEC" ? assessSkipped(input, failure) : assessUnreachable(input, failure);
  }
}

/**
 * MSAL failures reach us through the SDK pipelines in shapes translateError does not sort
 * out: a refused password as a plain error carrying `invalid_grant` (or an ADFS MSIS code),
 * a token service that does not answer as `endpoints_resolution_error`. The report names
 * them for what they are: the credential was refused, or the device did not answer.
 */
function failureCode(code: string, message: string): string {
  if (/\bendpoints_resolution_error\b/.test(message)) return "NETWORK_ERROR";
  if (code === "INTERNAL" && /\binvalid_grant\b|\bMSIS\d{4}\b|\bAADSTS\d+\b|\binvalid_client\b/.test(message)) return "AUTHENTICATION_FAILED";
  return code;
}
