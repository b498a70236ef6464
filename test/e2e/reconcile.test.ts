/**
 * Merges end to end through the local runtime: a signed push webhook, the reconcile and
 * apply jobs on Azurite queues, the device adapters against the simulator over HTTPS, the
 * apply check run and PR comment on the loopback GitHub API.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../devtools/controller-harness.js";
import { runCli } from "../cli/run-cli.js";
import { waitFor } from "../helpers/wait.js";
import { GATEWAY, deviceManifest, runningGateway, vmEntry } from "./fleet-fixtures.js";

const vm = vmEntry;

let fleet: string;
let h: Harness;
const logs: string[] = [];

beforeAll(async () => {
  fleet = await mkdtemp(join(tmpdir(), "ase-gitops-e2e-fleet-"));
  // Three devices run one CPU VM each (its image is on the device), Kubernetes off.
  for (const [name, gpus] of [
    ["alpha", 2],
    ["beta", 1],
    ["gamma", 1],
  ] as const) {
    await writeFile(join(fleet, `${name}.yaml`), deviceManifest(name, gpus, `  virtualMachines:\n${GATEWAY}`));
  }
  const running = runningGateway;
  h = await startHarness({
    fleet,
    observed: { devices: { alpha: running, beta: running, gamma: running } } as never,
    leaseSeconds: 3,
    onRuntimeLog: (line) => logs.push(line),
  });
}, 120_000);

afterAll(async () => {
  await h?.stop();
  await rm(fleet, { recursive: true, force: true });
});

const managedVms = (name: string) =>
  h.simulator
    .claims(name)
    .vms.map((v) => `${v.name}:${v.powerState}`)
    .sort();

describe("reconcile on merge", () => {
  it("a merged pull request converges its devices, reported on a check run and the PR", async () => {
    const alpha = h.files["alpha.yaml"]!.replace("  virtualMachines:\n", `  kubernetes:\n    enabled: true\n  virtualMachines:\n${vm("infer-01")}`);
    const beta = h.files["beta.yaml"]!.replace("  virtualMachines:\n", `  virtualMachines:\n${vm("cam-01")}`);
    await h.pullRequest(7, "rollout", { "alpha.yaml": alpha, "beta.yaml": beta });
    const { after } = await h.merge(7, "rollout");
    const run = await h.waitForCheckRun("ase-gitops/apply", after, 90_000);
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toMatch(/\| alpha \| ✅ converged/);
    expect(run.output.summary).toMatch(/\| beta \| ✅ converged/);
    expect(run.output.summary).not.toMatch(/gamma/);
    expect(managedVms("alpha")).toEqual(["gateway:running", "infer-01:running"]);
    expect(h.simulator.claims("alpha").kubernetes).toEqual({ configured: true, gpus: 1 });
    expect(managedVms("beta")).toEqual(["cam-01:running", "gateway:running"]);
    // The comment follows the completed check run.
    const comment = await waitFor(async () => h.github.comments.find((c) => c.issue === 7 && c.body.includes("<!-- ase-gitops:apply -->")));
    expect(comment.body).toMatch(/2 of 2 devices converged/);
    expect(comment.body).toContain(h.github.url);
    const history = await h.journal.history(h.repository, "alpha");
    expect(history.map((e) => `${e.action}:${e.status}`)).toEqual(
      expect.arrayContaining(["createVm:succeeded", "installGpuExtension:succeeded", "configureKubernetes:succeeded", "outcome:converged"]),
    );
    expect(history.find((e) => e.action === "createVm")?.deployment).toBe("ase-gitops-infer-01-vm");
  }, 120_000);

  it("an infeasible merged manifest touches nothing on its device and is reported", async () => {
    const armWrites = () => h.simulator.requests.filter((r) => r.device === "gamma" && r.method !== "GET" && !r.path.includes("/adfs/")).length;
    // Kubernetes first: it claims gamma's only GPU.
    const kubernetesOn = h.files["gamma.yaml"]!.replace("  virtualMachines:\n", "  kubernetes:\n    enabled: true\n  virtualMachines:\n");
    const first = await h.pushCommit({ "gamma.yaml": kubernetesOn }, "gamma: Kubernetes on");
    expect((await h.waitForCheckRun("ase-gitops/apply", first.after, 90_000)).conclusion).toBe("success");
    expect(h.simulator.claims("gamma").kubernetes).toEqual({ configured: true, gpus: 1 });
    const writesBefore = armWrites();

    const second = await h.pushCommit(
      { "gamma.yaml": kubernetesOn.replace("  virtualMachines:\n", `  virtualMachines:\n${vm("late-gpu")}`) },
      "gamma: a GPU VM after Kubernetes",
    );
    const run = await h.waitForCheckRun("ase-gitops/apply", second.after, 90_000);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| gamma \| ⛔ refused \| .*KUBERNETES_HOLDS_GPU/);
    expect(managedVms("gamma")).toEqual(["gateway:running"]);
    expect(armWrites()).toBe(writesBefore);
  }, 120_000);

  it("ase-gitops history DEVICE reads what was applied from the journal", () => {
    const json = runCli(["history", "alpha", "--storage", h.azurite.connectionString, "--format", "json"]);
    expect(json.status, json.stderr).toBe(0);
    const entries = JSON.parse(json.stdout).entries as Array<{ action: string; status: string; deployment?: string }>;
    expect(entries.filter((e) => e.action === "createVm").map((e) => e.status)).toEqual(["started", "succeeded"]);
    const text = runCli(["history", "alpha", "--storage", h.azurite.connectionString]);
    expect(text.stdout).toMatch(/step 1 createVm infer-01: succeeded {2}\(deployment ase-gitops-infer-01-vm\)/);
    expect(runCli(["history", "nobody", "--storage", h.azurite.connectionString]).stdout).toBe("no history for device nobody\n");
  });
});
