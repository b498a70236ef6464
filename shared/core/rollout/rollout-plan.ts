/**
 * The rollout a merge would run, as the plan shows it: which devices go in which wave, with
 * the wave's parallelism and gates, and warnings for devices no wave selects or two waves
 * select. Pure: computed from the loaded policy and the plan's devices.
 */
import type { RolloutPolicy } from "./policy.js";
import { assignWaves, type RolloutDevice } from "./waves.js";

export interface LoadedRolloutPolicy {
  policy: RolloutPolicy;
  /** Path relative to the fleet root. */
  file: string;
  line: number;
}

export interface RolloutWavePlan {
  name: string;
  devices: string[];
  maxParallel: number;
  maxFailures: number;
  soakSeconds: number;
  approval: "required" | "none";
}

export interface RolloutWarning {
  code: "ROLLOUT_DEVICE_UNSELECTED" | "ROLLOUT_DEVICE_IN_TWO_WAVES" | "ROLLOUT_POLICY_DUPLICATE";
  /** The device concerned; empty for a warning about the policy itself. */
  device: string;
  message: string;
}

export interface RolloutPlan {
  policy: string;
  file: string;
  waves: RolloutWavePlan[];
  warnings: RolloutWarning[];
  /** Devices with a maintenance window: they start only inside it. */
  windowed: string[];
}

export function planRollout(loaded: LoadedRolloutPolicy, devices: readonly RolloutDevice[]): RolloutPlan {
  const assignment = assignWaves(loaded.policy, devices);
  const warnings: RolloutWarning[] = [
    ...assignment.unselected.map((device): RolloutWarning => ({
      code: "ROLLOUT_DEVICE_UNSELECTED",
      device,
      message: `no wave of rollout policy ${loaded.policy.metadata.name} selects ${device}: it is not rolled out (add a last wave without labels to take the rest)`,
    })),
    ...assignment.overlapping.map(({ device, waves }): RolloutWarning => ({
      code: "ROLLOUT_DEVICE_IN_TWO_WAVES",
      device,
      message: `waves ${waves.join(", ")} all select ${device}: it goes in the first, ${waves[0]}`,
    })),
  ];
  return {
    policy: loaded.policy.metadata.name,
    file: loaded.file,
    waves: assignment.waves.map((wave) => ({
      name: wave.name,
      devices: wave.devices,
      maxParallel: wave.maxParallel,
      maxFailures: wave.maxFailures,
      soakSeconds: Math.round(wave.soakMs / 1000),
      approval: wave.approval ? "required" : "none",
    })),
    warnings,
    windowed: [...assignment.windows.keys()],
  };
}

/** `90s`, `30m`, `2h 30m`, `1d 2h` for a soak. */
export function describeSeconds(seconds: number): string {
  if (seconds === 0) return "none";
  const units: Array<[string, number]> = [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  let left = seconds;
  for (const [unit, size] of units) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.join(" ");
}
