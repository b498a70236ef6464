/**
 * The VM sizes an Azure Stack Edge Pro GPU device supports (domain.md §3), with the GPUs
 * each one holds while allocated. Azure compares size names case-insensitively, so do we.
 */

export type GpuModel = "T4" | "A2";

export interface VmSize {
  /** Canonical spelling, e.g. `Standard_NC4as_T4_v3`. */
  readonly name: string;
  /** GPUs the VM holds while allocated (0 for non-GPU sizes). */
  readonly gpus: 0 | 1 | 2;
  /** The GPU model the size needs, or undefined for non-GPU sizes. */
  readonly gpuModel?: GpuModel;
}

const T4_SIZES: ReadonlyArray<[string, 1 | 2]> = [
  ["Standard_NC4as_T4_v3", 1],
  ["Standard_NC8as_T4_v3", 1],
  ["Standard_NC16as_T4_v3", 1],
  ["Standard_NC16as_T4_v1", 1],
  ["Standard_NC32as_T4_v3", 1],
  ["Standard_NC32as_T4_v1", 1],
  ["Standard_NC32as_2T4_v1", 2],
];

const A2_SIZES: ReadonlyArray<[string, 1 | 2]> = [
  ["Standard_NC4as_A2", 1],
  ["Standard_NC8as_A2", 1],
  ["Standard_NC16as_A2", 1],
  ["Standard_NC16as_A2_v1", 1],
  ["Standard_NC32as_A2", 1],
  ["Standard_NC32as_A2_v1", 1],
  ["Standard_NC32as_2A2_v1", 2],
];

const HPN_GPU_BASES = ["DS2_v2", "DS3_v2", "DS4_v2", "F2s", "F4s", "F8s", "F12s", "F16s", "F12"] as const;

const NON_GPU_SIZES: readonly string[] = [
  ...["D1", "D2", "D3", "D4", "D5", "D11", "D12", "D13"].map((s) => `Standard_${s}_v2`),
  ...["DS1", "DS2", "DS3", "DS4", "DS5", "DS11", "DS12", "DS13"].map((s) => `Standard_${s}_v2`),
  ...["F1", "F2", "F4", "F8", "F12", "F16"].map((s) => `Standard_${s}`),
  ...["F1s", "F2s", "F4s", "F8s", "F12s", "F16s", "F4s_v1", "F32s", "F32s_v1", "F32s_v3"].map((s) => `Standard_${s}`),
  ...HPN_GPU_BASES.map((s) => `Standard_${s}_HPN`),
];

function buildCatalog(): ReadonlyMap<string, VmSize> {
  const catalog = new Map<string, VmSize>();
  const add = (size: VmSize) => catalog.set(size.name.toLowerCase(), size);
  for (const [name, gpus] of T4_SIZES) add({ name, gpus, gpuModel: "T4" });
  for (const [name, gpus] of A2_SIZES) add({ name, gpus, gpuModel: "A2" });
  for (const base of HPN_GPU_BASES) {
    add({ name: `Standard_${base}_HPN_T4_v3`, gpus: 1, gpuModel: "T4" });
    // domain.md: "the same with _HPN_A2"; the A2 family drops the _v3 suffix elsewhere,
    // so both spellings are accepted.
    add({ name: `Standard_${base}_HPN_A2`, gpus: 1, gpuModel: "A2" });
    add({ name: `Standard_${base}_HPN_A2_v3`, gpus: 1, gpuModel: "A2" });
  }
  for (const name of NON_GPU_SIZES) add({ name, gpus: 0 });
  // The device's configurable custom sizes (domain.md §9). Their GPU count (1 or 2) is set on
  // the device; the static table assumes 1, the common setting.
  add({ name: "Custom_NonGPU", gpus: 0 });
  add({ name: "Custom_GPU_T4_v3", gpus: 1, gpuModel: "T4" });
  add({ name: "Custom_GPU_A2", gpus: 1, gpuModel: "A2" });
  return catalog;
}

const CATALOG = buildCatalog();

/** The size's catalog entry, or undefined when the device does not support it. */
export function lookupVmSize(name: string): VmSize | undefined {
  return CATALOG.get(name.toLowerCase());
}

/** GPUs a VM of this size holds while allocated; unknown sizes hold none. */
export function gpusOfSize(name: string): number {
  return lookupVmSize(name)?.gpus ?? 0;
}

export function isGpuSize(name: string): boolean {
  return gpusOfSize(name) > 0;
}

export function sameSize(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
