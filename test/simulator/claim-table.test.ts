/**
 * The seed's claim table (domain.md §2) driven directly against the simulator's REST API:
 * plain HTTPS, a token from its ADFS, template deployments, the Kubernetes role.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { manifest, restSession } from "./fixtures.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function device(gpus: 1 | 2, options: { reclaimRisk?: boolean } = {}) {
  sim = await startSimulator({ manifests: [manifest("dev", { gpus, vms: [{ name: "x" }] })], reclaimRisk: options.reclaimRisk ?? false });
  return restSession(sim, "dev");
}

describe("claim table over REST", () => {
  it("1 GPU: GPU VM first, then Kubernetes: both succeed, Kubernetes gets no GPU", async () => {
    const s = await device(1);
    expect((await s.createVm("vm1")).body.properties.provisioningState).toBe("Succeeded");
    expect((await s.configureKubernetes()).status).toBe("Succeeded");
    expect((await s.role()).body.properties.provisioningState).toBe("Created");
    expect(await s.capacity()).toMatchObject({ gpuTotalUnitsCount: 1, gpuUsedUnitsCount: 1, gpuFreeUnitsCount: 0 });
    expect(sim!.claims("dev").kubernetes).toEqual({ configured: true, gpus: 0 });
  });

  it("1 GPU: Kubernetes first, then a GPU VM: the VM deployment fails for lack of a GPU", async () => {
    const s = await device(1);
    expect((await s.configureKubernetes()).status).toBe("Succeeded");
    expect(sim!.claims("dev").kubernetes).toEqual({ configured: true, gpus: 1 });
    const dep = await s.createVm("vm1");
    expect(dep.body.properties.provisioningState).toBe("Failed");
    expect(dep.body.properties.error.details[0].code).toBe("NoGpuAvailable");
    expect(dep.body.properties.error.details[0].message).toMatch(/no GPU available/);
    expect(sim!.claims("dev").vms).toEqual([]);
  });

  it("2 GPUs: one GPU VM, then Kubernetes: Kubernetes claims the remaining GPU", async () => {
    const s = await device(2);
    expect((await s.createVm("vm1")).body.properties.provisioningState).toBe("Succeeded");
    expect((await s.configureKubernetes()).status).toBe("Succeeded");
    expect(sim!.claims("dev").kubernetes).toEqual({ configured: true, gpus: 1 });
    expect(await s.capacity()).toMatchObject({ gpuUsedUnitsCount: 2, gpuFreeUnitsCount: 0 });
  });

  it("2 GPUs: two GPU VMs, then Kubernetes: configured with no GPU", async () => {
    const s = await device(2);
    expect((await s.createVm("vm1")).body.properties.provisioningState).toBe("Succeeded");
    expect((await s.createVm("vm2")).body.properties.provisioningState).toBe("Succeeded");
    expect((await s.configureKubernetes()).status).toBe("Succeeded");
    expect(sim!.claims("dev").kubernetes).toEqual({ configured: true, gpus: 0 });
  });

  it("2 GPUs: Kubernetes first, then a GPU VM: Kubernetes holds both GPUs, the VM fails", async () => {
    const s = await device(2);
    expect((await s.configureKubernetes()).status).toBe("Succeeded");
    expect(sim!.claims("dev").kubernetes).toEqual({ configured: true, gpus: 2 });
    const dep = await s.createVm("vm1");
    expect(dep.body.properties.error.details[0].code).toBe("NoGpuAvailable");
  });

  it("a non-GPU VM is created even when Kubernetes holds every GPU", async () => {
    const s = await device(1);
    await s.configureKubernetes();
    expect((await s.createVm("cpu1", "Standard_D2_v2")).body.properties.provisioningState).toBe("Succeeded");
  });

  it("with --reclaim-risk, deallocating a GPU VM lets Kubernetes take its GPU; the VM cannot start again", async () => {
    const s = await device(1, { reclaimRisk: true });
    await s.createVm("vm1");
    await s.configureKubernetes();
    expect((await s.vmAction("vm1", "deallocate")).status).toBe("Succeeded");
    expect(sim!.claims("dev").kubernetes.gpus).toBe(1);
    const start = await s.vmAction("vm1", "start");
    expect(start.status).toBe("Failed");
    expect(start.error.code).toBe("NoGpuAvailable");
  });

  it("without reclaim risk, a deallocated GPU VM starts again; powerOff keeps its GPU", async () => {
    const s = await device(1);
    await s.createVm("vm1");
    await s.configureKubernetes();
    expect((await s.vmAction("vm1", "powerOff")).status).toBe("Succeeded");
    expect(await s.capacity()).toMatchObject({ gpuUsedUnitsCount: 1 });
    expect((await s.vmAction("vm1", "deallocate")).status).toBe("Succeeded");
    expect(sim!.claims("dev").kubernetes.gpus).toBe(0);
    expect((await s.vmAction("vm1", "start")).status).toBe("Succeeded");
    const vm = await s.call("GET", `${s.rgPath}/providers/Microsoft.Compute/virtualMachines/vm1?$expand=instanceView`, "2017-12-01");
    expect(vm.body.properties.instanceView.statuses.map((x: { code: string }) => x.code)).toContain("PowerState/running");
  });

  it("installing updates from before 2103 fails while GPU VMs are allocated", async () => {
    sim = await startSimulator({
      manifests: [manifest("dev", { vms: [{ name: "x" }], softwareVersion: "2106" })],
      observed: {
        devices: {
          dev: {
            softwareVersion: "2012",
            kubernetes: { configured: false, gpus: 0 },
            virtualMachines: [{ name: "vm1", size: "Standard_NC4as_T4_v3", powerState: "running", gpuExtension: "succeeded", managed: true }],
          },
        },
      },
    });
    const s = await restSession(sim, "dev");
    expect((await s.wait(await s.call("POST", `${s.dbePath}/downloadUpdates`, "2021-06-01"))).status).toBe("Succeeded");
    const install = await s.wait(await s.call("POST", `${s.dbePath}/installUpdates`, "2021-06-01"));
    expect(install.status).toBe("Failed");
    expect(install.error.code).toBe("GpuVmsMustBeStopped");
    await s.vmAction("vm1", "deallocate");
    expect((await s.wait(await s.call("POST", `${s.dbePath}/installUpdates`, "2021-06-01"))).status).toBe("Succeeded");
    const summary = await s.call("GET", `${s.dbePath}/updateSummary/default`, "2021-06-01");
    expect(summary.body.properties.friendlyDeviceVersionName).toBe("Azure Stack Edge 2106");
  });
});
