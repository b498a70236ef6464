/**
 * Drift codes: the stable names of every way a device can differ from its manifest on the
 * default branch. Issues, the CLI's JSON and the HTTP summary use them; renaming one is a
 * breaking change (docs/contract.md §5).
 */
export const DRIFT_CODES = [
  "UNREACHABLE",
  "VM_MISSING",
  "VM_UNEXPECTED",
  "VM_POWER",
  "VM_SIZE",
  "GPU_EXTENSION",
  "KUBERNETES_STATE",
  "KUBERNETES_RECLAIMED_GPU",
  "SOFTWARE_VERSION",
] as const;
export type DriftCode = (typeof DRIFT_CODES)[number];

export interface DriftItem {
  code: DriftCode;
  /** The VM the difference is about (VM codes and KUBERNETES_RECLAIMED_GPU). */
  vm?: string;
  /** What the manifest asks for, and what the device has, in a few words. */
  expected: string;
  found: string;
  /** One or two sentences for humans: what differs and why it matters. */
  message: string;
}

/** Items in a stable order: by code (the list above), then by VM name. */
export function sortDrift(items: readonly DriftItem[]): DriftItem[] {
  const rank = (code: DriftCode) => DRIFT_CODES.indexOf(code);
  return [...items].sort((a, b) => rank(a.code) - rank(b.code) || (a.vm ?? "").localeCompare(b.vm ?? ""));
}
