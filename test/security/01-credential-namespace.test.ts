/**
 * Issue 9 item 1: a manifest may name only device credentials, i.e. app settings whose name
 * starts with ASE_GITOPS_CREDENTIAL_PREFIX (default DEVICE_). `credential: GITHUB_TOKEN` is
 * INVALID_MANIFEST at plan time (file and line, how to rename), and if such a manifest reaches
 * the device adapters anyway they refuse it before any request: the value never leaves.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../shared/cli/cli-context.js";
import { registerDeviceCommands } from "../../shared/cli/device-commands.js";
import { deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import { loadSettings } from "../../shared/composition/settings.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { runCli } from "../cli/run-cli.js";
import type { TestRepo } from "../helpers/git-repos.js";
import { fleetRepo, type Harness, PullRequestDriver, startHarness } from "../helpers/plan-harness.js";
import { deviceManifest } from "../helpers/webhook-fixtures.js";
import { at, manifest, testEnv } from "../simulator/fixtures.js";

const SECRET = "ghp_the-controllers-own-github-token";

const manifestText = (name: string, credential: string, endpoint = `https://management.${name}.contoso.com`) => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
spec:
  gpu: { count: 1 }
  arm:
    endpoint: ${endpoint}
    subscriptionId: 00000000-0000-0000-0000-000000000000
    resourceGroup: gpu-vms
    credential: ${credential}
`;

let dir: string;
let sim: Simulator;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ase-sec-cred-"));
  sim = await startSimulator({ manifests: [manifest("dev")], password: SECRET });
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe("device credential namespace (issue 9, item 1)", () => {
  it("plan: a credential outside DEVICE_ is INVALID_MANIFEST with file, line and the name to use instead", async () => {
    for (const name of ["GITHUB_TOKEN", "GITHUB_WEBHOOK_SECRET", "AzureWebJobsStorage", "ASE_GITOPS_CLOUD_CLIENT_SECRET", "device_lower"]) {
      await writeFile(join(dir, "leak.yaml"), manifestText("store-leak", name));
      const run = runCli(["plan", join(dir, "leak.yaml"), "--format", "json"]);
      expect(run.status, name).toBe(2);
      const device = JSON.parse(run.stdout).devices[0];
      expect(device).toMatchObject({ name: "store-leak", feasible: false });
      expect(device.errors).toEqual([
        expect.objectContaining({
          code: "INVALID_MANIFEST",
          file: "leak.yaml",
          line: 11,
          message: expect.stringContaining(`spec.arm.credential: credential "${name}"`),
        }),
      ]);
      expect(device.errors[0].message).toContain(`rename the setting to "DEVICE_${name}"`);
    }
  });

  it("plan: the bare prefix names no setting", async () => {
    await writeFile(join(dir, "bare.yaml"), manifestText("store-bare", "DEVICE_"));
    const run = runCli(["plan", join(dir, "bare.yaml"), "--format", "json"]);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout).devices[0].errors[0]).toMatchObject({
      code: "INVALID_MANIFEST",
      line: 11,
      message: expect.stringMatching(/only the device credential prefix/),
    });
  });

  it("plan: the namespace follows ASE_GITOPS_CREDENTIAL_PREFIX", async () => {
    await writeFile(join(dir, "edge.yaml"), manifestText("store-edge", "EDGE_STORE_ARM"));
    const env = { ASE_GITOPS_CREDENTIAL_PREFIX: "EDGE_" };
    expect(runCli(["plan", join(dir, "edge.yaml"), "--format", "json"], { env }).status).toBe(0);
    expect(runCli(["plan", join(dir, "edge.yaml"), "--format", "json"]).status).toBe(2);
    await writeFile(join(dir, "device.yaml"), manifestText("store-dev", "DEVICE_STORE_ARM"));
    const run = runCli(["plan", join(dir, "device.yaml"), "--format", "json"], { env });
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout).devices[0].errors[0].message).toMatch(/"EDGE_"/);
  });

  it("observe CLI: the manifest is refused as invalid and the device is never contacted", async () => {
    await writeFile(join(dir, "sim.yaml"), manifestText("dev", "GITHUB_TOKEN", sim.devices.dev));
    let stdout = "";
    const ctx: CliContext = {
      io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, stdinIsTTY: false },
      exitCode: 0,
      debug: false,
    };
    const program = new Command("ase-gitops").exitOverride();
    registerDeviceCommands(program, ctx, { env: testEnv(sim, { GITHUB_TOKEN: SECRET }) });
    const before = sim.requests.length;
    await program.parseAsync(["observe", join(dir, "sim.yaml"), "--format", "json"], { from: "user" });
    expect(stdout).toContain("INVALID_MANIFEST");
    expect(stdout).toContain("GITHUB_TOKEN");
    expect(sim.requests.length).toBe(before);
  });

  it("at use: a manifest that skipped the loader is refused with CREDENTIAL_NOT_ALLOWED before any request", async () => {
    const before = sim.requests.length;
    const leaky = at(sim, manifest("dev", { credential: "GITHUB_TOKEN" }));
    const observed = await observeFleet([{ manifest: leaky, file: "dev.yaml" }], deviceSettingsFromEnv(testEnv(sim, { GITHUB_TOKEN: SECRET })));
    expect(observed.errors.dev).toMatchObject({ code: "CREDENTIAL_NOT_ALLOWED", transient: false });
    expect(observed.errors.dev!.message).toMatch(/GITHUB_TOKEN.*DEVICE_.*rename the setting to "DEVICE_GITHUB_TOKEN"/);
    expect(sim.requests.length).toBe(before);
    expect(sim.device("dev").tokens.size).toBe(0);
  });

  it("settings: ASE_GITOPS_CREDENTIAL_PREFIX is validated and defaults to DEVICE_", () => {
    const base = {
      GITHUB_WEBHOOK_SECRET: "0123456789abcdef0123",
      GITHUB_TOKEN: "t",
      ASE_GITOPS_REPOSITORIES: "o/r",
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
    };
    expect(loadSettings(base).credentialPrefix).toBe("DEVICE_");
    expect(loadSettings({ ...base, ASE_GITOPS_CREDENTIAL_PREFIX: "EDGE_" }).credentialPrefix).toBe("EDGE_");
    expect(() => loadSettings({ ...base, ASE_GITOPS_CREDENTIAL_PREFIX: "bad prefix!" })).toThrow(/ASE_GITOPS_CREDENTIAL_PREFIX/);
    // A namespace that overlaps the controller's own settings would let GITHUB_TOKEN back in.
    for (const prefix of ["GITHUB_", "G", "ASE_GITOPS_", "Azure", "azurewebjobs"]) {
      expect(() => loadSettings({ ...base, ASE_GITOPS_CREDENTIAL_PREFIX: prefix }), prefix).toThrow(/ASE_GITOPS_CREDENTIAL_PREFIX must not overlap/);
    }
    const cli = runCli(["plan", "examples/fleet", "--format", "json"], { env: { ASE_GITOPS_CREDENTIAL_PREFIX: "GITHUB_" } });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^ase-gitops: ASE_GITOPS_CREDENTIAL_PREFIX must not overlap/)]);
    expect(deviceSettingsFromEnv({ ASE_GITOPS_CREDENTIAL_PREFIX: "EDGE_" }).credentialPrefix).toBe("EDGE_");
    expect(deviceSettingsFromEnv({ GITHUB_TOKEN: SECRET }).secret("GITHUB_TOKEN")).toBeUndefined();
  });
});

describe("device credential namespace in a pull request plan (issue 9, item 1)", () => {
  let harness: Harness;
  let repo: TestRepo | undefined;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await repo?.dispose();
    await harness?.dispose();
  });

  it("a PR naming GITHUB_TOKEN fails the plan check at the credential line, and says what to rename", async () => {
    repo = await fleetRepo({ "devices/store-001.yaml": deviceManifest("store-001") });
    const pr = new PullRequestDriver(harness, repo, harness.runtime(), 901);
    await pr.pushAndPlan({ "devices/leak.yaml": manifestText("store-leak", "GITHUB_TOKEN") }, "opened");
    const run = harness.github.checkRuns.find((r) => r.name === "ase-gitops/plan");
    expect(run!.conclusion).toBe("failure");
    expect(run!.annotations).toMatchObject([{ path: "devices/leak.yaml", annotation_level: "failure", start_line: 11 }]);
    expect(run!.annotations[0]!.title).toMatch(/^INVALID_MANIFEST/);
    const comment = harness.github.comments.find((c) => c.issue === 901);
    expect(comment!.body).toContain("DEVICE_GITHUB_TOKEN");
    expect(harness.github.unexpected).toEqual([]);
  });
});
