/**
 * The rollout scheduler: a pure function from the rollout's recorded state and the clock to
 * what happens next. The use case records its answer (devices started, waves completed) and
 * calls it again when a device finishes or at `wakeAt`; nothing here waits or does I/O.
 *
 * Rules, in wave order:
 * - a wave whose failures pass its `maxFailures` halts the rollout: nothing new starts;
 * - a wave is complete when every device converged or failed (within its threshold); the
 *   next wave starts once `soak` has passed since then, and, when it needs approval, once a
 *   person approved it;
 * - inside a wave at most `maxParallel` devices run at once, each started only inside its
 *   maintenance windows;
 * - paused or aborted: nothing new starts (running devices finish their work).
 */
import type { MaintenanceWindow } from "./policy.js";
import type { AssignedWave } from "./waves.js";
import { mayStartAt, nextStartAt } from "./windows.js";

export type DeviceRolloutState = "pending" | "running" | "converged" | "failed";

export type WavePhase = "pending" | "waitingForApproval" | "waitingForWindow" | "running" | "soaking" | "done" | "halted";

export type RolloutStatus = "running" | "paused" | "waitingForApproval" | "halted" | "aborted" | "succeeded";

export interface RolloutState {
  /** Every device of the rollout; a device not in the map is pending. */
  devices: ReadonlyMap<string, DeviceRolloutState>;
  /** When each complete wave completed (epoch ms), as recorded from earlier decisions. */
  waveCompletedAt: ReadonlyMap<string, number>;
  approvedWaves: ReadonlySet<string>;
  paused: boolean;
  aborted: boolean;
}

export interface WaveView {
  name: string;
  phase: WavePhase;
  pending: number;
  running: number;
  converged: number;
  failed: number;
  /** Pending devices outside their maintenance window right now. */
  waitingForWindow: string[];
  failedDevices: string[];
}

export interface ScheduleDecision {
  status: RolloutStatus;
  /** Devices to start now. */
  start: string[];
  /** Waves that completed with this decision: record them in `waveCompletedAt`. */
  completed: Array<{ wave: string; at: number }>;
  waves: WaveView[];
  /** The wave that halted the rollout, when it is halted. */
  halted?: { wave: string; failed: string[] };
  /** Look again then (a soak ends, a window opens) even if no device finishes. */
  wakeAt?: number;
}

export interface ScheduleInput {
  waves: readonly AssignedWave[];
  windows: ReadonlyMap<string, readonly MaintenanceWindow[]>;
  state: RolloutState;
  now: number;
}

const NO_WINDOWS: readonly MaintenanceWindow[] = [];

function viewOf(wave: AssignedWave, state: RolloutState): WaveView {
  const view: WaveView = {
    name: wave.name,
    phase: "pending",
    pending: 0,
    running: 0,
    converged: 0,
    failed: 0,
    waitingForWindow: [],
    failedDevices: [],
  };
  for (const device of wave.devices) {
    const s = state.devices.get(device) ?? "pending";
    view[s]++;
    if (s === "failed") view.failedDevices.push(device);
  }
  return view;
}

export function schedule(input: ScheduleInput): ScheduleDecision {
  const { waves, windows, state, now } = input;
  const views = waves.map((wave) => viewOf(wave, state));
  const decision: ScheduleDecision = { status: "running", start: [], completed: [], waves: views };
  const wake = (at: number) => {
    if (at > now) decision.wakeAt = Math.min(decision.wakeAt ?? Infinity, at);
  };
  const stopped = state.paused || state.aborted;
  let reachedEnd = true;

  for (const [index, wave] of waves.entries()) {
    const view = views[index]!;
    if (view.failed > wave.maxFailures) {
      view.phase = "halted";
      decision.halted = { wave: wave.name, failed: view.failedDevices };
      reachedEnd = false;
      break;
    }
    if (view.pending === 0 && view.running === 0) {
      const completedAt = state.waveCompletedAt.get(wave.name) ?? now;
      if (!state.waveCompletedAt.has(wave.name)) decision.completed.push({ wave: wave.name, at: now });
      // An empty wave has nothing to soak.
      if (wave.devices.length > 0 && now < completedAt + wave.soakMs) {
        view.phase = "soaking";
        wake(completedAt + wave.soakMs);
        reachedEnd = false;
        break;
      }
      view.phase = "done";
      continue;
    }
    reachedEnd = false;
    const started = view.running + view.converged + view.failed;
    if (wave.approval && !state.approvedWaves.has(wave.name) && started === 0) {
      view.phase = "waitingForApproval";
      break;
    }
    let slots = stopped ? 0 : wave.maxParallel - view.running;
    for (const device of wave.devices) {
      if ((state.devices.get(device) ?? "pending") !== "pending") continue;
      const own = windows.get(device) ?? NO_WINDOWS;
      if (!mayStartAt(own, now)) {
        view.waitingForWindow.push(device);
        wake(nextStartAt(own, now));
        continue;
      }
      if (slots > 0) {
        decision.start.push(device);
        slots--;
      }
    }
    const moving = view.running + decision.start.length;
    view.phase = moving > 0 ? "running" : view.waitingForWindow.length > 0 ? "waitingForWindow" : "pending";
    break;
  }

  if (state.aborted) decision.status = "aborted";
  else if (decision.halted) decision.status = "halted";
  else if (reachedEnd) decision.status = "succeeded";
  else if (state.paused) decision.status = "paused";
  else if (views.some((v) => v.phase === "waitingForApproval")) decision.status = "waitingForApproval";
  if (decision.status !== "running" && decision.status !== "paused") delete decision.wakeAt;
  return decision;
}
