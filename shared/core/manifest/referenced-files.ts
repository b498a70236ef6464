/**
 * Files a manifest names (`ssh.publicKeys[].file`, `customData.file`), read once where the
 * manifest is loaded: from the checkout (loadFleet) or from the commit's git objects (apply
 * and drift jobs), so the plan and the apply see the same bytes. A missing, oversized or
 * malformed file is INVALID_MANIFEST with the manifest's line, never a failure at the device.
 *
 * The contents are kept beside the manifest object (a WeakMap): every holder of the parsed
 * manifest (planner, apply, drift) finds them without each signature growing a parameter,
 * and they never appear in the manifest a plan echoes.
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { PlanError } from "../plan/types.js";
import type { InvalidManifest, LoadedDevice } from "./load.js";
import type { EdgeDevice } from "./schema.js";
import { normalizeSshPublicKey, sshPublicKeyProblem } from "./ssh-public-key.js";

/** Azure's limit on osProfile.customData: 65,535 bytes before base64. */
export const MAX_CUSTOM_DATA_BYTES = 65_535;
/** No public key file is bigger; a larger one is not a key. */
export const MAX_SSH_KEY_FILE_BYTES = 16 * 1024;

export interface ResolvedCustomData {
  /** Repository path of the file (posix, from the fleet root or repo root the loader used). */
  file: string;
  base64: string;
  /** sha256 of the file's bytes, hex: what plans, tags and the journal show instead of the data. */
  sha256: string;
  bytes: number;
}

export interface ResolvedVmFiles {
  /** Every key of the VM, inline ones and file ones, normalized to one line each. */
  sshPublicKeys: string[];
  customData?: ResolvedCustomData;
}

/** Reads a repository path (posix, relative to the loader's root); undefined when there is no such file. */
export type RepoFileReader = (path: string, maxBytes: number) => Promise<Buffer | undefined | "too-large">;

const resolved = new WeakMap<EdgeDevice, ResolvedVmFiles[]>();

/** Per VM (by index in spec.virtualMachines), what its file references hold; undefined if never resolved. */
export function referencedFilesOf(manifest: EdgeDevice): readonly ResolvedVmFiles[] | undefined {
  return resolved.get(manifest);
}

/** Resolution for a VM that names no file (or a hand-built manifest in tests): inline keys only. */
function inlineFilesOf(vm: EdgeDevice["spec"]["virtualMachines"][number] | undefined): ResolvedVmFiles {
  return { sshPublicKeys: (vm?.ssh?.publicKeys ?? []).filter((k): k is string => typeof k === "string").map(normalizeSshPublicKey) };
}

/** The VM's files: resolved ones when the loader read them, else the inline keys. */
export function vmFilesOf(manifest: EdgeDevice, index: number): ResolvedVmFiles {
  return referencedFilesOf(manifest)?.[index] ?? inlineFilesOf(manifest.spec.virtualMachines[index]);
}

/** `{ customDataSha256 }` for a VM with customData (for the journal), else nothing. */
export function customDataHashOf(manifest: EdgeDevice, vm: string): { customDataSha256?: string } {
  const index = manifest.spec.virtualMachines.findIndex((v) => v.name === vm);
  const sha = index < 0 ? undefined : referencedFilesOf(manifest)?.[index]?.customData?.sha256;
  return sha ? { customDataSha256: sha } : {};
}

export function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Reads every file the device's manifest names; the device, or why it is invalid. */
export async function resolveReferencedFiles(device: LoadedDevice, read: RepoFileReader): Promise<LoadedDevice | InvalidManifest> {
  const { manifest, file, lines } = device;
  const folder = posix.dirname(file);
  const errors: PlanError[] = [];
  const out: ResolvedVmFiles[] = [];
  for (const [index, vm] of manifest.spec.virtualMachines.entries()) {
    const vmLines = lines.vms[index];
    const at = (line: number | undefined) => ({ file, line: line ?? vmLines?.name ?? lines.document });
    const entry: ResolvedVmFiles = { sshPublicKeys: [] };
    for (const [k, key] of (vm.ssh?.publicKeys ?? []).entries()) {
      const where = `spec.virtualMachines[${index}].ssh.publicKeys[${k}]`;
      if (typeof key === "string") {
        entry.sshPublicKeys.push(normalizeSshPublicKey(key));
        continue;
      }
      const path = posix.join(folder, key.file);
      const bytes = await read(path, MAX_SSH_KEY_FILE_BYTES);
      if (bytes === undefined || bytes === "too-large") {
        const why =
          bytes === undefined
            ? "no such file in the repository"
            : `the file is larger than ${MAX_SSH_KEY_FILE_BYTES} bytes, so it is not a public key`;
        errors.push({ code: "INVALID_MANIFEST", message: `${where}.file: ${key.file}: ${why}`, ...at(vmLines?.sshKeys[k]) });
        continue;
      }
      const text = bytes.toString("utf8");
      const problem = sshPublicKeyProblem(text);
      if (problem) errors.push({ code: "INVALID_MANIFEST", message: `${where}.file: ${key.file} ${problem}`, ...at(vmLines?.sshKeys[k]) });
      else entry.sshPublicKeys.push(normalizeSshPublicKey(text));
    }
    if (vm.customData) {
      const path = posix.join(folder, vm.customData.file);
      const bytes = await read(path, MAX_CUSTOM_DATA_BYTES);
      const where = `spec.virtualMachines[${index}].customData.file`;
      if (bytes === undefined) {
        errors.push({
          code: "INVALID_MANIFEST",
          message: `${where}: ${vm.customData.file}: no such file in the repository`,
          ...at(vmLines?.customData),
        });
      } else if (bytes === "too-large" || bytes.length > MAX_CUSTOM_DATA_BYTES) {
        errors.push({
          code: "INVALID_MANIFEST",
          message: `${where}: ${vm.customData.file} is larger than 64 KiB (${MAX_CUSTOM_DATA_BYTES} bytes), Azure's limit for custom data`,
          hint: "Keep first-boot data small: have cloud-init fetch the rest.",
          ...at(vmLines?.customData),
        });
      } else {
        entry.customData = { file: path, base64: bytes.toString("base64"), sha256: sha256Hex(bytes), bytes: bytes.length };
      }
    }
    out.push(entry);
  }
  if (errors.length > 0) return { name: manifest.metadata.name, file, errors };
  resolved.set(manifest, out);
  return device;
}

/** Whether the manifest names any file at all (callers skip the reader otherwise). */
export function namesFiles(manifest: EdgeDevice): boolean {
  return manifest.spec.virtualMachines.some((vm) => vm.customData || vm.ssh?.publicKeys.some((k) => typeof k !== "string"));
}

/** A reader over another source of bytes (git objects at a commit), with the same size rule. */
export function textReader(show: (path: string) => Promise<string | Buffer | undefined>): RepoFileReader {
  return async (path, maxBytes) => {
    const content = await show(path).catch(() => undefined);
    if (content === undefined) return undefined;
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    return bytes.length > maxBytes ? "too-large" : bytes;
  };
}

/** resolveReferencedFiles for every device of a parsed file; the invalid ones move to `invalid`. */
export async function resolveFileResult<R extends { devices: LoadedDevice[]; invalid: InvalidManifest[] }>(
  result: R,
  read: RepoFileReader,
): Promise<R> {
  const devices: LoadedDevice[] = [];
  const invalid = [...result.invalid];
  for (const device of result.devices) {
    const outcome = namesFiles(device.manifest) ? await resolveReferencedFiles(device, read) : device;
    if ("manifest" in outcome) devices.push(outcome);
    else invalid.push(outcome);
  }
  // Everything else the file held (rollout policies) is kept as it was.
  return { ...result, devices, invalid };
}
