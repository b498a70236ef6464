/**
 * Seeded fault injection. One generator per simulator so a seed replays the same fault
 * sequence for the same request order (parallel clients interleave, so only roughly).
 */
import { z } from "zod";

export const FaultKind = z.enum(["429", "500", "reset", "asyncfail"]);
export type FaultKind = z.infer<typeof FaultKind>;

export type FaultRates = Partial<Record<FaultKind, number>>;

export class FaultSpecError extends Error {
  readonly code = "INVALID_FAULT_SPEC";
}

/** Parses `429:0.1,500:0.05,reset:0.02,asyncfail:0.05`. */
export function parseFaultSpec(spec: string | undefined): FaultRates {
  const rates: FaultRates = {};
  for (const part of (spec ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split(":");
    const kind = FaultKind.safeParse(name?.trim());
    const rate = Number(value);
    if (!kind.success) throw new FaultSpecError(`unknown fault "${name}" (use 429, 500, reset, asyncfail)`);
    if (value === undefined || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new FaultSpecError(`fault ${name} needs a rate between 0 and 1, e.g. ${name}:0.05`);
    }
    rates[kind.data] = rate;
  }
  const requestTotal = (rates["429"] ?? 0) + (rates["500"] ?? 0) + (rates.reset ?? 0);
  if (requestTotal > 1) throw new FaultSpecError("request fault rates (429, 500, reset) add up to more than 1");
  return rates;
}

/** mulberry32: tiny, fast, good enough to spread faults; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RequestFault = { kind: "429" | "500" | "reset"; afterCommit: boolean } | undefined;

export interface FaultInjector {
  /** Decides the fate of one ARM request. */
  request(mutating: boolean): RequestFault;
  /** Whether a long-running operation just started ends Failed (without any effect). */
  asyncFail(): boolean;
}

export function createFaultInjector(rates: FaultRates, seed: number): FaultInjector {
  const random = seededRandom(seed);
  return {
    request(mutating) {
      const roll = random();
      const coin = random() < 0.5;
      let edge = 0;
      for (const kind of ["429", "500", "reset"] as const) {
        edge += rates[kind] ?? 0;
        // 429 is always refused up front (throttling happens before the work); 500 and
        // resets on writes happen half of the time after the change was committed.
        if (roll < edge) return { kind, afterCommit: kind !== "429" && mutating && coin };
      }
      return undefined;
    },
    asyncFail() {
      const rate = rates.asyncfail ?? 0;
      return rate > 0 && random() < rate;
    },
  };
}
