/**
 * The device commands as a user runs them, each a separate process of the built CLI:
 * `simulate` a fleet with seeded state (and faults), `apply --yes`, then `observe` matches
 * the manifests and `plan --live` has nothing left to do.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialSettings, pointAtSimulator, vmPasswordSettings } from "../../devtools/simulated-fleet.js";
import { PROJECT_ROOT, runCli } from "./run-cli.js";

let dir: string;
let simulator: ChildProcess;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ase-gitops-device-flow-"));
  const fleet = join(dir, "fleet");
  await cp(join(PROJECT_ROOT, "examples", "fleet"), fleet, { recursive: true });
  // store-002 and store-006 are blocked on purpose in the examples; let them reconfigure here.
  for (const file of ["store-002.yaml", "store-006.yaml"]) {
    const path = join(fleet, file);
    const text = await readFile(path, "utf8");
    await writeFile(
      path,
      text
        .replace("allowReconfigure: false", "allowReconfigure: true")
        .replace(
          "  kubernetes:\n    enabled: true\n  virtualMachines",
          "  kubernetes:\n    enabled: true\n    allowReconfigure: true\n  virtualMachines",
        ),
    );
  }
  simulator = spawn(
    process.execPath,
    [
      join(PROJECT_ROOT, "bin", "ase-gitops.js"),
      "simulate",
      fleet,
      "--port",
      "0",
      "--observed",
      join(PROJECT_ROOT, "examples", "observed.json"),
      "--faults",
      "429:0.05,500:0.05,reset:0.02",
      "--seed",
      "7",
      "--target-release",
      "2110",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const ready = await new Promise<{ port: number; ca: string; devices: Record<string, string> }>((resolve, reject) => {
    let out = "";
    simulator.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!));
    });
    simulator.once("exit", (code) => reject(new Error(`simulate exited with ${code}`)));
  });
  const manifests = (await readdir(fleet)).filter((f) => f.endsWith(".yaml"));
  for (const file of manifests) {
    const path = join(fleet, file);
    await writeFile(path, pointAtSimulator(await readFile(path, "utf8"), ready.devices));
  }
  const files = Object.fromEntries(await Promise.all(manifests.map(async (f) => [f, await readFile(join(fleet, f), "utf8")] as const)));
  env = {
    ...Object.fromEntries(credentialSettings(files).map((name) => [name, "simulator"])),
    ...Object.fromEntries(vmPasswordSettings(files).map((name) => [name, "Windows-admin-Passw0rd"])),
    ASE_GITOPS_DEVICE_CA: ready.ca,
    ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
    ASE_GITOPS_POLL_INTERVAL_MS: "10",
    ASE_GITOPS_RETRY_BASE_MS: "10",
    ASE_GITOPS_RETRY_ATTEMPTS: "8",
  };
}, 60_000);

afterAll(async () => {
  if (simulator && simulator.exitCode === null) {
    const exited = new Promise((resolve) => simulator.once("exit", resolve));
    simulator.kill("SIGTERM");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe("simulate, apply, observe, plan --live", () => {
  it("converges a fleet with faults; observe then matches the manifests and plan --live is empty", () => {
    const fleet = join(dir, "fleet");
    const before = runCli(["plan", fleet, "--live", "--format", "json"], { env });
    expect(before.status).toBe(0);
    expect(JSON.parse(before.stdout).summary.steps).toBeGreaterThan(0);

    const apply = runCli(["apply", fleet, "--yes", "--concurrency", "4"], { env });
    expect(apply.stderr).toMatch(/store-005/);
    expect(apply.status).toBe(0);

    const observe = runCli(["observe", fleet, "--format", "json"], { env });
    expect(observe.status).toBe(0);
    const observed = JSON.parse(observe.stdout).devices as Record<
      string,
      { kubernetes: { configured: boolean }; virtualMachines: Array<{ name: string; powerState: string }>; softwareVersion?: string }
    >;
    expect(Object.keys(observed).sort()).toEqual([
      "clinic-008",
      "plant-007",
      "store-001",
      "store-002",
      "store-003",
      "store-004",
      "store-005",
      "store-006",
    ]);
    expect(observed["store-004"]!.virtualMachines.map((v) => `${v.name}:${v.powerState}`).sort()).toEqual(["infer-01:running", "infer-02:running"]);
    expect(observed["store-006"]!.kubernetes.configured).toBe(true);
    expect(observed["clinic-008"]!.softwareVersion).toBe("2110");

    const after = runCli(["plan", fleet, "--live", "--format", "json"], { env });
    expect(after.status).toBe(0);
    expect(JSON.parse(after.stdout).summary).toMatchObject({ devices: 8, feasible: 8, steps: 0 });
  }, 120_000);
});
