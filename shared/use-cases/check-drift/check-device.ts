/**
 * Observe one device for drift and assess it. The endpoint and credential come from the
 * manifest given (callers pass the default branch's) and must pass the allow-list before
 * any secret is read (connectDevice). Any failure to observe is UNREACHABLE, never clean;
 * a manifest without `spec.arm` is skipped (the device is not managed live).
 */
import { asDeviceError } from "../../core/errors/device-error.js";
import type { DeviceAccess } from "../../ports/device.js";
import { withDevice } from "../observe-device/with-device.js";
import { type AssessInput, type DeviceDriftReport, assessObserved, assessSkipped, assessUnreachable } from "../../core/drift/assess.js";
import { observeForDrift } from "./observe-drift.js";

export async function checkDevice(input: AssessInput, settings: DeviceAccess): Promise<DeviceDriftReport> {
  const name = input.manifest.metadata.name;
  try {
    const { observed, reads } = await withDevice(settings, input.manifest, ({ port }) => observeForDrift(port, input.manifest, settings.retry));
    return { ...assessObserved(input, observed), reads };
  } catch (err) {
    const error = asDeviceError(err, name);
    const failure = { code: error.code, message: error.message, transient: error.transient };
    return error.code === "NO_ARM_SPEC" ? assessSkipped(input, failure) : assessUnreachable(input, failure);
  }
}
