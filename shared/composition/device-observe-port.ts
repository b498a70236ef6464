/**
 * The observe port backed by the device adapters (shared/device): reads the devices a plan
 * may contact, using only their default-branch manifests. A device that cannot be read is
 * planned as new, and the comment says which and why.
 */
import { observeFleet } from "../use-cases/apply-device/fleet.js";
import type { DeviceSettings } from "./device-settings.js";
import { code } from "../core/markdown/escape.js";
import type { ObservePort } from "../ports/observe.js";

export function createDeviceObservePort(settings: DeviceSettings, options: { concurrency?: number } = {}): ObservePort {
  return async (targets) => {
    if (targets.length === 0) return { observed: { devices: {} }, notes: [] };
    const result = await observeFleet(
      targets.map((target) => ({ manifest: target.manifest, file: target.file })),
      settings,
      options.concurrency ? { concurrency: options.concurrency } : {},
    );
    const failed = Object.entries(result.errors).sort(([a], [b]) => (a < b ? -1 : 1));
    const notes = failed
      .slice(0, 8)
      .map(([name, error]) => `Device ${code(name)} could not be observed (${error.code}: ${error.message.slice(0, 200)}): planned as if new.`);
    if (failed.length > 8) notes.push(`${failed.length - 8} more devices could not be observed and were planned as if new.`);
    const read = Object.keys(result.devices).length;
    if (read > 0) notes.unshift(`Observed state read from ${read} device${read === 1 ? "" : "s"} (endpoints from the default branch).`);
    return { observed: { devices: result.devices }, notes };
  };
}
