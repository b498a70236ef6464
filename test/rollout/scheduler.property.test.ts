/**
 * Property tests of the rollout scheduler, driven like the rollout use case drives it:
 * random fleets and policies, random device outcomes, approvals, pauses and clock jumps.
 * Each decision is checked against rules restated from the policy, not from the code:
 * never more than maxParallel devices of a wave at once, never a wave before the previous
 * one converged and soaked, never a device outside its window, nothing new while paused,
 * halted or unapproved.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MaintenanceWindow, WEEKDAYS } from "../../shared/core/rollout/policy.js";
import { schedule, type DeviceRolloutState } from "../../shared/core/rollout/scheduler.js";
import type { AssignedWave } from "../../shared/core/rollout/waves.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const START = Date.parse("2026-01-05T00:00:00Z");

/** UTC windows only, so the oracle below is plain arithmetic, independent of the code's zone handling. */
const windowArb = fc.record({
  days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  startMinute: fc.integer({ min: 0, max: 23 * 60 + 59 }),
  durationMinutes: fc.integer({ min: 30, max: 12 * 60 }),
});
type WindowShape = { days: (typeof WEEKDAYS)[number][]; startMinute: number; durationMinutes: number };

function insideOracle(w: WindowShape, now: number): boolean {
  for (let k = 0; k <= 8; k++) {
    const dayStart = Math.floor(now / DAY) * DAY - k * DAY;
    const weekday = WEEKDAYS[new Date(dayStart).getUTCDay()]!;
    if (!w.days.includes(weekday)) continue;
    const open = dayStart + w.startMinute * MINUTE;
    if (open <= now && now < open + w.durationMinutes * MINUTE) return true;
  }
  return false;
}

const toWindow = (w: WindowShape) =>
  MaintenanceWindow.parse({
    timeZone: "UTC",
    days: w.days,
    start: `${String(Math.floor(w.startMinute / 60)).padStart(2, "0")}:${String(w.startMinute % 60).padStart(2, "0")}`,
    duration: `${w.durationMinutes}m`,
  });

const waveArb = fc.record({
  size: fc.integer({ min: 0, max: 6 }),
  maxParallel: fc.integer({ min: 1, max: 4 }),
  maxFailures: fc.integer({ min: 0, max: 2 }),
  soakMinutes: fc.constantFrom(0, 0, 30, 240),
  approval: fc.boolean(),
});

const fleetArb = fc.record({
  waves: fc.array(waveArb, { minLength: 1, maxLength: 4 }),
  // One optional window per device slot (index modulo the list).
  windows: fc.array(fc.option(windowArb, { freq: 2 }), { minLength: 1, maxLength: 6 }),
});

const actionArb = fc.oneof(
  fc.record({ kind: fc.constant("tick" as const), minutes: fc.integer({ min: 1, max: 3 * 24 * 60 }) }),
  fc.record({ kind: fc.constant("finish" as const), pick: fc.nat(), ok: fc.boolean() }),
  fc.record({ kind: fc.constant("approve" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("pause" as const) }),
  fc.record({ kind: fc.constant("resume" as const) }),
);

interface FleetShape {
  waves: Array<{ size: number; maxParallel: number; maxFailures: number; soakMinutes: number; approval: boolean }>;
  windows: Array<WindowShape | null>;
}

function buildFleet(shape: FleetShape) {
  let n = 0;
  const waves: AssignedWave[] = shape.waves.map((w, i) => ({
    name: `wave-${i}`,
    devices: Array.from({ length: w.size }, () => `d${String(n++).padStart(2, "0")}`),
    maxParallel: w.maxParallel,
    maxFailures: w.maxFailures,
    soakMs: w.soakMinutes * MINUTE,
    approval: w.approval,
  }));
  const shapes = new Map<string, WindowShape>();
  const windows = new Map<string, MaintenanceWindow[]>();
  waves
    .flatMap((w) => w.devices)
    .forEach((device, i) => {
      const w = shape.windows[i % shape.windows.length];
      if (w) {
        shapes.set(device, w);
        windows.set(device, [toWindow(w)]);
      }
    });
  return { waves, windows, shapes };
}

describe("rollout scheduler properties", () => {
  it("keeps every rule at every decision", () => {
    fc.assert(
      fc.property(fleetArb, fc.array(actionArb, { maxLength: 60 }), (shape, actions) => {
        const { waves, windows, shapes } = buildFleet(shape);
        const devices = new Map<string, DeviceRolloutState>();
        const waveCompletedAt = new Map<string, number>();
        const approvedWaves = new Set<string>();
        let paused = false;
        let now = START;
        const waveOf = new Map(waves.flatMap((w, i) => w.devices.map((d) => [d, i] as const)));
        const stateOf = (d: string) => devices.get(d) ?? "pending";

        const decide = () => {
          const decision = schedule({ waves, windows, state: { devices, waveCompletedAt, approvedWaves, paused, aborted: false }, now });
          for (const c of decision.completed) waveCompletedAt.set(c.wave, c.at);
          const halted = waves.some((w) => w.devices.filter((d) => stateOf(d) === "failed").length > w.maxFailures);
          if (paused || halted) expect(decision.start).toEqual([]);
          for (const device of decision.start) {
            expect(stateOf(device)).toBe("pending");
            const index = waveOf.get(device)!;
            const wave = waves[index]!;
            if (wave.approval) expect(approvedWaves.has(wave.name)).toBe(true);
            const own = shapes.get(device);
            if (own) expect(insideOracle(own, now)).toBe(true);
            for (const earlier of waves.slice(0, index)) {
              const states = earlier.devices.map(stateOf);
              expect(states.every((s) => s === "converged" || s === "failed")).toBe(true);
              expect(states.filter((s) => s === "failed").length).toBeLessThanOrEqual(earlier.maxFailures);
              if (earlier.devices.length > 0) {
                const completedAt = waveCompletedAt.get(earlier.name);
                expect(completedAt).toBeDefined();
                expect(now).toBeGreaterThanOrEqual(completedAt! + earlier.soakMs);
              }
            }
          }
          for (const device of decision.start) devices.set(device, "running");
          for (const wave of waves) {
            expect(wave.devices.filter((d) => stateOf(d) === "running").length).toBeLessThanOrEqual(wave.maxParallel);
          }
          if (decision.wakeAt !== undefined) expect(decision.wakeAt).toBeGreaterThan(now);
        };

        decide();
        for (const action of actions) {
          if (action.kind === "tick") now += action.minutes * MINUTE;
          else if (action.kind === "pause") paused = true;
          else if (action.kind === "resume") paused = false;
          else if (action.kind === "approve") {
            const wave = waves[action.pick % waves.length]!;
            approvedWaves.add(wave.name);
          } else {
            const running = [...devices].filter(([, s]) => s === "running").map(([d]) => d);
            if (running.length > 0) devices.set(running[action.pick % running.length]!, action.ok ? "converged" : "failed");
          }
          decide();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("finishes every rollout whose devices all succeed, once approved and given time", () => {
    fc.assert(
      fc.property(fleetArb, (shape) => {
        const { waves, windows } = buildFleet(shape);
        const devices = new Map<string, DeviceRolloutState>();
        const waveCompletedAt = new Map<string, number>();
        const approvedWaves = new Set(waves.map((w) => w.name));
        let now = START;
        for (let round = 0; round < 500; round++) {
          const d = schedule({ waves, windows, state: { devices, waveCompletedAt, approvedWaves, paused: false, aborted: false }, now });
          for (const c of d.completed) waveCompletedAt.set(c.wave, c.at);
          if (d.status === "succeeded") return;
          for (const device of d.start) devices.set(device, "running");
          const running = [...devices].filter(([, s]) => s === "running");
          if (running.length > 0) for (const [device] of running) devices.set(device, "converged");
          else now = d.wakeAt ?? now + MINUTE;
        }
        throw new Error("the rollout never finished");
      }),
      { numRuns: 200 },
    );
  });

  it("halts at the wave whose failures pass its threshold and leaves later waves untouched", () => {
    const waves: AssignedWave[] = [
      { name: "canary", devices: ["c1"], maxParallel: 1, maxFailures: 0, soakMs: 0, approval: false },
      { name: "stores", devices: ["s1", "s2", "s3"], maxParallel: 3, maxFailures: 1, soakMs: 0, approval: false },
      { name: "rest", devices: ["r1"], maxParallel: 1, maxFailures: 0, soakMs: 0, approval: false },
    ];
    const devices = new Map<string, DeviceRolloutState>([
      ["c1", "converged"],
      ["s1", "failed"],
      ["s2", "failed"],
      ["s3", "running"],
    ]);
    const d = schedule({
      waves,
      windows: new Map(),
      state: { devices, waveCompletedAt: new Map([["canary", START]]), approvedWaves: new Set(), paused: false, aborted: false },
      now: START,
    });
    expect(d.status).toBe("halted");
    expect(d.halted).toEqual({ wave: "stores", failed: ["s1", "s2"] });
    expect(d.start).toEqual([]);
    expect(d.waves.map((w) => w.phase)).toEqual(["done", "halted", "pending"]);
  });
});
