import { describe, expect, it } from "vitest";
import { RolloutPolicy, parseDuration } from "../../shared/core/rollout/policy.js";
import { assignWaves } from "../../shared/core/rollout/waves.js";

const policy = (spec: Record<string, unknown>) =>
  RolloutPolicy.parse({ apiVersion: "ase-gitops/v1", kind: "RolloutPolicy", metadata: { name: "default" }, spec });

describe("rollout policy", () => {
  it("reads durations", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("")).toBeUndefined();
    expect(parseDuration("30 minutes")).toBeUndefined();
  });

  it("only the last wave may take the rest, and wave names are unique", () => {
    const early = RolloutPolicy.safeParse({
      apiVersion: "ase-gitops/v1",
      kind: "RolloutPolicy",
      metadata: { name: "p" },
      spec: { waves: [{ name: "all" }, { name: "canary", labels: { ring: "canary" } }] },
    });
    expect(early.success).toBe(false);
    const twice = RolloutPolicy.safeParse({
      apiVersion: "ase-gitops/v1",
      kind: "RolloutPolicy",
      metadata: { name: "p" },
      spec: { waves: [{ name: "a", labels: { x: "1" } }, { name: "a" }] },
    });
    expect(twice.success).toBe(false);
    expect(
      RolloutPolicy.safeParse({
        apiVersion: "ase-gitops/v1",
        kind: "RolloutPolicy",
        metadata: { name: "p" },
        spec: { waves: [{ name: "a", maxParallel: 0 }] },
      }).success,
    ).toBe(false);
  });

  it("puts each device in the first wave that selects it, the rest in the catch-all, and reports overlaps", () => {
    const p = policy({
      waves: [
        { name: "canary", labels: { ring: "canary" }, maxParallel: 1 },
        { name: "stores", labels: { tier: "store" }, maxParallel: "50%", maxFailures: "10%" },
        { name: "rest" },
      ],
      maxFailures: 1,
    });
    const a = assignWaves(p, [
      { name: "s2", labels: { tier: "store" } },
      { name: "s1", labels: { tier: "store", ring: "canary" } },
      { name: "s3", labels: { tier: "store" } },
      { name: "p1", labels: { tier: "plant" } },
      { name: "q1" },
    ]);
    expect(a.waves.map((w) => [w.name, w.devices, w.maxParallel, w.maxFailures])).toEqual([
      ["canary", ["s1"], 1, 1],
      ["stores", ["s2", "s3"], 1, 1],
      ["rest", ["p1", "q1"], 2, 1],
    ]);
    expect(a.overlapping).toEqual([{ device: "s1", waves: ["canary", "stores"] }]);
    expect(a.unselected).toEqual([]);
  });

  it("a device no wave selects is left out and named; prototype-named labels are plain labels", () => {
    const p = policy({ waves: [{ name: "canary", labels: { toString: "x" } }] });
    const a = assignWaves(p, [
      { name: "a", labels: {} },
      { name: "b", labels: { toString: "x" } },
    ]);
    expect(a.waves[0]!.devices).toEqual(["b"]);
    expect(a.unselected).toEqual(["a"]);
  });
});
