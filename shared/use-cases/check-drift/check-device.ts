/**
 * Observe one device for drift and assess it. The endpoint and credential come from the
 * manifest given (callers pass the default branch's) and must pass the allow-list before
 * any secret is read (connectDevice). Any failure to observe is UNREACHABLE, never clean;
 * a manifest without `spec.arm` is skipped (the device is not managed live).
 */
import { type PortFactory, withDevice } from "../../adapters/device/connect.js";
import { translateError } from "../../adapters/device/errors.js";
import type { DeviceSettings } from "../../composition/device-settings.js";
import { type AssessInput, type DeviceDriftReport, assessObserved, assessSkipped, assessUnreachable } from "../../core/drift/assess.js";
import { observeForDrift } from "./observe-drift.js";

export interface CheckOptions {
  makePort?: PortFactory;
}

export async function checkDevice(input: AssessInput, settings: DeviceSettings, options: CheckOptions = {}): Promise<DeviceDriftReport> {
  const name = input.manifest.metadata.name;
  try {
    const { observed, reads } = await withDevice(
      input.manifest,
      settings,
      ({ port }) => observeForDrift(port, input.manifest, settings.retry),
      options.makePort,
    );
    return { ...assessObserved(input, observed), reads };
  } catch (err) {
    const error = translateError(err, name);
    const failure = { code: error.code, message: error.message, transient: error.transient };
    return error.code === "NO_ARM_SPEC" ? assessSkipped(input, failure) : assessUnreachable(input, failure);
  }
}
