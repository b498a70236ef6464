/**
 * The plan shows the rollout: a fleet with a RolloutPolicy document plans through the CLI
 * with its waves in the JSON and the Markdown; a broken policy is INVALID_MANIFEST with its
 * line; a device no wave selects, or two waves select, is warned about.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "../../bin/ase-gitops.js");

const device = (name: string, labels: string) => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
  labels: ${labels}
spec:
  gpu: { count: 1 }
`;

const POLICY = `apiVersion: ase-gitops/v1
kind: RolloutPolicy
metadata: { name: shops }
spec:
  waves:
    - name: canary
      labels: { ring: canary }
      maxParallel: 1
      soak: 1h30m
      approval: required
    - name: stores
      labels: { tier: store }
      maxParallel: 50%
  maintenanceWindows:
    - labels: { tier: store }
      timeZone: Europe/Berlin
      start: "02:00"
      duration: 3h
`;

async function plan(dir: string, format: "json" | "markdown") {
  try {
    const { stdout } = await run(process.execPath, [CLI, "plan", dir, "--format", format]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe("the plan shows the rollout", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "rollout-plan-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the waves with their gates, and warns about a device no wave selects or two waves select", async () => {
    await writeFile(join(dir, "rollout.yaml"), POLICY);
    await writeFile(join(dir, "s1.yaml"), device("s1", "{ ring: canary, tier: store }"));
    await writeFile(join(dir, "s2.yaml"), device("s2", "{ tier: store }"));
    await writeFile(join(dir, "s3.yaml"), device("s3", "{ tier: store }"));
    await writeFile(join(dir, "p1.yaml"), device("p1", "{ tier: plant }"));
    const json = await plan(dir, "json");
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.devices.map((d: { name: string }) => d.name)).toEqual(["p1", "s1", "s2", "s3"]);
    expect(parsed.rollout.waves).toEqual([
      { name: "canary", devices: ["s1"], maxParallel: 1, maxFailures: 0, soakSeconds: 5400, approval: "required" },
      { name: "stores", devices: ["s2", "s3"], maxParallel: 1, maxFailures: 0, soakSeconds: 0, approval: "none" },
    ]);
    expect(parsed.rollout.warnings.map((w: { code: string; device: string }) => [w.code, w.device])).toEqual([
      ["ROLLOUT_DEVICE_UNSELECTED", "p1"],
      ["ROLLOUT_DEVICE_IN_TWO_WAVES", "s1"],
    ]);
    expect(parsed.rollout.windowed).toEqual(["s1", "s2", "s3"]);

    const md = await plan(dir, "markdown");
    expect(md.stdout).toContain("#### Rollout: 2 waves (policy `shops` in `rollout.yaml`)");
    expect(md.stdout).toContain("| 1. canary | 1: `s1` | 1 | 0 | 1h 30m | ✋ required |");
    expect(md.stdout).toContain("`ROLLOUT_DEVICE_UNSELECTED`");
  });

  it("a broken policy is INVALID_MANIFEST with its file and line, not a silently ignored file", async () => {
    await writeFile(join(dir, "rollout.yaml"), POLICY.replace("maxParallel: 50%", "maxParallel: lots").replace("soak: 1h30m", "soak: 90 minutes"));
    await writeFile(join(dir, "s1.yaml"), device("s1", "{ tier: store }"));
    const json = await plan(dir, "json");
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout);
    const broken = parsed.devices.find((d: { file: string }) => d.file === "rollout.yaml");
    expect(broken.errors).toEqual([
      expect.objectContaining({ code: "INVALID_MANIFEST", file: "rollout.yaml", line: 9, message: expect.stringContaining("spec.waves[0].soak") }),
      expect.objectContaining({
        code: "INVALID_MANIFEST",
        file: "rollout.yaml",
        line: 13,
        message: expect.stringContaining("spec.waves[1].maxParallel"),
      }),
    ]);
    expect(parsed.rollout).toBeUndefined();
  });

  it("no policy: no rollout section, today's all-at-once behaviour", async () => {
    await writeFile(join(dir, "s1.yaml"), device("s1", "{ tier: store }"));
    const json = JSON.parse((await plan(dir, "json")).stdout);
    expect(json.rollout).toBeUndefined();
  });
});
