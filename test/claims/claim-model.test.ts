import { describe, expect, it } from "vitest";
import {
  type ClaimResult,
  type ClaimState,
  configureKubernetes,
  createVm,
  deallocateVm,
  deleteVm,
  freeGpus,
  powerOffVm,
  removeKubernetes,
  resizeVm,
  startVm,
  stateFromObserved,
  updateSoftware,
} from "../../shared/core/claims/model.js";

const T4 = "Standard_NC4as_T4_v3";

function device(totalGpus: 1 | 2): ClaimState {
  return stateFromObserved({ totalGpus });
}

function unwrap(result: ClaimResult): ClaimState {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.reason}`);
  return result.state;
}

describe("the seed article's claim table (domain.md §2)", () => {
  it("1 GPU: GPU VM first, then Kubernetes: both succeed, Kubernetes gets no GPU", () => {
    const withVm = unwrap(createVm(device(1), { name: "vm1", size: T4 }));
    const after = unwrap(configureKubernetes(withVm));
    expect(after.kubernetes).toEqual({ configured: true, gpus: 0 });
    expect(after.vms[0]!.heldGpus).toBe(1);
  });

  it("1 GPU: Kubernetes first, then GPU VM: Kubernetes claims the GPU, the VM fails", () => {
    const withKubernetes = unwrap(configureKubernetes(device(1)));
    expect(withKubernetes.kubernetes.gpus).toBe(1);
    const result = createVm(withKubernetes, { name: "vm1", size: T4 });
    expect(result).toMatchObject({ ok: false, code: "NO_GPU_AVAILABLE" });
  });

  it("2 GPUs: one GPU VM, then Kubernetes: Kubernetes claims the remaining GPU", () => {
    const after = unwrap(configureKubernetes(unwrap(createVm(device(2), { name: "vm1", size: T4 }))));
    expect(after.kubernetes.gpus).toBe(1);
    expect(freeGpus(after)).toBe(0);
  });

  it("2 GPUs: two GPU VMs, then Kubernetes: Kubernetes configures with no GPU", () => {
    let state = unwrap(createVm(device(2), { name: "vm1", size: T4 }));
    state = unwrap(createVm(state, { name: "vm2", size: T4 }));
    state = unwrap(configureKubernetes(state));
    expect(state.kubernetes).toEqual({ configured: true, gpus: 0 });
  });

  it("2 GPUs: Kubernetes first, then GPU VM: Kubernetes claims both GPUs, the VM fails", () => {
    const withKubernetes = unwrap(configureKubernetes(device(2)));
    expect(withKubernetes.kubernetes.gpus).toBe(2);
    expect(createVm(withKubernetes, { name: "vm1", size: T4 })).toMatchObject({ ok: false, code: "NO_GPU_AVAILABLE" });
  });
});

describe("claim model operations", () => {
  it("a 2-GPU size needs two free GPUs", () => {
    expect(createVm(device(1), { name: "big", size: "Standard_NC32as_2T4_v1" })).toMatchObject({ ok: false, code: "NO_GPU_AVAILABLE" });
    expect(unwrap(createVm(device(2), { name: "big", size: "Standard_NC32as_2T4_v1" })).vms[0]!.heldGpus).toBe(2);
  });

  it("non-GPU VMs hold no GPU", () => {
    const state = unwrap(createVm(device(1), { name: "cpu", size: "Standard_D2_v2" }));
    expect(freeGpus(state)).toBe(1);
  });

  it("a stopped VM keeps its GPU; a deallocated one gives it up", () => {
    let state = unwrap(createVm(device(1), { name: "vm1", size: T4 }));
    state = unwrap(powerOffVm(state, "vm1"));
    expect(freeGpus(state)).toBe(0);
    expect(unwrap(startVm(state, "vm1")).vms[0]!.powerState).toBe("running");
    state = unwrap(deallocateVm(state, "vm1"));
    expect(freeGpus(state)).toBe(1);
  });

  it("starting a deallocated GPU VM needs a free GPU", () => {
    let state = unwrap(createVm(device(1), { name: "vm1", size: T4 }));
    state = unwrap(deallocateVm(state, "vm1"));
    state = unwrap(configureKubernetes(state));
    expect(startVm(state, "vm1")).toMatchObject({ ok: false, code: "NO_GPU_AVAILABLE" });
    state = unwrap(removeKubernetes(state));
    expect(unwrap(startVm(state, "vm1")).vms[0]!.heldGpus).toBe(1);
  });

  it("with the reclaim risk, Kubernetes takes the GPU a deallocated VM frees", () => {
    let state = unwrap(createVm(device(2), { name: "vm1", size: T4 }));
    state = unwrap(configureKubernetes(state));
    state = unwrap(deallocateVm(state, "vm1", { kubernetesReclaims: true }));
    expect(state.kubernetes.gpus).toBe(2);
    expect(startVm(state, "vm1")).toMatchObject({ ok: false, code: "NO_GPU_AVAILABLE" });
  });

  it("resizing needs a deallocated VM and a size of the device's GPU model", () => {
    let state = unwrap(createVm(device(1), { name: "vm1", size: T4 }));
    expect(resizeVm(state, "vm1", "Standard_NC8as_T4_v3")).toMatchObject({ ok: false, code: "VM_ALLOCATED" });
    state = unwrap(deallocateVm(state, "vm1"));
    expect(resizeVm(state, "vm1", "Standard_NC4as_A2")).toMatchObject({ ok: false, code: "GPU_MODEL_MISMATCH" });
    expect(resizeVm(state, "vm1", "Standard_Nope")).toMatchObject({ ok: false, code: "UNSUPPORTED_VM_SIZE" });
    expect(unwrap(resizeVm(state, "vm1", "Standard_NC8as_T4_v3")).vms[0]!.size).toBe("Standard_NC8as_T4_v3");
  });

  it("updating from before 2103 needs GPU VMs stopped; from 2103 on it does not", () => {
    const old = stateFromObserved({
      totalGpus: 1,
      softwareVersion: "2012",
      virtualMachines: [{ name: "vm1", size: T4, powerState: "running" }],
    });
    expect(updateSoftware(old, "2106")).toMatchObject({ ok: false, code: "GPU_VMS_ALLOCATED" });
    expect(unwrap(updateSoftware(unwrap(deallocateVm(old, "vm1")), "2106")).softwareVersion).toBe("2106");
    const newer = { ...old, softwareVersion: "2103" };
    expect(unwrap(updateSoftware(newer, "2106")).softwareVersion).toBe("2106");
  });

  it("refuses what the device refuses", () => {
    const state = unwrap(createVm(device(1), { name: "vm1", size: "Standard_D2_v2" }));
    expect(createVm(state, { name: "vm1", size: "Standard_D2_v2" })).toMatchObject({ ok: false, code: "VM_EXISTS" });
    expect(deleteVm(state, "nope")).toMatchObject({ ok: false, code: "VM_NOT_FOUND" });
    expect(removeKubernetes(state)).toMatchObject({ ok: false, code: "KUBERNETES_NOT_CONFIGURED" });
    expect(configureKubernetes(unwrap(configureKubernetes(state)))).toMatchObject({
      ok: false,
      code: "KUBERNETES_ALREADY_CONFIGURED",
    });
  });

  it("an observed state claiming too much keeps running VMs, then Kubernetes, then stopped VMs", () => {
    const state = stateFromObserved({
      totalGpus: 2,
      kubernetes: { configured: true, gpus: 2 },
      virtualMachines: [
        { name: "stopped", size: T4, powerState: "stopped" },
        { name: "running", size: T4, powerState: "running" },
      ],
    });
    expect(state.vms.map((vm) => [vm.name, vm.heldGpus])).toEqual([
      ["stopped", 0],
      ["running", 1],
    ]);
    expect(state.kubernetes.gpus).toBe(1);
    expect(freeGpus(state)).toBe(0);
  });
});
