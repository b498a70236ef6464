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

const device = (name: string, gpus: 1 | 2, extra: string) => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
spec:
  gpu:
    count: ${gpus}
  softwareVersion: "2106"
  arm:
    endpoint: https://management.${name}.contoso.com
    subscriptionId: 3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11
    resourceGroup: gpu-vms
    credential: ${name.toUpperCase().replace(/-/g, "_")}_ARM
${extra}`;

const vm = (name: string, size = "Standard_NC4as_T4_v3", power = "running") =>
  `    - name: ${name}\n      size: ${size}\n      image: ubuntu1804\n      os: { type: Linux, distro: ubuntu, version: "18.04" }\n      powerState: ${power}\n`;

const GATEWAY = vm("gateway", "Standard_D2_v2");

let fleet: string;
let h: Harness;
const logs: string[] = [];

beforeAll(async () => {
  fleet = await mkdtemp(join(tmpdir(), "ase-gitops-e2e-fleet-"));
  // Three devices run one CPU VM each (its image is on the device), Kubernetes off.
  for (const [name, gpus] of [["alpha", 2], ["beta", 1], ["gamma", 1]] as const) {
    await writeFile(join(fleet, `${name}.yaml`), device(name, gpus, `  virtualMachines:\n${GATEWAY}`));
  }
  const running = { virtualMachines: [{ name: "gateway", size: "Standard_D2_v2", powerState: "running", gpuExtension: "none" }] };
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

const managedVms = (name: string) => h.simulator.claims(name).vms.map((v) => `${v.name}:${v.powerState}`).sort();

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

    const second = await h.pushCommit({ "gamma.yaml": kubernetesOn.replace("  virtualMachines:\n", `  virtualMachines:\n${vm("late-gpu")}`) }, "gamma: a GPU VM after Kubernetes");
    const run = await h.waitForCheckRun("ase-gitops/apply", second.after, 90_000);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| gamma \| ⛔ refused \| .*KUBERNETES_HOLDS_GPU/);
    expect(managedVms("gamma")).toEqual(["gateway:running"]);
    expect(armWrites()).toBe(writesBefore);
  }, 120_000);
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

