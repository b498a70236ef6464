import { describe, expect, it } from "vitest";
import { MaintenanceWindow } from "../../shared/core/rollout/policy.js";
import { isInsideWindow, nextOpening } from "../../shared/core/rollout/windows.js";

const at = (iso: string) => Date.parse(iso);
const window = (w: Record<string, unknown>) => MaintenanceWindow.parse(w);

describe("maintenance windows", () => {
  it("opens at the local clock time of the zone, not UTC", () => {
    // 02:00-05:00 in Berlin on weekdays; in January Berlin is UTC+1.
    const w = window({ timeZone: "Europe/Berlin", days: ["Mon", "Tue", "Wed", "Thu", "Fri"], start: "02:00", duration: "3h" });
    expect(isInsideWindow(w, at("2026-01-05T00:59:00Z"))).toBe(false); // Mon 01:59 local
    expect(isInsideWindow(w, at("2026-01-05T01:00:00Z"))).toBe(true); // Mon 02:00 local
    expect(isInsideWindow(w, at("2026-01-05T03:59:59Z"))).toBe(true);
    expect(isInsideWindow(w, at("2026-01-05T04:00:00Z"))).toBe(false); // Mon 05:00 local
    expect(isInsideWindow(w, at("2026-01-04T01:30:00Z"))).toBe(false); // Sunday
    expect(nextOpening(w, at("2026-01-03T12:00:00Z"))).toBe(at("2026-01-05T01:00:00Z")); // Sat -> Mon
  });

  it("follows daylight saving time: the same local start is another UTC hour in summer", () => {
    const w = window({ timeZone: "Europe/Berlin", start: "02:30", duration: "1h" });
    expect(nextOpening(w, at("2026-07-01T00:00:00Z"))).toBe(at("2026-07-01T00:30:00Z")); // UTC+2
    expect(nextOpening(w, at("2026-12-01T00:00:00Z"))).toBe(at("2026-12-01T01:30:00Z")); // UTC+1
    // 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 -> 03:00): the window opens at 03:30 local.
    const gap = nextOpening(w, at("2026-03-29T00:00:00Z"));
    expect(gap).toBe(at("2026-03-29T01:30:00Z"));
  });

  it("a window that crosses midnight stays open into the next day", () => {
    const w = window({ timeZone: "America/New_York", days: ["Sat"], start: "22:00", duration: "6h" });
    expect(isInsideWindow(w, at("2026-06-07T05:00:00Z"))).toBe(true); // Sun 01:00 EDT
    expect(isInsideWindow(w, at("2026-06-07T08:00:00Z"))).toBe(false); // Sun 04:00 EDT
  });

  it("refuses an unknown zone, a bad clock time and a zero duration", () => {
    expect(MaintenanceWindow.safeParse({ timeZone: "Mars/Olympus", start: "02:00", duration: "1h" }).success).toBe(false);
    expect(MaintenanceWindow.safeParse({ timeZone: "UTC", start: "24:00", duration: "1h" }).success).toBe(false);
    expect(MaintenanceWindow.safeParse({ timeZone: "UTC", start: "02:00", duration: "0" }).success).toBe(false);
  });
});
