/**
 * Which devices a push affects (pure): every device defined in a manifest file the push
 * added, changed or renamed; devices whose manifest the push deleted (or renamed away) are
 * no longer managed. A deleted manifest deletes nothing on the device: it only ends
 * management, because an accidental `git rm` must never wipe a shop's VMs. Invalid
 * manifests and duplicated device names are reported, never applied; a device whose file is
 * still there but no longer reads (a typo in `kind`, a YAML error) is invalid, never "no
 * longer managed" (issue 9, item 8).
 */
import type { ChangedFile } from "./changed-files.js";
import type { FleetLoad, InvalidManifest } from "../manifest/load.js";

export interface DeviceRef {
  device: string;
  /** Manifest path relative to the repository root. */
  file: string;
}

export interface AffectedDevices {
  apply: DeviceRef[];
  unmanaged: DeviceRef[];
  invalid: Array<DeviceRef & { message: string }>;
}

function describeInvalid(invalid: InvalidManifest): string {
  const first = invalid.errors[0];
  return first ? `${first.code}: ${first.message} (${invalid.file}:${first.line ?? 1})` : "invalid manifest";
}

const byDevice = (a: DeviceRef, b: DeviceRef) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0);

/**
 * @param changes changed manifest files, paths relative to the repository root
 * @param after every manifest of the fleet at the pushed commit (files relative to the root)
 * @param before the devices the changed files defined before the push
 * @param everything true for a first push (no `before`): every device is affected
 */
export function affectedDevices(changes: ChangedFile[], after: FleetLoad, before: DeviceRef[], everything = false): AffectedDevices {
  const touched = new Set(changes.filter((c) => c.status !== "deleted").map((c) => c.path));
  const isTouched = (file: string) => everything || touched.has(file);

  const definitions = new Map<string, string[]>();
  for (const device of after.devices) {
    const files = definitions.get(device.manifest.metadata.name) ?? [];
    files.push(device.file);
    definitions.set(device.manifest.metadata.name, files);
  }

  const result: AffectedDevices = { apply: [], unmanaged: [], invalid: [] };
  for (const [device, files] of definitions) {
    if (!files.some(isTouched)) continue;
    if (files.length > 1) {
      result.invalid.push({ device, file: files[0]!, message: `DUPLICATE_DEVICE: defined in ${files.join(", ")}` });
    } else {
      result.apply.push({ device, file: files[0]! });
    }
  }
  for (const invalid of after.invalid) {
    if (!isTouched(invalid.file) || definitions.has(invalid.name)) continue;
    result.invalid.push({ device: invalid.name, file: invalid.file, message: describeInvalid(invalid) });
  }
  const stillDefined = new Set([...definitions.keys(), ...after.invalid.map((i) => i.name)]);
  // Where each file of `before` is now (a rename moves it), and the first problem of each invalid file.
  const movedTo = new Map(changes.flatMap((c) => (c.previousPath && c.status === "renamed" ? [[c.previousPath, c.path] as const] : [])));
  const brokenFiles = new Map<string, string>();
  for (const invalid of after.invalid) if (!brokenFiles.has(invalid.file)) brokenFiles.set(invalid.file, describeInvalid(invalid));
  const reportedInvalid = new Set(result.invalid.map((i) => i.device));
  const seen = new Set<string>();
  for (const ref of before) {
    if (stillDefined.has(ref.device) || seen.has(ref.device)) continue;
    seen.add(ref.device);
    const now = movedTo.get(ref.file) ?? ref.file;
    const broken = brokenFiles.get(now);
    if (broken === undefined) {
      result.unmanaged.push(ref);
      continue;
    }
    // The file still exists but cannot be read: whatever it defines now is unknown.
    if (!reportedInvalid.has(ref.device)) result.invalid.push({ device: ref.device, file: now, message: broken });
    // The same problem listed under the file's name as well would count it twice.
    result.invalid = result.invalid.filter((i) => !(i.device === now && i.file === now));
  }
  result.apply.sort(byDevice);
  result.unmanaged.sort(byDevice);
  result.invalid.sort(byDevice);
  return result;
}
