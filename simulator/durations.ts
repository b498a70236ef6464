/**
 * How long the simulated device's long-running operations take. The defaults are a real
 * device's (domain.md §6); `timeScale` shrinks them all by one factor so tests and demos run
 * fast with the same ratios (0.001 turns an 18-minute VM create into about a second).
 */
import { z } from "zod";

/** Seconds at scale 1. */
export const DEFAULT_DURATIONS_SEC = {
  /** A deployment that creates (or updates) a VM. */
  createVm: 18 * 60,
  /** A deployment of only the GPU driver extension. */
  installGpuExtension: 10 * 60,
  /** Any other deployment (a NIC alone). */
  deployment: 60,
  configureKubernetes: 25 * 60,
  removeKubernetes: 10 * 60,
  downloadUpdates: 15 * 60,
  installUpdates: 70 * 60,
  scanForUpdates: 60,
  startVm: 3 * 60,
  deallocateVm: 3 * 60,
  powerOffVm: 3 * 60,
  resizeVm: 3 * 60,
  deleteVm: 5 * 60,
  deleteNic: 10,
  deleteDeployment: 5,
} as const;

export type OperationKind = keyof typeof DEFAULT_DURATIONS_SEC;
export const OPERATION_KINDS = Object.keys(DEFAULT_DURATIONS_SEC) as OperationKind[];

/** `ASE_GITOPS_SIM_TIME_SCALE`: the scale when the caller gives none. */
export const TIME_SCALE_ENV = "ASE_GITOPS_SIM_TIME_SCALE";

export const TimeScale = z.number().positive().max(1000);
export const Durations = z.record(z.string(), z.number().min(0)).superRefine((value, ctx) => {
  for (const kind of Object.keys(value)) {
    if (!(OPERATION_KINDS as string[]).includes(kind)) {
      ctx.addIssue({ code: "custom", message: `unknown operation kind ${kind} (known: ${OPERATION_KINDS.join(", ")})` });
    }
  }
});

export class DurationSpecError extends Error {}

/** The scale from the environment, or 1; a bad value is an error, never silently 1. */
export function timeScaleFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env[TIME_SCALE_ENV]?.trim();
  if (!raw) return 1;
  const parsed = TimeScale.safeParse(Number(raw));
  if (!parsed.success) throw new DurationSpecError(`${TIME_SCALE_ENV} must be a positive number (e.g. 0.001), not ${JSON.stringify(raw)}`);
  return parsed.data;
}

/** `KIND=SECONDS` (the CLI's --duration), checked. */
export function parseDurationSpec(spec: string): [OperationKind, number] {
  const match = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(spec.trim());
  if (!match) throw new DurationSpecError(`expected KIND=SECONDS, e.g. createVm=60, not ${JSON.stringify(spec)}`);
  const kind = match[1] as OperationKind;
  if (!OPERATION_KINDS.includes(kind)) throw new DurationSpecError(`unknown operation kind ${kind} (known: ${OPERATION_KINDS.join(", ")})`);
  return [kind, Number(match[2])];
}

export interface OperationClock {
  readonly timeScale: number;
  /** Milliseconds the operation takes at this scale. */
  durationMs(kind: OperationKind): number;
}

/** Durations in seconds at scale 1 (defaults, then overrides), all multiplied by the scale. */
export function createOperationClock(timeScale: number, overrides: Partial<Record<OperationKind, number>> = {}): OperationClock {
  const seconds = new Map<OperationKind, number>();
  for (const kind of OPERATION_KINDS) seconds.set(kind, overrides[kind] ?? DEFAULT_DURATIONS_SEC[kind]);
  return {
    timeScale,
    durationMs: (kind) => (seconds.get(kind) ?? 0) * 1000 * timeScale,
  };
}
