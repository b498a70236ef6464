import { describe, expect, it } from "vitest";
import { A2, CPU, T4, T4_2GPU, actions, errorCodes, plan, warningCodes } from "./fixtures.js";

const vm = (name: string, size = T4, extra: Record<string, unknown> = {}) => ({ name, size, ...extra });
const seen = (vms: unknown[], extra: Record<string, unknown> = {}) => ({ virtualMachines: vms, ...extra });
const running = (name: string, size = T4, extra: Record<string, unknown> = {}) => ({
  name,
  size,
  powerState: "running",
  gpuExtension: "succeeded",
  ...extra,
});

describe("the seed article's claim table, planned", () => {
  it("1 GPU, new device: GPU VM first, Kubernetes last; Kubernetes gets no GPU", () => {
    const p = plan({ gpus: 1, kubernetes: true, vms: [vm("vm1")] });
    expect(actions(p)).toEqual(["createVm vm1", "installGpuExtension vm1", "configureKubernetes"]);
    expect(p.feasible).toBe(true);
    expect(p.gpus.after).toEqual({ kubernetes: 0, vms: { vm1: 1 }, free: 0 });
    expect(warningCodes(p)).toEqual(["KUBERNETES_NO_GPU"]);
  });

  it("1 GPU, Kubernetes configured first: the GPU VM is blocked", () => {
    const p = plan({ gpus: 1, kubernetes: true, vms: [vm("vm1")] }, seen([], { kubernetes: { configured: true, gpus: 1 } }));
    expect(p.feasible).toBe(false);
    expect(errorCodes(p)).toEqual(["KUBERNETES_HOLDS_GPU"]);
    expect(p.errors[0]).toMatchObject({ file: "devices/dev-1.yaml" });
    expect(p.gpus.after).toEqual({ kubernetes: 1, vms: {}, free: 0 });
  });

  it("2 GPUs: one GPU VM then Kubernetes, which claims the other GPU", () => {
    const p = plan({ gpus: 2, kubernetes: true, vms: [vm("vm1")] });
    expect(actions(p)).toEqual(["createVm vm1", "installGpuExtension vm1", "configureKubernetes"]);
    expect(p.gpus.after).toEqual({ kubernetes: 1, vms: { vm1: 1 }, free: 0 });
    expect(p.warnings).toEqual([]);
  });

  it("2 GPUs: two GPU VMs then Kubernetes with no GPU", () => {
    const p = plan({ gpus: 2, kubernetes: true, vms: [vm("vm1"), vm("vm2")] });
    expect(actions(p)).toEqual(["createVm vm1", "installGpuExtension vm1", "createVm vm2", "installGpuExtension vm2", "configureKubernetes"]);
    expect(p.gpus.after).toEqual({ kubernetes: 0, vms: { vm1: 1, vm2: 1 }, free: 0 });
    expect(warningCodes(p)).toEqual(["KUBERNETES_NO_GPU"]);
  });

  it("2 GPUs, Kubernetes configured first holding both: blocked, or reconfigured when allowed", () => {
    const observed = seen([], { kubernetes: { configured: true, gpus: 2 } });
    const blocked = plan({ gpus: 2, kubernetes: true, vms: [vm("vm1")] }, observed);
    expect(errorCodes(blocked)).toEqual(["KUBERNETES_HOLDS_GPU"]);
    const reconfigured = plan({ gpus: 2, kubernetes: true, allowReconfigure: true, vms: [vm("vm1")] }, observed);
    expect(reconfigured.feasible).toBe(true);
    expect(actions(reconfigured)).toEqual(["removeKubernetes", "createVm vm1", "installGpuExtension vm1", "configureKubernetes"]);
    expect(warningCodes(reconfigured)).toEqual(["KUBERNETES_RECONFIGURE"]);
    expect(reconfigured.gpus.after).toEqual({ kubernetes: 1, vms: { vm1: 1 }, free: 0 });
  });
});

describe("step actions", () => {
  it("deleteVm for a managed VM the manifest dropped, never for an unmanaged one", () => {
    const p = plan({ gpus: 2, vms: [] }, seen([running("old"), running("theirs", CPU, { managed: false })]));
    expect(actions(p)).toEqual(["deleteVm old"]);
  });

  it("deallocateVm for a VM desired deallocated, also when it is only stopped", () => {
    const p = plan(
      { gpus: 2, vms: [vm("a", T4, { powerState: "deallocated" }), vm("b", T4, { powerState: "deallocated" })] },
      seen([running("a"), running("b", T4, { powerState: "stopped" })]),
    );
    expect(actions(p)).toEqual(["deallocateVm a", "deallocateVm b"]);
    expect(p.gpus.after.free).toBe(2);
  });

  it("removeKubernetes when Kubernetes is no longer desired", () => {
    const p = plan({ gpus: 1, kubernetes: false, vms: [vm("vm1")] }, seen([], { kubernetes: { configured: true, gpus: 1 } }));
    expect(actions(p)).toEqual(["removeKubernetes", "createVm vm1", "installGpuExtension vm1"]);
    expect(p.feasible).toBe(true);
  });

  it("updateSoftware when the desired release is newer; never a downgrade", () => {
    expect(actions(plan({ softwareVersion: "2110" }, seen([], { softwareVersion: "2106" })))).toEqual(["updateSoftware"]);
    expect(actions(plan({ softwareVersion: "2103" }, seen([], { softwareVersion: "2106" })))).toEqual([]);
    expect(actions(plan({ softwareVersion: "2106" }, seen([], { softwareVersion: "2106" })))).toEqual([]);
  });

  it("resizeVm deallocates first and starts after", () => {
    const p = plan({ gpus: 1, vms: [vm("vm1", "Standard_NC8as_T4_v3")] }, seen([running("vm1")]));
    expect(actions(p)).toEqual(["deallocateVm vm1", "resizeVm vm1", "startVm vm1"]);
    expect(p.steps[1]).toMatchObject({ size: "Standard_NC8as_T4_v3" });
    expect(p.feasible).toBe(true);
  });

  it("resizeVm of a deallocated VM that stays deallocated needs no start", () => {
    const p = plan(
      { gpus: 1, vms: [vm("vm1", "Standard_NC8as_T4_v3", { powerState: "deallocated" })] },
      seen([running("vm1", T4, { powerState: "deallocated" })]),
    );
    expect(actions(p)).toEqual(["resizeVm vm1"]);
  });

  it("sizes compare case-insensitively, as Azure does", () => {
    expect(actions(plan({ gpus: 1, vms: [vm("vm1", "standard_nc4as_t4_v3")] }, seen([running("vm1")])))).toEqual([]);
  });

  it("startVm for a stopped or deallocated VM desired running", () => {
    const p = plan(
      { gpus: 2, vms: [vm("a"), vm("b")] },
      seen([running("a", T4, { powerState: "stopped" }), running("b", T4, { powerState: "deallocated" })]),
    );
    expect(actions(p)).toEqual(["startVm a", "startVm b"]);
    expect(p.feasible).toBe(true);
  });

  it("steps on the manifest's VMs follow the manifest's order, not the device's listing", () => {
    const p = plan(
      { gpus: 2, vms: [vm("b"), vm("a")] },
      seen([running("a", T4, { powerState: "stopped" }), running("b", T4, { powerState: "stopped" })]),
    );
    expect(actions(p)).toEqual(["startVm b", "startVm a"]);
  });

  it("new VMs are created in the manifest's order when the GPUs suffice", () => {
    const p = plan({ gpus: 2, vms: [vm("run"), vm("parked", T4, { powerState: "deallocated" })] });
    expect(actions(p)).toEqual(["createVm run", "installGpuExtension run", "createVm parked", "installGpuExtension parked"]);
    expect(p.gpus.after).toEqual({ kubernetes: 0, vms: { run: 1 }, free: 1 });
  });

  it("createVm is followed at once by its installGpuExtension; non-GPU sizes get none by default", () => {
    const p = plan({
      gpus: 1,
      vms: [
        vm("gpu"),
        vm("cpu", CPU),
        vm("cpu-ext", CPU, { gpuExtension: true }),
        vm("gpu-no", T4, { gpuExtension: false, powerState: "deallocated" }),
      ],
    });
    // A VM kept deallocated is created first: creating boots it, so it needs the GPU before "gpu" takes it.
    expect(actions(p)).toEqual([
      "createVm gpu-no",
      "createVm gpu",
      "installGpuExtension gpu",
      "createVm cpu",
      "createVm cpu-ext",
      "installGpuExtension cpu-ext",
    ]);
    expect(p.feasible).toBe(true);
  });

  it("installGpuExtension for an existing VM whose extension is missing or failed, not while it installs", () => {
    const p = plan(
      { gpus: 2, vms: [vm("a"), vm("b"), vm("c", CPU)] },
      seen([running("a", T4, { gpuExtension: "none" }), running("b", T4, { gpuExtension: "failed" })]),
    );
    expect(actions(p)).toEqual(["createVm c", "installGpuExtension a", "installGpuExtension b"]);
    const installing = plan({ gpus: 1, vms: [vm("a")] }, seen([running("a", T4, { gpuExtension: "creating" })]));
    expect(actions(installing)).toEqual([]);
  });

  it("configureKubernetes comes after every GPU claim, in the contract's order", () => {
    const p = plan(
      { gpus: 2, kubernetes: true, softwareVersion: "2110", vms: [vm("keep", "Standard_NC8as_T4_v3"), vm("new")] },
      seen([running("keep"), running("gone", CPU)], { softwareVersion: "2106" }),
    );
    expect(p.steps.map((s) => s.action)).toEqual([
      "deleteVm",
      "deallocateVm",
      "updateSoftware",
      "resizeVm",
      "startVm",
      "createVm",
      "installGpuExtension",
      "configureKubernetes",
    ]);
    expect(p.feasible).toBe(true);
  });

  it("a converged device has no steps", () => {
    const p = plan({ gpus: 2, kubernetes: true, vms: [vm("a")] }, seen([running("a")], { kubernetes: { configured: true, gpus: 1 } }));
    expect(p.steps).toEqual([]);
    expect(p.feasible).toBe(true);
  });
});

describe("error codes", () => {
  it("DUPLICATE_VM", () => {
    const p = plan({ gpus: 2, vms: [vm("a"), vm("a", CPU)] });
    expect(errorCodes(p)).toEqual(["DUPLICATE_VM"]);
    expect(actions(p)).toEqual(["createVm a", "installGpuExtension a"]);
  });

  it("UNSUPPORTED_VM_SIZE", () => {
    const p = plan({ gpus: 1, vms: [vm("a", "Standard_NC6s_v3")] });
    expect(errorCodes(p)).toEqual(["UNSUPPORTED_VM_SIZE"]);
    expect(p.feasible).toBe(false);
  });

  it("GPU_MODEL_MISMATCH both ways", () => {
    expect(errorCodes(plan({ gpus: 1, model: "T4", vms: [vm("a", A2)] }))).toEqual(["GPU_MODEL_MISMATCH"]);
    expect(errorCodes(plan({ gpus: 1, model: "A2", vms: [vm("a", T4)] }))).toEqual(["GPU_MODEL_MISMATCH"]);
    expect(plan({ gpus: 1, model: "A2", vms: [vm("a", A2)] }).feasible).toBe(true);
  });

  it("GPU_OVERCOMMIT counts 2-GPU sizes and unmanaged VMs, not deallocated ones", () => {
    expect(errorCodes(plan({ gpus: 1, vms: [vm("a", T4_2GPU)] }))).toEqual(["GPU_OVERCOMMIT"]);
    expect(errorCodes(plan({ gpus: 2, vms: [vm("a"), vm("b"), vm("c")] }))).toEqual(["GPU_OVERCOMMIT"]);
    const unmanaged = plan({ gpus: 1, vms: [vm("a")] }, seen([running("theirs", T4, { managed: false })]));
    expect(errorCodes(unmanaged)).toEqual(["GPU_OVERCOMMIT"]);
    expect(warningCodes(unmanaged)).toContain("UNMANAGED_VM");
    expect(plan({ gpus: 1, vms: [vm("a"), vm("b", T4, { powerState: "deallocated" })] }).feasible).toBe(true);
  });

  it("KUBERNETES_HOLDS_GPU when a stopped VM lost its GPU to Kubernetes", () => {
    const p = plan(
      { gpus: 1, kubernetes: true, vms: [vm("a")] },
      seen([running("a", T4, { powerState: "stopped" })], { kubernetes: { configured: true, gpus: 1 } }),
    );
    expect(errorCodes(p)).toEqual(["KUBERNETES_HOLDS_GPU"]);
    expect(actions(p)).toEqual(["startVm a"]);
  });

  it("KUBERNETES_HOLDS_GPU for a resize to a GPU size while Kubernetes holds the GPUs", () => {
    const p = plan(
      { gpus: 1, kubernetes: true, vms: [vm("a", T4)] },
      seen([running("a", CPU, { gpuExtension: "none" })], { kubernetes: { configured: true, gpus: 1 } }),
    );
    expect(errorCodes(p)).toEqual(["KUBERNETES_HOLDS_GPU"]);
  });
});

describe("warning codes", () => {
  it("KUBERNETES_RECLAIM_RISK when a GPU VM is deallocated, resized or deleted with Kubernetes configured", () => {
    const p = plan(
      { gpus: 2, kubernetes: true, vms: [vm("a", T4, { powerState: "deallocated" }), vm("b", "Standard_NC8as_T4_v3")] },
      seen([running("a"), running("b"), running("c")], { kubernetes: { configured: true, gpus: 0 } }),
    );
    expect(actions(p)).toEqual(["deleteVm c", "deallocateVm a", "deallocateVm b", "resizeVm b", "startVm b"]);
    // One per VM (b's deallocation and resize free the same GPU).
    expect(p.warnings.filter((w) => w.code === "KUBERNETES_RECLAIM_RISK").map((w) => w.message.split(" ")[0])).toEqual(["c", "a", "b"]);
  });

  it("KUBERNETES_RECLAIM_RISK also for a GPU VM resized while already deallocated, once", () => {
    const p = plan(
      { gpus: 1, kubernetes: true, vms: [vm("a", "Standard_NC8as_T4_v3", { powerState: "deallocated" })] },
      seen([running("a", T4, { powerState: "deallocated" })], { kubernetes: { configured: true, gpus: 1 } }),
    );
    expect(actions(p)).toEqual(["resizeVm a"]);
    expect(warningCodes(p)).toEqual(["KUBERNETES_RECLAIM_RISK"]);
  });

  it("MANUAL_STOP_BEFORE_UPDATE from a release before 2103 with GPU VMs allocated", () => {
    const p = plan(
      { gpus: 2, softwareVersion: "2106", vms: [vm("a"), vm("b", T4, { powerState: "deallocated" })] },
      seen([running("a"), running("b", T4, { powerState: "stopped" }), running("theirs", T4, { managed: false })], {
        softwareVersion: "2012",
      }),
    );
    expect(actions(p)).toEqual(["deallocateVm a", "deallocateVm b", "deallocateVm theirs", "updateSoftware", "startVm a", "startVm theirs"]);
    expect(warningCodes(p)).toEqual(["MANUAL_STOP_BEFORE_UPDATE", "UNMANAGED_VM"]);
    expect(p.feasible).toBe(true);
    const fromNewer = plan({ gpus: 1, softwareVersion: "2106", vms: [vm("a")] }, seen([running("a")], { softwareVersion: "2103" }));
    expect(actions(fromNewer)).toEqual(["updateSoftware"]);
    expect(warningCodes(fromNewer)).toEqual([]);
  });

  it("GPU_EXTENSION_OS_UNTESTED outside the validated OS list", () => {
    const untested = plan({ gpus: 2, vms: [vm("a", T4, { os: { type: "Linux", distro: "ubuntu", version: "20.04" } })] });
    expect(warningCodes(untested)).toEqual(["GPU_EXTENSION_OS_UNTESTED"]);
    for (const os of [
      { type: "Linux", distro: "ubuntu", version: "18.04" },
      { type: "Linux", distro: "rhel", version: "7.4" },
      { type: "Windows", version: "2019" },
      { type: "Windows", version: 2016 },
    ]) {
      // Validated, so never "untested" (Ubuntu 18.04's extension is deprecated instead: GPU_EXTENSION_DEPRECATED).
      expect(warningCodes(plan({ gpus: 1, vms: [vm("a", T4, { os })] })).filter((c) => c !== "GPU_EXTENSION_DEPRECATED")).toEqual([]);
    }
  });

  it("UNMANAGED_VM when a VM the controller did not create holds GPUs", () => {
    const p = plan({ gpus: 2, vms: [vm("a")] }, seen([running("theirs", T4, { managed: false })]));
    expect(warningCodes(p)).toEqual(["UNMANAGED_VM"]);
    expect(p.gpus.after.vms).toEqual({ theirs: 1, a: 1 });
  });

  it("an unmanaged VM named in the manifest is adopted", () => {
    const p = plan({ gpus: 1, vms: [vm("a")] }, seen([running("a", T4, { managed: false })]));
    expect(p.steps).toEqual([]);
    expect(p.warnings).toEqual([]);
  });
});
