/**
 * Records keyed by user data (device, VM and label names) must never see Object.prototype:
 * on a plain object `constructor` or `toString` is found without being set, and assigning
 * `__proto__` replaces the prototype instead of adding a key. Build such records with
 * `keyedRecord()` and read them with `ownValue()` (or use a Map).
 */
import type { z } from "zod";

/** The one key no user-keyed record may hold: zod drops it and `{}` treats it as the prototype. */
export const PROTO_KEY = "__proto__";

/** An empty record without a prototype: every key, `__proto__` included, is an ordinary key. */
export function keyedRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** The record's own value for `key`; never one inherited from Object.prototype. */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A z.preprocess step for a user-keyed record: zod silently drops a `__proto__` key, so a
 * selector `{"__proto__": "x"}` would become `{}` and match everything. Refuse it instead.
 */
export function refuseProtoKey(what: string) {
  return (input: unknown, ctx: z.core.$RefinementCtx): unknown => {
    if (typeof input === "object" && input !== null && Object.hasOwn(input, PROTO_KEY)) {
      ctx.addIssue({ code: "custom", message: `${PROTO_KEY} is not allowed as a ${what}`, path: [PROTO_KEY], input });
    }
    return input;
  };
}
