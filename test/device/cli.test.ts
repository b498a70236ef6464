/** The device commands through commander, in-process: simulate, observe, apply, exit codes. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { CliContext } from "../../shared/cli/cli-context.js";
import { type DeviceCommandDeps, registerDeviceCommands } from "../../shared/cli/device-commands.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { manifest, testEnv } from "../simulator/fixtures.js";

let dir: string;
let sim: Simulator;

async function run(args: string[], deps: Partial<DeviceCommandDeps> = {}, stdinIsTTY = false) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, stdinIsTTY },
    exitCode: 0,
    debug: false,
  };
  const program = new Command("ase-gitops").exitOverride();
  registerDeviceCommands(program, ctx, { env: testEnv(sim), ...deps });
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (err) {
    return { code: (err as { exitCode?: number }).exitCode ?? 1, stdout, stderr: stderr + (err as Error).message };
  }
  return { code: ctx.exitCode, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ase-cli-"));
  // Simulate first (port unknown), then write the manifests with the simulator's endpoints.
  const manifests = [
    manifest("store-1", { gpus: 2, vms: [{ name: "infer-01" }, { name: "cpu-01", size: "Standard_F4" }], kubernetes: true }),
    manifest("store-2", { gpus: 1, vms: [{ name: "infer-01" }] }),
  ];
  await writeFile(join(dir, "fleet.yaml"), manifests.map((m) => stringify(m)).join("---\n"));
  sim = await startSimulator({ fleet: dir });
  const withEndpoints = manifests.map((m) => ({ ...m, spec: { ...m.spec, arm: { ...m.spec.arm!, endpoint: sim.devices[m.metadata.name]! } } }));
  await writeFile(join(dir, "fleet.yaml"), withEndpoints.map((m) => stringify(m)).join("---\n"));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe("device CLI", () => {
  it("simulate prints one JSON line with port, CA path and device endpoints, then stops on signal", async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = run(["simulate", dir, "--faults", "429:0.1", "--latency-ms", "0"], { stopSignal: () => stopped });
    await new Promise((r) => setTimeout(r, 300));
    stop();
    const result = await running;
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const ready = JSON.parse(lines[0]!);
    expect(ready.port).toBeGreaterThan(0);
    expect(ready.ca).toMatch(/ca\.pem$/);
    expect(ready.devices["store-1"]).toBe(`https://127.0.0.1:${ready.port}/devices/store-1`);
  });

  it("simulate refuses a bad fault spec with exit 1", async () => {
    const result = await run(["simulate", dir, "--faults", "500:2"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--faults/);
  });

  it("apply without --yes and without a terminal refuses and changes nothing", async () => {
    const result = await run(["apply", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--yes/);
    expect(sim.claims("store-1").vms).toEqual([]);
  });

  it("apply on a terminal shows the plan and stops when the answer is no", async () => {
    const result = await run(["apply", dir], { confirm: async () => false }, true);
    expect(result.stdout).toMatch(/createVm|infer-01/);
    expect(result.code).toBe(1);
    expect(sim.claims("store-2").vms).toEqual([]);
  });

  it("apply --yes converges every device, reports progress on stderr; observe then matches the manifests", async () => {
    const result = await run(["apply", dir, "--yes", "--concurrency", "2"]);
    expect(result.stderr).toMatch(/store-1: \[1\/\d\] createVm infer-01 started/);
    expect(result.stdout).toMatch(/store-1: converged/);
    expect(result.stdout).toMatch(/store-2: converged/);
    expect(result.code).toBe(0);
    const observed = await run(["observe", dir, "--format", "json"]);
    expect(observed.code).toBe(0);
    const state = JSON.parse(observed.stdout);
    expect(state.devices["store-1"]).toMatchObject({
      kubernetes: { configured: true, gpus: 1 },
      virtualMachines: [{ name: "cpu-01" }, { name: "infer-01", powerState: "running", gpuExtension: "succeeded" }],
    });
    expect(state.errors).toBeUndefined();
  });

  it("apply --device limits the run; an unknown device is a usage error", async () => {
    expect((await run(["apply", dir, "--yes", "--device", "store-2"])).stdout).not.toMatch(/store-1/);
    expect((await run(["apply", dir, "--yes", "--device", "nope"])).code).toBe(1);
  });

  it("exit 2 when a device is refused (endpoint outside the allow-list)", async () => {
    const result = await run(["apply", dir, "--yes"], { env: testEnv(sim, { ASE_GITOPS_ALLOWED_ENDPOINTS: "*.contoso.com" }) });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/store-1: refused: ENDPOINT_NOT_ALLOWED/);
  });
});
