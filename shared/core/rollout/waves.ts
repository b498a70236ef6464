/**
 * Which devices go in which wave. A device goes to the first wave whose labels it carries
 * (a wave without labels, the last, takes the rest). A device no wave selects is left out
 * of the rollout; one that two waves select is warned about. Both show in the plan.
 */
import type { MaintenanceWindow, RolloutPolicy } from "./policy.js";
import { resolveCount } from "./policy.js";

export interface RolloutDevice {
  name: string;
  labels?: Readonly<Record<string, string>>;
}

export interface AssignedWave {
  name: string;
  /** Device names, sorted: the order devices start in. */
  devices: string[];
  maxParallel: number;
  maxFailures: number;
  soakMs: number;
  approval: boolean;
}

export interface WaveAssignment {
  waves: AssignedWave[];
  /** Devices no wave selects: not rolled out. */
  unselected: string[];
  /** Devices more than one wave selects, with every wave that does (they go in the first). */
  overlapping: Array<{ device: string; waves: string[] }>;
  /** Per device, the maintenance windows that apply to it. */
  windows: ReadonlyMap<string, readonly MaintenanceWindow[]>;
}

/** Own labels only: a label named `__proto__` or `toString` is just a label. */
function hasLabels(device: RolloutDevice, wanted: Readonly<Record<string, string>> | undefined): boolean {
  if (!wanted) return true;
  const own = device.labels ?? {};
  return Object.entries(wanted).every(([key, value]) => Object.hasOwn(own, key) && own[key] === value);
}

export function assignWaves(policy: RolloutPolicy, devices: readonly RolloutDevice[]): WaveAssignment {
  const sorted = [...devices].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const members = policy.spec.waves.map(() => [] as string[]);
  const unselected: string[] = [];
  const overlapping: WaveAssignment["overlapping"] = [];
  for (const device of sorted) {
    // A wave without labels takes only what no labelled wave took.
    const selecting = policy.spec.waves.flatMap((wave, index) => (wave.labels && hasLabels(device, wave.labels) ? [index] : []));
    const catchAll = policy.spec.waves.findIndex((wave) => !wave.labels);
    const first = selecting[0] ?? (catchAll >= 0 ? catchAll : undefined);
    if (first === undefined) unselected.push(device.name);
    else members[first]!.push(device.name);
    if (selecting.length > 1) overlapping.push({ device: device.name, waves: selecting.map((i) => policy.spec.waves[i]!.name) });
  }
  const waves = policy.spec.waves.map((wave, index): AssignedWave => {
    const names = members[index]!;
    return {
      name: wave.name,
      devices: names,
      maxParallel: Math.max(1, resolveCount(wave.maxParallel, names.length, names.length)),
      maxFailures: resolveCount(wave.maxFailures ?? policy.spec.maxFailures, names.length, 0),
      soakMs: wave.soak,
      approval: wave.approval === "required",
    };
  });
  const windows = new Map<string, readonly MaintenanceWindow[]>();
  for (const device of sorted) {
    const own = policy.spec.maintenanceWindows.filter((w) => hasLabels(device, w.labels));
    if (own.length > 0) windows.set(device.name, own);
  }
  return { waves, unselected, overlapping, windows };
}
