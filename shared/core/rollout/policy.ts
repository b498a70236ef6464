/**
 * The rollout policy (contract.md §11): a document of kind `RolloutPolicy` in the fleet
 * repository that splits a merge's devices into ordered waves, each with its own
 * parallelism, failure threshold, soak time and approval gate, plus weekly maintenance
 * windows per label. No policy: every device at once (today's behaviour).
 */
import { z } from "zod";
import { API_VERSION } from "../manifest/schema.js";

export const ROLLOUT_KIND = "RolloutPolicy";

const LabelMap = z.record(z.string().min(1).max(317), z.string().max(63));

/** `3` devices, or `"25%"` of the wave (rounded up, at least 1). */
export const CountOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(/^(100|[1-9]?[0-9])%$/, 'must be a count (e.g. 3) or a percentage (e.g. "25%")'),
]);
export type CountOrPercent = z.infer<typeof CountOrPercent>;

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `90s`, `30m`, `2h`, `1h30m`, `1d` as milliseconds; `0` for none. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const m = DURATION.exec(text);
  if (!m || text === "") return undefined;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

export const Duration = z
  .string()
  .refine((t) => parseDuration(t) !== undefined, "must be a duration such as 30m, 2h, 1h30m or 0")
  .transform((t) => parseDuration(t)!);

export const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const ClockTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be a 24-hour time HH:MM");

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const MaintenanceWindow = z.strictObject({
  /** Devices whose labels include all of these; absent: every device. */
  labels: LabelMap.optional(),
  /** An IANA time zone, e.g. Europe/Berlin. */
  timeZone: z.string().refine(isTimeZone, "must be an IANA time zone, e.g. Europe/Berlin or UTC"),
  days: z
    .array(z.enum(WEEKDAYS))
    .min(1)
    .default([...WEEKDAYS]),
  /** Local start time of the window. */
  start: ClockTime,
  /** How long the window stays open (at most a week). */
  duration: Duration.refine((ms) => ms > 0 && ms <= 7 * 24 * 3600_000, "must be more than 0 and at most 7d"),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const Wave = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'"),
  /** Devices whose labels include all of these; absent: every device no earlier wave took (last wave only). */
  labels: LabelMap.optional(),
  /** Devices of this wave applied at once. Default: all of them. */
  maxParallel: CountOrPercent.refine((v) => v !== 0 && v !== "0%", "must let at least one device move (1 or more, or more than 0%)").optional(),
  /** Failed devices this wave tolerates before the rollout halts. Default: the policy's. */
  maxFailures: CountOrPercent.optional(),
  /** Wait after this wave converged before the next one starts. */
  soak: Duration.default(0),
  /** `required`: a person approves before this wave starts. */
  approval: z.enum(["required", "none"]).default("none"),
});
export type Wave = z.infer<typeof Wave>;

export const RolloutPolicy = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(ROLLOUT_KIND),
  metadata: z.strictObject({ name: z.string().min(1).max(63) }),
  spec: z
    .strictObject({
      waves: z.array(Wave).min(1).max(50),
      /** Failed devices per wave before the rollout halts: default 0, the first failure halts. */
      maxFailures: CountOrPercent.default(0),
      maintenanceWindows: z.array(MaintenanceWindow).max(100).default([]),
    })
    .superRefine((spec, ctx) => {
      const seen = new Set<string>();
      spec.waves.forEach((wave, index) => {
        if (seen.has(wave.name)) ctx.addIssue({ code: "custom", path: ["waves", index, "name"], message: `wave name ${wave.name} is used twice` });
        seen.add(wave.name);
        if (!wave.labels && index !== spec.waves.length - 1) {
          ctx.addIssue({
            code: "custom",
            path: ["waves", index, "labels"],
            message: "only the last wave may have no labels (it takes every device left)",
          });
        }
      });
    }),
});
export type RolloutPolicy = z.infer<typeof RolloutPolicy>;

/** `n` or `p%` of `size`; a percentage rounds up so a non-empty wave always moves. */
export function resolveCount(value: CountOrPercent | undefined, size: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number") return value;
  const percent = Number(value.slice(0, -1));
  return Math.ceil((size * percent) / 100);
}
