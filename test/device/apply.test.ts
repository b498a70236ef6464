/**
 * observe/apply end to end: the real SDK clients (identity, arm-compute, hybrid resources,
 * arm-databoxedge) over HTTPS against the in-process simulator.
 */
import { afterEach, describe, expect, it } from "vitest";
import { applyFleet, deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import type { ObservedDevice, ObservedState } from "../../shared/core/plan/observed.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../simulator/index.js";
import { GPU_SIZE, at, manifest, testEnv } from "../simulator/fixtures.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const plan = (input: Parameters<typeof planDevice>[0], observed: ObservedDevice) => planDevice(input, observed);

async function applyTo(manifests: EdgeDevice[], options: Partial<SimulatorOptions> = {}, env: Record<string, string> = {}) {
  sim = await startSimulator({ manifests, ...options });
  const targets = manifests.map((m) => ({ manifest: at(sim!, m), file: `${m.metadata.name}.yaml` }));
  const settings = deviceSettingsFromEnv(testEnv(sim, env));
  const results = await applyFleet(targets, settings, { plan });
  const observed = await observeFleet(targets, settings);
  return { results, observed, targets, settings };
}

const k8sRow = (kubernetesGpus: number): ObservedState => ({
  devices: { dev: { kubernetes: { configured: true, gpus: kubernetesGpus }, virtualMachines: [] } },
});

describe("apply: the claim table end to end", () => {
  it("1 GPU, GPU VM + Kubernetes: the VM is created first, Kubernetes gets no GPU", async () => {
    const m = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }], kubernetes: true });
    const { results, observed } = await applyTo([m]);
    expect(results[0]).toMatchObject({ status: "converged" });
    expect(results[0]!.plan!.steps.map((s) => s.action)).toEqual(["createVm", "installGpuExtension", "configureKubernetes"]);
    expect(observed.devices.dev).toMatchObject({
      kubernetes: { configured: true, gpus: 0 },
      virtualMachines: [{ name: "vm1", size: GPU_SIZE, powerState: "running", gpuExtension: "succeeded", managed: true }],
    });
  });

  it("1 GPU, Kubernetes already holds the GPU: the plan is refused and nothing is touched", async () => {
    const m = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }], kubernetes: true });
    const { results } = await applyTo([m], { observed: k8sRow(1) });
    expect(results[0]).toMatchObject({ status: "refused", error: { code: "PLAN_INFEASIBLE" } });
    expect(results[0]!.error!.message).toMatch(/KUBERNETES_HOLDS_GPU/);
    expect(sim!.requests.filter((r) => r.method !== "GET" && !r.path.startsWith("/adfs"))).toEqual([]);
    expect(sim!.claims("dev").vms).toEqual([]);
  });

  it("1 GPU, Kubernetes holds the GPU, allowReconfigure: Kubernetes is removed, the VM created, Kubernetes re-added", async () => {
    const m = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }], kubernetes: true, allowReconfigure: true });
    const { results, observed } = await applyTo([m], { observed: k8sRow(1) });
    expect(results[0]).toMatchObject({ status: "converged" });
    expect(results[0]!.plan!.steps.map((s) => s.action)).toEqual(["removeKubernetes", "createVm", "installGpuExtension", "configureKubernetes"]);
    expect(observed.devices.dev!.kubernetes).toEqual({ configured: true, gpus: 0 });
  });

  it("2 GPUs, one GPU VM + Kubernetes: Kubernetes claims the remaining GPU", async () => {
    const m = manifest("dev", { gpus: 2, vms: [{ name: "vm1" }], kubernetes: true });
    const { results, observed } = await applyTo([m]);
    expect(results[0]!.status).toBe("converged");
    expect(observed.devices.dev!.kubernetes).toEqual({ configured: true, gpus: 1 });
  });

  it("2 GPUs, two GPU VMs + Kubernetes: Kubernetes is configured with no GPU", async () => {
    const m = manifest("dev", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2" }], kubernetes: true });
    const { results, observed } = await applyTo([m]);
    expect(results[0]!.status).toBe("converged");
    expect(observed.devices.dev!.kubernetes).toEqual({ configured: true, gpus: 0 });
    expect(observed.devices.dev!.virtualMachines.map((v) => v.name)).toEqual(["vm1", "vm2"]);
  });

  it("2 GPUs, Kubernetes holds both: creating a GPU VM is refused", async () => {
    const m = manifest("dev", { gpus: 2, vms: [{ name: "vm1" }], kubernetes: true });
    const { results } = await applyTo([m], { observed: k8sRow(2) });
    expect(results[0]).toMatchObject({ status: "refused", error: { code: "PLAN_INFEASIBLE" } });
    expect(sim!.claims("dev").vms).toEqual([]);
  });
});

describe("apply: other steps", () => {
  it("deletes unlisted managed VMs with their NIC and deployments, keeps unmanaged ones, creates deallocated VMs deallocated", async () => {
    const m = manifest("dev", { gpus: 2, vms: [{ name: "keep" }, { name: "cold", size: "Standard_D2_v2", powerState: "deallocated" }] });
    const observed: ObservedState = {
      devices: {
        dev: {
          kubernetes: { configured: false, gpus: 0 },
          virtualMachines: [
            { name: "keep", size: GPU_SIZE, powerState: "deallocated", gpuExtension: "succeeded", managed: true },
            { name: "old", size: GPU_SIZE, powerState: "running", gpuExtension: "succeeded", managed: true },
            { name: "theirs", size: "Standard_D1_v2", powerState: "running", gpuExtension: "none", managed: false },
          ],
        },
      },
    };
    const { results, observed: after } = await applyTo([m], { observed });
    expect(results[0]).toMatchObject({ status: "converged" });
    const vms = after.devices.dev!.virtualMachines;
    expect(vms.map((v) => [v.name, v.powerState, v.managed])).toEqual([
      ["cold", "deallocated", true],
      ["keep", "running", true],
      ["theirs", "running", false],
    ]);
    const d = sim!.device("dev");
    expect([...d.nics.keys()].some((k) => k.endsWith("/old-nic"))).toBe(false);
  });

  it("updates the software, resizes a VM (deallocate, resize, start) and uses the release's extension version", async () => {
    const m = manifest("dev", {
      gpus: 1,
      vms: [
        { name: "vm1", size: "Standard_NC8as_T4_v3" },
        { name: "win", size: "Standard_D2_v2", os: { type: "Windows", version: "2019" } },
      ],
      softwareVersion: "2205",
    });
    const observed: ObservedState = {
      devices: {
        dev: {
          softwareVersion: "2106",
          kubernetes: { configured: false, gpus: 0 },
          virtualMachines: [{ name: "vm1", size: GPU_SIZE, powerState: "running", gpuExtension: "none", managed: true }],
        },
      },
    };
    const { results, observed: after } = await applyTo([m], { observed });
    expect(results[0]!.error).toBeUndefined();
    expect(results[0]!.plan!.steps.map((s) => s.action)).toEqual([
      "deallocateVm",
      "updateSoftware",
      "resizeVm",
      "startVm",
      "createVm",
      "installGpuExtension",
    ]);
    expect(after.devices.dev).toMatchObject({
      softwareVersion: "2205",
      virtualMachines: [{ name: "vm1", size: "Standard_NC8as_T4_v3", powerState: "running", gpuExtension: "succeeded" }, { name: "win" }],
    });
    expect(sim!.device("dev").vms.get("vm1")!.extensions.get("gpu-driver")!.typeHandlerVersion).toBe("1.8");
  });

  it("a converged device is applied with zero steps and no writes", async () => {
    const m = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }] });
    const { targets, settings } = await applyTo([m]);
    const before = sim!.requests.length;
    const again = await applyFleet(targets, settings, { plan });
    expect(again[0]).toMatchObject({ status: "converged", stepsDone: 0 });
    expect(sim!.requests.slice(before).filter((r) => r.method !== "GET" && !r.path.startsWith("/adfs"))).toEqual([]);
  });

  it("reports the device's refusal when the live state moved under the plan (reclaim during apply)", async () => {
    // Kubernetes takes the GPU between observe and createVm: the deployment fails terminally.
    const m = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }] });
    sim = await startSimulator({ manifests: [m] });
    const target = { manifest: at(sim, m), file: "dev.yaml" };
    const results = await applyFleet([target], deviceSettingsFromEnv(testEnv(sim)), {
      plan: (input, observed) => {
        const p = planDevice(input, observed);
        sim!.setClaims("dev", { ...sim!.claims("dev"), kubernetes: { configured: true, gpus: 1 } });
        return p;
      },
    });
    expect(results[0]).toMatchObject({ status: "failed", error: { code: "NO_GPU_AVAILABLE", step: { action: "createVm", vm: "vm1" } } });
  });
});

describe("apply under faults", () => {
  it("converges at a 20% fault rate with no duplicate VM, NIC or deployment", async () => {
    const manifests = [
      manifest("a", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2", size: "Standard_D2_v2" }], kubernetes: true }),
      manifest("b", { gpus: 1, vms: [{ name: "vm1" }, { name: "cold", size: "Standard_F2", powerState: "deallocated" }] }),
      manifest("c", { gpus: 2, vms: [{ name: "x1" }, { name: "x2" }], kubernetes: true }),
    ];
    const { results, observed } = await applyTo(
      manifests,
      { faults: "429:0.06,500:0.06,reset:0.04,asyncfail:0.04", seed: 3, throttleRetryAfterSec: 0 },
      { ASE_GITOPS_RETRY_ATTEMPTS: "12" },
    );
    expect(results.map((r) => [r.device, r.status, r.error?.message])).toEqual([
      ["a", "converged", undefined],
      ["b", "converged", undefined],
      ["c", "converged", undefined],
    ]);
    expect(observed.errors).toEqual({});
    const faults = sim!.requests.filter((r) => r.status === 429 || r.status === 500 || (r.status === 0 && !r.path.startsWith("/adfs")));
    expect(faults.length).toBeGreaterThan(5);
    for (const m of manifests) {
      const d = sim!.device(m.metadata.name);
      const names = m.spec.virtualMachines.map((v) => v.name).sort();
      expect([...d.vms.values()].map((v) => v.name).sort()).toEqual(names);
      expect([...d.nics.values()].map((n) => n.name).sort()).toEqual(names.map((n) => `${n}-nic`));
      const deployments = [...d.deployments.values()].map((dep) => dep.name).sort();
      expect(new Set(deployments).size).toBe(deployments.length);
      expect(deployments.every((n) => /^ase-gitops-.+-(vm|gpuext)$/.test(n))).toBe(true);
    }
  });
});
