/**
 * Drift checks against the simulator (real SDK clients over HTTPS): every drift code from
 * a direct change of the simulated device's state, and unreachable devices never clean.
 */
import { afterEach, describe, expect, it } from "vitest";
import { checkDevice } from "../../shared/use-cases/check-drift/check-device.js";
import { deviceSettingsFromEnv } from "../../shared/composition/device-settings.js";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../simulator/index.js";
import { GPU_SIZE, at, manifest, restSession, testEnv } from "../simulator/fixtures.js";
import { addVmByHand, convergedFleet, deleteVmByHand, editVm, setExtension, setKubernetes } from "./fixtures.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(m: EdgeDevice, options: Partial<SimulatorOptions> = {}) {
  sim = await startSimulator({ manifests: [m], observed: convergedFleet([m]), ...options });
  return at(sim, m);
}

async function check(m: EdgeDevice, env: Record<string, string> = {}) {
  const settings = deviceSettingsFromEnv(testEnv(sim!, { ASE_GITOPS_RETRY_ATTEMPTS: "2", ...env }));
  return checkDevice({ manifest: m, file: `devices/${m.metadata.name}.yaml` }, settings);
}

const codes = (report: Awaited<ReturnType<typeof check>>) => report.drift.map((d) => (d.vm ? `${d.code}:${d.vm}` : d.code));

describe("drift check against the simulator", () => {
  it("a converged device has no drift", async () => {
    const m = await start(manifest("dev", { gpus: 2, vms: [{ name: "vm1" }], kubernetes: true, softwareVersion: "2303" }));
    const report = await check(m);
    expect(report).toMatchObject({ status: "converged", drift: [], remediation: { action: "none" } });
    expect(report.plan?.steps).toEqual([]);
  });

  it("VM_MISSING: a VM deleted by hand", async () => {
    const m = await start(manifest("dev", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2" }] }));
    deleteVmByHand(sim!, "dev", "vm2");
    const report = await check(m);
    expect(codes(report)).toEqual(["VM_MISSING:vm2"]);
    expect(report.plan!.steps.map((s) => s.action)).toEqual(["createVm", "installGpuExtension"]);
    expect(report.plan!.feasible).toBe(true);
  });

  it("VM_UNEXPECTED: a managed VM that the manifest does not list; unmanaged VMs are not drift", async () => {
    const m = await start(manifest("dev", { gpus: 2, vms: [{ name: "vm1" }] }));
    addVmByHand(sim!, "dev", "stray", "Standard_D2_v2", true);
    addVmByHand(sim!, "dev", "theirs", "Standard_D2_v2", false);
    const report = await check(m);
    expect(codes(report)).toEqual(["VM_UNEXPECTED:stray"]);
    expect(report.plan!.steps).toEqual([{ action: "deleteVm", vm: "stray" }]);
  });

  it("VM_POWER: desired running, found deallocated or stopped; desired deallocated, found running", async () => {
    const m = await start(
      manifest("dev", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2" }, { name: "vm3", size: "Standard_D2_v2", powerState: "deallocated" }] }),
    );
    editVm(sim!, "dev", "vm1", () => ({ powerState: "deallocated", heldGpus: 0 }));
    editVm(sim!, "dev", "vm2", () => ({ powerState: "stopped" }));
    editVm(sim!, "dev", "vm3", () => ({ powerState: "running" }));
    const report = await check(m);
    expect(codes(report)).toEqual(["VM_POWER:vm1", "VM_POWER:vm2", "VM_POWER:vm3"]);
    expect(report.drift.find((d) => d.vm === "vm1")).toMatchObject({ expected: "running", found: "deallocated" });
  });

  it("VM_SIZE: resized by hand", async () => {
    const m = await start(manifest("dev", { gpus: 1, vms: [{ name: "vm1" }] }));
    editVm(sim!, "dev", "vm1", () => ({ size: "Standard_NC8as_T4_v3" }));
    const report = await check(m);
    expect(codes(report)).toEqual(["VM_SIZE:vm1"]);
    expect(report.drift[0]).toMatchObject({ expected: GPU_SIZE, found: "Standard_NC8as_T4_v3" });
  });

  it("GPU_EXTENSION: missing or failed; an extension being installed is not drift", async () => {
    const m = await start(manifest("dev", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2" }] }));
    setExtension(sim!, "dev", "vm1", "Failed");
    setExtension(sim!, "dev", "vm2", undefined);
    let report = await check(m);
    expect(codes(report)).toEqual(["GPU_EXTENSION:vm1", "GPU_EXTENSION:vm2"]);
    expect(report.drift.map((d) => d.found)).toEqual(["failed", "missing"]);
    setExtension(sim!, "dev", "vm1", "Creating");
    setExtension(sim!, "dev", "vm2", "Succeeded");
    report = await check(m);
    expect(report.status).toBe("converged");
  });

  it("KUBERNETES_STATE: configured but disabled in the manifest, and the other way round", async () => {
    const m = await start(manifest("dev", { gpus: 1, vms: [{ name: "vm1" }], kubernetes: false }));
    setKubernetes(sim!, "dev", true, 0);
    expect(codes(await check(m))).toEqual(["KUBERNETES_STATE"]);
    const wanted = { ...m, spec: { ...m.spec, kubernetes: { enabled: true, allowReconfigure: false } } };
    setKubernetes(sim!, "dev", false);
    const report = await check(wanted);
    expect(codes(report)).toEqual(["KUBERNETES_STATE"]);
    expect(report.drift[0]).toMatchObject({ expected: "configured", found: "not configured" });
  });

  it("KUBERNETES_RECLAIMED_GPU: a GPU VM deallocated on a device with --reclaim-risk loses its GPU to Kubernetes", async () => {
    const m = await start(manifest("dev", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2" }], kubernetes: true }), { reclaimRisk: true });
    const rest = await restSession(sim!, "dev");
    await rest.vmAction("vm1", "deallocate");
    expect(sim!.claims("dev").kubernetes).toEqual({ configured: true, gpus: 1 });
    const report = await check(m);
    expect(codes(report)).toEqual(["VM_POWER:vm1", "KUBERNETES_RECLAIMED_GPU:vm1"]);
    expect(report.drift[1]!.message).toMatch(/cannot be started or created again until Kubernetes is reconfigured/);
    expect(report.plan!.feasible).toBe(false);
    expect(report.plan!.errors.map((e) => e.code)).toEqual(["KUBERNETES_HOLDS_GPU"]);
  });

  it("SOFTWARE_VERSION: an older release than the manifest's", async () => {
    const m = await start(manifest("dev", { gpus: 1, softwareVersion: "2303" }));
    sim!.setClaims("dev", { ...sim!.claims("dev"), softwareVersion: "2110" });
    const report = await check(m);
    expect(codes(report)).toEqual(["SOFTWARE_VERSION"]);
    expect(report.drift[0]).toMatchObject({ expected: "2303", found: "2110" });
    expect(report.plan!.steps.map((s) => s.action)).toEqual(["updateSoftware"]);
  });

  it("UNREACHABLE: a wrong password is reported, never clean", async () => {
    const m = await start(manifest("dev", { gpus: 1 }));
    const report = await check(m, { DEVICE_PASSWORD: "wrong-password" });
    expect(report.status).toBe("unreachable");
    expect(codes(report)).toEqual(["UNREACHABLE"]);
    expect(report.error?.code, report.error?.message).toBe("AUTHENTICATION_FAILED");
  });

  it("UNREACHABLE: a stopped device, a missing credential, an endpoint off the allow-list", async () => {
    const m = await start(manifest("dev", { gpus: 1 }));
    const env = { ...testEnv(sim!), ASE_GITOPS_DEVICE_CA: sim!.caPem };
    const settings = deviceSettingsFromEnv({ ...env, ASE_GITOPS_RETRY_ATTEMPTS: "2" });
    await sim!.close();
    sim = undefined;
    const down = await checkDevice({ manifest: m, file: "d.yaml" }, settings);
    expect(down).toMatchObject({ status: "unreachable", drift: [{ code: "UNREACHABLE" }] });
    expect(down.error?.code, down.error?.message).toBe("NETWORK_ERROR");
    const noSecret = await checkDevice({ manifest: m, file: "d.yaml" }, deviceSettingsFromEnv({ ...env, DEVICE_PASSWORD: "" }));
    expect(noSecret.error?.code).toBe("MISSING_CREDENTIAL");
    expect(noSecret.status).toBe("unreachable");
    const blocked = await checkDevice(
      { manifest: m, file: "d.yaml" },
      deviceSettingsFromEnv({ ...env, ASE_GITOPS_ALLOWED_ENDPOINTS: "*.contoso.com" }),
    );
    expect(blocked.error?.code).toBe("ENDPOINT_NOT_ALLOWED");
    expect(blocked.status).toBe("unreachable");
  });

  it("reads only what the comparison needs: VMs and role, the release when the manifest names one, capacity only when a GPU VM that should run does not", async () => {
    const plain = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }] });
    const full = manifest("full", { gpus: 2, vms: [{ name: "vm1" }], kubernetes: true, softwareVersion: "2303" });
    const live = await startSimulator({ manifests: [plain, full], observed: convergedFleet([plain, full]) });
    sim = live;
    const armReads = async (m: typeof plain) => {
      const before = live.requests.length;
      const report = await check(at(live, m));
      const arm = live.requests.slice(before).filter((r) => !r.path.startsWith("/adfs"));
      expect(arm.every((r) => r.method === "GET")).toBe(true);
      expect(report.reads).toBe(arm.length);
      return { count: arm.length, report };
    };
    expect((await armReads(plain)).count).toBe(2);
    expect((await armReads(full)).count).toBe(3);
    // vm1 stopped behind the controller's back: is its GPU still there? Now capacity is read.
    const device = live.device("full");
    device.claims = {
      ...device.claims,
      vms: device.claims.vms.map((v) => (v.name === "vm1" ? { ...v, powerState: "deallocated", heldGpus: 0 } : v)),
    };
    const drifted = await armReads(full);
    expect(drifted.count).toBe(4);
    expect(drifted.report.drift.map((d) => d.code)).toContain("VM_POWER");
  });
});
