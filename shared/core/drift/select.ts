/**
 * Which devices a drift check covers: all of them, the ones named, or the ones whose labels
 * match every given label. The same selector comes from the HTTP body, a repository_dispatch
 * client_payload and the CLI.
 */
import { z } from "zod";
import { DeviceName } from "../manifest/schema.js";
import { ownValue, refuseProtoKey } from "../own-keys.js";

export const DriftSelector = z.strictObject({
  devices: z.array(DeviceName).min(1).max(10_000).optional(),
  labels: z.preprocess(refuseProtoKey("label key"), z.record(z.string().min(1).max(317), z.string().max(63))).optional(),
});
export type DriftSelector = z.infer<typeof DriftSelector>;

/** client_payload may carry other keys (e.g. a reason); only devices/labels are ours. */
export const DispatchSelector = z.looseObject({
  devices: z.array(DeviceName).min(1).optional(),
  labels: z.preprocess(refuseProtoKey("label key"), z.record(z.string(), z.string())).optional(),
});

export interface Selectable {
  manifest: { metadata: { name: string; labels?: Record<string, string> } };
}

export interface Selection<T> {
  selected: T[];
  /** Named devices that no manifest defines. */
  unknown: string[];
}

export function selectDevices<T extends Selectable>(devices: readonly T[], selector: DriftSelector = {}): Selection<T> {
  const names = selector.devices ? new Set(selector.devices) : undefined;
  const labels = Object.entries(selector.labels ?? {});
  const selected = devices.filter((d) => {
    if (names && !names.has(d.manifest.metadata.name)) return false;
    const own = d.manifest.metadata.labels;
    return labels.every(([key, value]) => ownValue(own, key) === value);
  });
  const known = new Set(devices.map((d) => d.manifest.metadata.name));
  return { selected, unknown: [...(names ?? [])].filter((n) => !known.has(n)).sort() };
}
