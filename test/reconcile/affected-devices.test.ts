import { describe, expect, it } from "vitest";
import type { ChangedFile } from "../../shared/core/changes/changed-files.js";
import { parseManifestText } from "../../shared/core/manifest/load.js";
import type { FleetLoad } from "../../shared/core/manifest/load.js";
import { affectedDevices } from "../../shared/core/changes/affected-devices.js";

const doc = (name: string) => `apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata: { name: ${name} }\nspec:\n  gpu: { count: 1 }\n`;

function fleet(files: Record<string, string>): FleetLoad {
  const out: FleetLoad = { devices: [], invalid: [] };
  for (const [file, text] of Object.entries(files)) {
    const parsed = parseManifestText(text, file);
    out.devices.push(...parsed.devices);
    out.invalid.push(...parsed.invalid);
  }
  return out;
}

const change = (status: ChangedFile["status"], path: string, previousPath?: string): ChangedFile => ({
  status,
  path,
  ...(previousPath ? { previousPath } : {}),
});

describe("devices a push affects", () => {
  const after = fleet({
    "devices/a.yaml": doc("dev-a"),
    "devices/b.yaml": `${doc("dev-b")}---\n${doc("dev-c")}`,
    "devices/d.yaml": doc("dev-d"),
  });

  it("applies every device of an added, changed or renamed manifest, and only those", () => {
    const result = affectedDevices([change("modified", "devices/b.yaml"), change("renamed", "devices/d.yaml", "old/d.yaml")], after, []);
    expect(result.apply).toEqual([
      { device: "dev-b", file: "devices/b.yaml" },
      { device: "dev-c", file: "devices/b.yaml" },
      { device: "dev-d", file: "devices/d.yaml" },
    ]);
    expect(result.unmanaged).toEqual([]);
  });

  it("a deleted manifest ends management and deletes nothing", () => {
    const result = affectedDevices([change("deleted", "devices/gone.yaml")], after, [{ device: "dev-gone", file: "devices/gone.yaml" }]);
    expect(result.apply).toEqual([]);
    expect(result.unmanaged).toEqual([{ device: "dev-gone", file: "devices/gone.yaml" }]);
  });

  it("a device that moved to another file is applied, not unmanaged", () => {
    const result = affectedDevices([change("deleted", "devices/old-a.yaml"), change("modified", "devices/a.yaml")], after, [
      { device: "dev-a", file: "devices/old-a.yaml" },
    ]);
    expect(result.apply).toEqual([{ device: "dev-a", file: "devices/a.yaml" }]);
    expect(result.unmanaged).toEqual([]);
  });

  it("a first push affects every device", () => {
    expect(affectedDevices([], after, [], true).apply.map((d) => d.device)).toEqual(["dev-a", "dev-b", "dev-c", "dev-d"]);
  });

  it("reports invalid manifests and duplicate names instead of applying them", () => {
    const broken = fleet({ "devices/a.yaml": doc("dev-a"), "devices/a2.yaml": doc("dev-a"), "devices/bad.yaml": "kind: [" });
    const result = affectedDevices([change("added", "devices/a2.yaml"), change("added", "devices/bad.yaml")], broken, []);
    expect(result.apply).toEqual([]);
    expect(result.invalid.map((i) => [i.device, i.message.split(":")[0]])).toEqual([
      ["dev-a", "DUPLICATE_DEVICE"],
      ["devices/bad.yaml", "INVALID_MANIFEST"],
    ]);
  });
});
