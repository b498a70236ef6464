/**
 * The claim rules of domain.md §2 on a mutable working copy of a ClaimState, so replaying a
 * plan of thousands of steps on a device with thousands of VMs is linear (issue 9, item 7):
 * a VM is found by name in O(1), the GPUs held are a running sum, and a step changes one VM
 * in place instead of copying the list. model.ts's immutable operations are this ledger
 * applied once, so the planner's replay and the simulator share one set of rules.
 */
import type { ClaimFailureCode, ClaimState, ClaimVm, CreateVmInput, DeallocateOptions } from "./model.js";
import { gpusOfSize, isGpuSize, lookupVmSize } from "./sizes.js";

export interface ClaimFailure {
  readonly ok: false;
  readonly code: ClaimFailureCode;
  readonly reason: string;
}

/** The first release whose update flow manages GPU VMs itself (domain.md §2). */
export const FIRST_RELEASE_MANAGING_GPU_VMS = "2103";

const fail = (code: ClaimFailureCode, reason: string): ClaimFailure => ({ ok: false, code, reason });

/** Compares two YYMM releases; negative when a is older. */
export function compareReleases(a: string, b: string): number {
  return Number(a) - Number(b);
}

export class ClaimLedger {
  /** VMs in the device's order; a deleted VM leaves a hole (undefined) so indexes stay valid. */
  private readonly slots: Array<ClaimVm | undefined>;
  /** Slots of each name: a report may list a name twice, and the model treats both alike. */
  private readonly byName = new Map<string, number[]>();
  private held = 0;
  private softwareVersion: string | undefined;
  private kubernetes: { configured: boolean; gpus: number };

  private constructor(private readonly base: ClaimState) {
    this.slots = [...base.vms];
    this.softwareVersion = base.softwareVersion;
    this.kubernetes = { ...base.kubernetes };
    this.slots.forEach((vm, index) => {
      this.held += vm!.heldGpus;
      const list = this.byName.get(vm!.name);
      if (list) list.push(index);
      else this.byName.set(vm!.name, [index]);
    });
  }

  static from(state: ClaimState): ClaimLedger {
    return new ClaimLedger(state);
  }

  toState(): ClaimState {
    return {
      ...this.base,
      softwareVersion: this.softwareVersion,
      kubernetes: { ...this.kubernetes },
      vms: this.slots.filter((vm): vm is ClaimVm => vm !== undefined),
    };
  }

  get kubernetesGpus(): number {
    return this.kubernetes.gpus;
  }

  get kubernetesConfigured(): boolean {
    return this.kubernetes.configured;
  }

  freeGpus(): number {
    return this.base.totalGpus - this.kubernetes.gpus - this.held;
  }

  find(name: string): ClaimVm | undefined {
    const first = this.byName.get(name)?.[0];
    return first === undefined ? undefined : this.slots[first];
  }

  private replace(vm: ClaimVm): void {
    for (const index of this.byName.get(vm.name) ?? []) {
      this.held += vm.heldGpus - this.slots[index]!.heldGpus;
      this.slots[index] = vm;
    }
  }

  private checkSize(size: string): ClaimFailure | undefined {
    const known = lookupVmSize(size);
    if (!known) return fail("UNSUPPORTED_VM_SIZE", `VM size ${size} is not supported by the device`);
    if (known.gpuModel && known.gpuModel !== this.base.gpuModel) {
      return fail("GPU_MODEL_MISMATCH", `VM size ${known.name} needs an ${known.gpuModel} GPU, the device has ${this.base.gpuModel}`);
    }
    return undefined;
  }

  private noGpu(vm: string, needed: number): ClaimFailure {
    const free = Math.max(0, this.freeGpus());
    const kubernetes = this.kubernetes.gpus > 0 ? `, Kubernetes holds ${this.kubernetes.gpus}` : "";
    return fail("NO_GPU_AVAILABLE", `no GPU available for ${vm}: it needs ${needed}, ${free} free of ${this.base.totalGpus}${kubernetes}`);
  }

  /** Creating a VM boots it, so a GPU size needs its GPUs free at that moment. */
  createVm(input: CreateVmInput): ClaimFailure | undefined {
    if (this.find(input.name)) return fail("VM_EXISTS", `VM ${input.name} already exists`);
    const sizeProblem = this.checkSize(input.size);
    if (sizeProblem) return sizeProblem;
    const needed = gpusOfSize(input.size);
    if (needed > this.freeGpus()) return this.noGpu(input.name, needed);
    const powerState = input.powerState ?? "running";
    const vm: ClaimVm = {
      name: input.name,
      size: input.size,
      powerState,
      gpuExtension: "none",
      managed: input.managed ?? true,
      heldGpus: powerState === "running" ? needed : 0,
    };
    this.byName.set(vm.name, [this.slots.length]);
    this.slots.push(vm);
    this.held += vm.heldGpus;
    return undefined;
  }

  /** Starting needs the GPUs the VM does not already hold (a stopped VM still holds its own). */
  startVm(name: string): ClaimFailure | undefined {
    const vm = this.find(name);
    if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
    const needed = gpusOfSize(vm.size);
    if (needed - vm.heldGpus > this.freeGpus()) return this.noGpu(name, needed);
    this.replace({ ...vm, powerState: "running", heldGpus: needed });
    return undefined;
  }

  /** Stop without deallocating: the VM keeps its GPUs. */
  powerOffVm(name: string): ClaimFailure | undefined {
    const vm = this.find(name);
    if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
    if (vm.powerState !== "deallocated") this.replace({ ...vm, powerState: "stopped" });
    return undefined;
  }

  deallocateVm(name: string, options: DeallocateOptions = {}): ClaimFailure | undefined {
    const vm = this.find(name);
    if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
    this.replace({ ...vm, powerState: "deallocated", heldGpus: 0 });
    if (options.kubernetesReclaims && this.kubernetes.configured && vm.heldGpus > 0) {
      this.kubernetes = { configured: true, gpus: this.kubernetes.gpus + vm.heldGpus };
    }
    return undefined;
  }

  deleteVm(name: string): ClaimFailure | undefined {
    const indexes = this.byName.get(name);
    if (!indexes) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
    for (const index of indexes) {
      this.held -= this.slots[index]!.heldGpus;
      this.slots[index] = undefined;
    }
    this.byName.delete(name);
    return undefined;
  }

  /** The device resizes only deallocated VMs; the new size may need another GPU model. */
  resizeVm(name: string, size: string): ClaimFailure | undefined {
    const vm = this.find(name);
    if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
    if (vm.powerState !== "deallocated") return fail("VM_ALLOCATED", `VM ${name} must be deallocated before it is resized`);
    const sizeProblem = this.checkSize(size);
    if (sizeProblem) return sizeProblem;
    this.replace({ ...vm, size });
    return undefined;
  }

  installGpuExtension(name: string): ClaimFailure | undefined {
    const vm = this.find(name);
    if (!vm) return fail("VM_NOT_FOUND", `VM ${name} does not exist`);
    this.replace({ ...vm, gpuExtension: "succeeded" });
    return undefined;
  }

  /** Kubernetes claims every GPU free at this moment, possibly none; it never fails for GPUs. */
  configureKubernetes(): ClaimFailure | undefined {
    if (this.kubernetes.configured) return fail("KUBERNETES_ALREADY_CONFIGURED", "Kubernetes is already configured");
    this.kubernetes = { configured: true, gpus: Math.max(0, this.freeGpus()) };
    return undefined;
  }

  removeKubernetes(): ClaimFailure | undefined {
    if (!this.kubernetes.configured) return fail("KUBERNETES_NOT_CONFIGURED", "Kubernetes is not configured");
    this.kubernetes = { configured: false, gpus: 0 };
    return undefined;
  }

  /** GPU VMs that hold GPUs now (running or stopped but still allocated). */
  allocatedGpuVms(): ClaimVm[] {
    return this.slots.filter((vm): vm is ClaimVm => vm !== undefined && isGpuSize(vm.size) && vm.powerState !== "deallocated");
  }

  /**
   * Before 2103 the update flow did not manage GPU VMs: they must be stopped (deallocated)
   * first. An unknown starting release is treated as old, the safe side.
   */
  updateSoftware(version: string): ClaimFailure | undefined {
    const from = this.softwareVersion;
    const oldFlow = from === undefined || compareReleases(from, FIRST_RELEASE_MANAGING_GPU_VMS) < 0;
    if (oldFlow) {
      const allocated = this.allocatedGpuVms();
      if (allocated.length > 0) {
        return fail(
          "GPU_VMS_ALLOCATED",
          `updating from ${from ?? "an unknown release"} needs every GPU VM stopped first; still allocated: ${allocated.map((vm) => vm.name).join(", ")}`,
        );
      }
    }
    this.softwareVersion = version;
    return undefined;
  }
}
