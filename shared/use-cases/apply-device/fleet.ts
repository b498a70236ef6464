/**
 * Fleet-wide observe and apply: devices in parallel under a concurrency bound, each device's
 * steps in order, one device's failure never stopping another.
 */
import type { ManifestLines } from "../../core/manifest/load.js";
import type { EdgeDevice } from "../../core/manifest/schema.js";
import { keyedRecord } from "../../core/own-keys.js";
import type { ObservedDevice } from "../../core/plan/observed.js";
import { type ApplyOptions, type ApplyResult, type PlanFn, type ProgressEvent, applyDevice } from "./apply-device.js";
import { type DeviceFailure, asDeviceError } from "../../core/errors/device-error.js";
import type { DeviceAccess } from "../../ports/device.js";
import { observe } from "../observe-device/observe.js";
import { withDevice } from "../observe-device/with-device.js";
import { vmAdminFrom } from "../../core/device/templates.js";

export interface DeviceTarget {
  manifest: EdgeDevice;
  /** Manifest path relative to the fleet root. */
  file: string;
  lines?: ManifestLines;
}

export type { DeviceFailure } from "../../core/errors/device-error.js";

export interface FleetObservation {
  /** Contract.md §2 shape: only devices that answered. */
  devices: Record<string, ObservedDevice>;
  errors: Record<string, DeviceFailure>;
}

export const DEFAULT_CONCURRENCY = 16;

/** Runs `work` over `items` with at most `limit` at once; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export interface FleetOptions {
  concurrency?: number;
}

export async function observeFleet(devices: readonly DeviceTarget[], settings: DeviceAccess, options: FleetOptions = {}): Promise<FleetObservation> {
  const out: FleetObservation = { devices: keyedRecord(), errors: keyedRecord() };
  await mapLimit(devices, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ manifest }) => {
    const name = manifest.metadata.name;
    try {
      out.devices[name] = await withDevice(settings, manifest, ({ port }) => observe(port, settings.retry));
    } catch (err) {
      const error = asDeviceError(err, name);
      out.errors[name] = { code: error.code, message: error.message, transient: error.transient };
    }
  });
  return out;
}

export interface ApplyFleetOptions extends FleetOptions {
  plan: PlanFn;
  onProgress?: (event: ProgressEvent) => void;
}

/** Failures that mean "this device may not be touched as configured", not "it broke". */
export function isRefusal(error: { code: string }): boolean {
  return (
    error.code === "ENDPOINT_NOT_ALLOWED" ||
    error.code === "NO_ARM_SPEC" ||
    error.code === "MISSING_CREDENTIAL" ||
    error.code === "CREDENTIAL_NOT_ALLOWED"
  );
}

export async function applyFleet(devices: readonly DeviceTarget[], settings: DeviceAccess, options: ApplyFleetOptions): Promise<ApplyResult[]> {
  return mapLimit(devices, options.concurrency ?? DEFAULT_CONCURRENCY, async (target) => {
    const name = target.manifest.metadata.name;
    try {
      return await withDevice(settings, target.manifest, ({ port }) => {
        const applyOptions: ApplyOptions = {
          plan: options.plan,
          retry: settings.retry,
          onProgress: options.onProgress,
          vmAdmin: vmAdminFrom(settings),
          windowsDriver: settings.windowsDriver,
        };
        return applyDevice(port, target, applyOptions);
      });
    } catch (err) {
      const error = asDeviceError(err, name);
      const refused = isRefusal(error);
      return {
        device: name,
        file: target.file,
        status: refused ? "refused" : "failed",
        stepsDone: 0,
        error: { code: error.code, message: error.message, transient: error.transient },
      } satisfies ApplyResult;
    }
  });
}
