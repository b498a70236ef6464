import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ase-gitops-cli-"));
  await writeFile(
    join(dir, "ok.yaml"),
    "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata: { name: ok }\nspec:\n  gpu: { count: 1 }\n  virtualMachines:\n    - { name: v, size: Standard_NC4as_T4_v3, image: img, login: none }\n",
  );
  await writeFile(join(dir, "observed-bad-json.json"), "{ not json");
  await writeFile(join(dir, "observed-bad-shape.json"), JSON.stringify({ devices: { ok: { virtualMachines: [{ name: "v" }] } } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const oneLine = (text: string) => expect(text.trim().split("\n")).toHaveLength(1);

describe("ase-gitops plan", () => {
  it("exits 0 and prints only JSON when every device is feasible", () => {
    const run = runCli(["plan", join(dir, "ok.yaml"), "--format", "json"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    const plan = JSON.parse(run.stdout);
    expect(plan.summary).toEqual({ devices: 1, feasible: 1, infeasible: 0, steps: 2 });
    expect(plan.devices[0]).toEqual({
      name: "ok",
      file: "ok.yaml",
      feasible: true,
      steps: [
        { action: "createVm", vm: "v" },
        { action: "installGpuExtension", vm: "v" },
      ],
      errors: [],
      warnings: [],
      gpus: { total: 1, after: { kubernetes: 0, vms: { v: 1 }, free: 0 } },
    });
  });

  it("exits 2 when a device is infeasible, and still prints the plan", () => {
    const run = runCli(["plan", "examples/fleet", "--observed", "examples/observed.json", "--format", "json"]);
    expect(run.status).toBe(2);
    const plan = JSON.parse(run.stdout);
    expect(plan.summary.infeasible).toBeGreaterThan(0);
    expect(plan.devices.map((d: { name: string }) => d.name)).toEqual([...plan.devices.map((d: { name: string }) => d.name)].sort());
  });

  it("prints Markdown by default", () => {
    const run = runCli(["plan", join(dir, "ok.yaml")]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^### ase-gitops plan/);
    expect(run.stdout).toContain("<details>");
  });

  it.each([
    [["plan", "/no/such/folder"], /no such file or folder: \/no\/such\/folder/],
    [["plan", "examples/fleet", "--bogus"], /unknown option '--bogus'/],
    [["plan", "examples/fleet", "--format", "yaml"], /--format.*json, markdown/],
    [["plan"], /missing required argument 'path'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("exits 1 with one line for bad usage: %j", (args, message) => {
    const run = runCli(args);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    oneLine(run.stderr);
  });

  it.each([
    ["missing.json", /cannot read observed state .*missing\.json: no such file/],
    ["observed-bad-json.json", /is not valid JSON/],
    ["observed-bad-shape.json", /is invalid at devices\.ok\.virtualMachines\[0\]\.size/],
  ])("exits 1 with one line for a bad observed file: %s", (file, message) => {
    const run = runCli(["plan", dir, "--observed", join(dir, file), "--format", "json"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    oneLine(run.stderr);
  });

  it("--live never plans a device it could not observe as if it were new", () => {
    const run = runCli(["plan", "examples/fleet/store-001.yaml", "--live", "--format", "json"], {
      env: { ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1" },
    });
    expect(run.status).toBe(2);
    const device = JSON.parse(run.stdout).devices[0];
    expect(device).toMatchObject({ name: "store-001", feasible: false, steps: [] });
    expect(device.errors[0]).toMatchObject({ code: "DEVICE_UNREACHABLE", message: expect.stringMatching(/ENDPOINT_NOT_ALLOWED/) });
  });

  it("a folder without device manifests plans nothing, says so, and exits 0", async () => {
    const empty = await mkdtemp(join(tmpdir(), "ase-gitops-empty-"));
    await writeFile(join(empty, "other.yaml"), "kind: ConfigMap\nmetadata: { name: x }\n");
    const run = runCli(["plan", empty]);
    await rm(empty, { recursive: true, force: true });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("**No device manifests**");
  });

  it("shows help with exit 0", () => {
    const run = runCli(["plan", "--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("--observed <file>");
  });
});
