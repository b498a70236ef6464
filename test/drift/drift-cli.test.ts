/** `ase-gitops drift PATH`: exit 0 clean, 2 drift or unreachable, 1 bad usage; JSON on stdout. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliContext, CliError } from "../../shared/cli/cli-context.js";
import { runDrift } from "../../shared/cli/drift-command.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { at, manifest, testEnv } from "../simulator/fixtures.js";
import { convergedFleet, editVm } from "./fixtures.js";
import { withSubscription } from "./harness.js";

let sim: Simulator;
let dir: string;
const m = withSubscription(manifest("cli-dev", { gpus: 1, vms: [{ name: "vm1" }] }));

beforeAll(async () => {
  sim = await startSimulator({ manifests: [m], observed: convergedFleet([m]) });
  dir = await mkdtemp(join(tmpdir(), "drift-cli-"));
  await writeFile(join(dir, "cli-dev.yaml"), YAML.stringify(at(sim, m)));
});
afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(format: "json" | "markdown", env = testEnv(sim)) {
  let out = "";
  const ctx: CliContext = {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, stdinIsTTY: false },
    exitCode: 0,
    debug: false,
  };
  await runDrift(dir, { format, device: [], label: [], concurrency: 4 }, ctx, env);
  return { code: ctx.exitCode, out };
}

describe("ase-gitops drift", () => {
  it("exits 0 for a converged fleet, 2 once a device drifts, 2 for an unreachable device", async () => {
    const clean = await run("json");
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out).summary).toEqual({ checked: 1, converged: 1, drifted: 0, unreachable: 0, skipped: 0 });
    editVm(sim, "cli-dev", "vm1", () => ({ powerState: "deallocated", heldGpus: 0 }));
    const drifted = await run("json");
    expect(drifted.code).toBe(2);
    expect(JSON.parse(drifted.out).devices[0]).toMatchObject({
      name: "cli-dev",
      status: "drifted",
      drift: [{ code: "VM_POWER", vm: "vm1" }],
      plan: { feasible: true, steps: [{ action: "startVm", vm: "vm1" }] },
    });
    const markdown = await run("markdown");
    expect(markdown.out).toMatch(/\| `VM_POWER` \| `vm1` \| running \| deallocated \|/);
    const unreachable = await run("json", { ...testEnv(sim), DEVICE_PASSWORD: "wrong" });
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.out).summary).toMatchObject({ unreachable: 1, converged: 0 });
  });

  it("bad usage is a CliError (exit 1)", async () => {
    const ctx: CliContext = { io: { stdout: { write: () => true }, stderr: { write: () => true }, stdinIsTTY: false }, exitCode: 0, debug: false };
    await expect(runDrift(join(dir, "missing"), { format: "json", device: [], label: [], concurrency: 4 }, ctx, testEnv(sim))).rejects.toBeInstanceOf(
      CliError,
    );
    await expect(runDrift(dir, { format: "json", device: ["nope"], label: [], concurrency: 4 }, ctx, testEnv(sim))).rejects.toThrow(
      /no manifest defines nope/,
    );
    // A label selector that matches no device is a mistake, not "0 checked" with exit 0.
    const noMatch = runDrift(dir, { format: "json", device: [], label: ["ring=nosuch"], concurrency: 4 }, ctx, testEnv(sim));
    await expect(noMatch).rejects.toThrow("no device has the labels ring=nosuch");
    await expect(noMatch).rejects.toMatchObject({ exitCode: 1 });
  });
});
