/**
 * Weekly maintenance windows in an IANA time zone: is an instant inside one, and when does
 * the next one open. Daylight-saving shifts are honoured: a window starts at its local
 * clock time on each listed day, whatever the UTC offset that day.
 */
import { WEEKDAYS, type MaintenanceWindow } from "./policy.js";

const DAY_MS = 24 * 3600_000;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

// Intl formatters are costly to build; one per zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(instant: number, timeZone: string) {
  const parts = new Map<string, string>(
    formatter(timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const num = (type: string) => Number(parts.get(type));
  return { year: num("year"), month: num("month"), day: num("day"), hour: num("hour"), minute: num("minute"), second: num("second") };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a local wall-clock time occurs in the zone (the later offset in a gap). */
function zonedInstant(date: LocalDate, minutes: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * 60_000;
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second;
}

function addDays(date: LocalDate, days: number): LocalDate & { weekday: number } {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), weekday: t.getUTCDay() };
}

function startMinutes(window: MaintenanceWindow): number {
  const [h, m] = window.start.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** Start instants of the window's openings on local days `from`..`to` days after `instant`'s local day. */
function openings(window: MaintenanceWindow, instant: number, from: number, to: number): number[] {
  const today = localParts(instant, window.timeZone);
  const days = new Set(window.days.map((d) => WEEKDAYS.indexOf(d)));
  const result: number[] = [];
  for (let k = from; k <= to; k++) {
    const date = addDays(today, k);
    if (days.has(date.weekday)) result.push(zonedInstant(date, startMinutes(window), window.timeZone));
  }
  return result;
}

export function isInsideWindow(window: MaintenanceWindow, instant: number): boolean {
  // A window lasts at most 7 days, so one that opened up to 8 local days ago may still be open.
  return openings(window, instant, -8, 0).some((start) => start <= instant && instant < start + window.duration);
}

/** `instant` itself when inside, else when the window next opens. */
export function nextOpening(window: MaintenanceWindow, instant: number): number {
  if (isInsideWindow(window, instant)) return instant;
  const next = openings(window, instant, 0, 8).filter((start) => start > instant);
  return next.length > 0 ? Math.min(...next) : instant + 7 * DAY_MS;
}

/** A device with no window may start any time; with several, inside any of them. */
export function mayStartAt(windows: readonly MaintenanceWindow[], instant: number): boolean {
  return windows.length === 0 || windows.some((w) => isInsideWindow(w, instant));
}

export function nextStartAt(windows: readonly MaintenanceWindow[], instant: number): number {
  if (windows.length === 0) return instant;
  return Math.min(...windows.map((w) => nextOpening(w, instant)));
}
