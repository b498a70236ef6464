import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FleetPathError } from "../../shared/core/manifest/load.js";
import { loadFleet } from "../../shared/adapters/git/fleet-folder.js";
import { planFleet } from "../../shared/core/plan/planner.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ase-gitops-load-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(file: string, text: string | Buffer) {
  await mkdir(join(root, file, ".."), { recursive: true });
  await writeFile(join(root, file), text);
}

const device = (name: string, extra = "") => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
spec:
  gpu:
    count: 1
${extra}`;

describe("loading manifests", () => {
  it("reads *.yaml and *.yml recursively, several documents per file, other kinds ignored", async () => {
    await write("a.yaml", device("dev-a"));
    await write("nested/deeper/b.yml", `${device("dev-b")}---\nkind: ConfigMap\nmetadata: { name: x }\n---\n${device("dev-c")}`);
    await write("notes.txt", device("dev-ignored"));
    await write("empty.yaml", "");
    await write("list.yaml", "- 1\n- 2\n");
    const fleet = await loadFleet(root);
    expect(fleet.invalid).toEqual([]);
    expect(fleet.devices.map((d) => [d.manifest.metadata.name, d.file])).toEqual([
      ["dev-a", "a.yaml"],
      ["dev-b", "nested/deeper/b.yml"],
      ["dev-c", "nested/deeper/b.yml"],
    ]);
    expect(fleet.devices[2]!.lines.name).toBe(15);
  });

  it("applies the contract's defaults", async () => {
    await write("a.yaml", device("dev-a", "  virtualMachines:\n    - { name: v, size: Standard_D2_v2, image: img }\n"));
    const [loaded] = (await loadFleet(root)).devices;
    expect(loaded!.manifest.spec).toMatchObject({
      gpu: { count: 1, model: "T4" },
      kubernetes: { enabled: false, allowReconfigure: false },
      virtualMachines: [{ name: "v", powerState: "running" }],
    });
  });

  it("accepts a release or OS version YAML reads as a number", async () => {
    await write(
      "a.yaml",
      device(
        "dev-a",
        "  softwareVersion: 2106\n  virtualMachines:\n    - { name: v, size: Standard_D2_v2, image: img, os: { type: Windows, version: 2019 } }\n",
      ),
    );
    const [loaded] = (await loadFleet(root)).devices;
    expect(loaded!.manifest.spec.softwareVersion).toBe("2106");
  });

  it("reports a YAML syntax error at its line, as an entry named after the file", async () => {
    await write("bad.yaml", "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: [unclosed\n");
    const fleet = await loadFleet(root);
    expect(fleet.invalid).toHaveLength(1);
    expect(fleet.invalid[0]).toMatchObject({ name: "bad.yaml", file: "bad.yaml" });
    expect(fleet.invalid[0]!.errors[0]).toMatchObject({ code: "INVALID_MANIFEST", file: "bad.yaml" });
    expect(fleet.invalid[0]!.errors[0]!.line).toBeGreaterThanOrEqual(4);
    expect(fleet.invalid[0]!.errors[0]!.message).toMatch(/^YAML syntax error/);
  });

  it("reports an unknown field at the line of the key, with the field's path", async () => {
    await write("a.yaml", device("dev-a", "    modle: A2\n"));
    const fleet = await loadFleet(root);
    expect(fleet.invalid[0]).toMatchObject({ name: "dev-a" });
    expect(fleet.invalid[0]!.errors).toEqual([{ code: "INVALID_MANIFEST", message: "unknown field spec.gpu.modle", file: "a.yaml", line: 8 }]);
  });

  it("maps schema violations to the line of the offending value", async () => {
    await write(
      "a.yaml",
      `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: dev-a
spec:
  gpu:
    count: 3
  virtualMachines:
    - name: v1
      size: Standard_D2_v2
      image: img
    - name: v2
      image: img
      powerState: paused
`,
    );
    const errors = (await loadFleet(root)).invalid[0]!.errors;
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [7, "spec.gpu.count: must be 1 or 2"],
      [12, "spec.virtualMachines[1].size: is required"],
      [14, expect.stringMatching(/^spec\.virtualMachines\[1\]\.powerState: expected one of "running"\|"deallocated"/)],
    ]);
  });

  it("names a device with a bad name after its file", async () => {
    await write("a.yaml", device("Store_17"));
    const fleet = await loadFleet(root);
    expect(fleet.invalid[0]).toMatchObject({ name: "Store_17" });
    expect(fleet.invalid[0]!.errors[0]).toMatchObject({ line: 4, message: expect.stringMatching(/^metadata\.name: must be a lowercase DNS label/) });
  });

  it("refuses duplicate keys", async () => {
    await write("a.yaml", `${device("dev-a")}  gpu:\n    count: 2\n`);
    const errors = (await loadFleet(root)).invalid[0]!.errors;
    expect(errors[0]).toMatchObject({ code: "INVALID_MANIFEST", line: 8, message: expect.stringMatching(/unique/) });
  });

  it("refuses an alias bomb quickly instead of expanding it", async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(",")}]`,
      );
    await write("bomb.yaml", `kind: EdgeDevice\n${lines.join("\n")}\n`);
    const started = Date.now();
    const fleet = await loadFleet(root);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fleet.invalid[0]!.errors[0]).toMatchObject({ code: "INVALID_MANIFEST", message: expect.stringMatching(/alias/) });
  });

  it("refuses a file over 1 MiB without reading it", async () => {
    await write("huge.yaml", `${device("dev-a")}# ${"x".repeat(1024 * 1024)}\n`);
    const fleet = await loadFleet(root);
    expect(fleet.invalid[0]!.errors[0]).toMatchObject({
      code: "INVALID_MANIFEST",
      file: "huge.yaml",
      message: expect.stringMatching(/at most 1 MiB/),
    });
  });

  it("refuses text that is not UTF-8", async () => {
    await write("latin1.yaml", Buffer.concat([Buffer.from(device("dev-a")), Buffer.from([0x23, 0x20, 0xe9, 0x0a])]));
    const fleet = await loadFleet(root);
    expect(fleet.invalid[0]!.errors[0]).toMatchObject({ code: "INVALID_MANIFEST", message: "file is not valid UTF-8 text" });
  });

  it("fails clearly on a missing path", async () => {
    await expect(loadFleet(join(root, "nope"))).rejects.toBeInstanceOf(FleetPathError);
  });

  it("loads a single file", async () => {
    await write("only.yaml", device("dev-a"));
    const fleet = await loadFleet(join(root, "only.yaml"));
    expect(fleet.devices.map((d) => d.file)).toEqual(["only.yaml"]);
  });
});

describe("fleet-level errors", () => {
  it("DUPLICATE_DEVICE names both manifests at their lines", async () => {
    await write("a.yaml", device("dev-a"));
    await write("b.yaml", `# another\n${device("dev-a")}`);
    const plan = planFleet(await loadFleet(root));
    expect(plan.devices).toHaveLength(1);
    expect(plan.devices[0]!.feasible).toBe(false);
    expect(plan.devices[0]!.errors.map((e) => [e.code, e.file, e.line])).toEqual([
      ["DUPLICATE_DEVICE", "a.yaml", 4],
      ["DUPLICATE_DEVICE", "b.yaml", 5],
    ]);
  });

  it("errors point at the VM lines: DUPLICATE_VM, UNSUPPORTED_VM_SIZE, GPU_MODEL_MISMATCH, VM_NO_LOGIN", async () => {
    await write(
      "a.yaml",
      device(
        "dev-a",
        `  virtualMachines:
    - name: v1
      size: Standard_NC4as_A2
      image: img
    - name: v2
      size: Standard_Fancy
      image: img
    - name: v1
      size: Standard_D2_v2
      image: img
`,
      ),
    );
    const plan = planFleet(await loadFleet(root));
    expect(plan.devices[0]!.errors.map((e) => [e.code, e.line])).toEqual([
      ["DUPLICATE_VM", 15],
      ["GPU_MODEL_MISMATCH", 10],
      ["UNSUPPORTED_VM_SIZE", 13],
      ["VM_NO_LOGIN", 9],
      ["VM_NO_LOGIN", 12],
    ]);
  });

  it("sorts devices by name, invalid files among them", async () => {
    await write("z.yaml", device("alpha"));
    await write("a.yaml", device("zulu"));
    await write("m.yaml", "kind: [");
    const plan = planFleet(await loadFleet(root));
    expect(plan.devices.map((d) => d.name)).toEqual(["alpha", "m.yaml", "zulu"]);
    expect(plan.summary).toEqual({ devices: 3, feasible: 2, infeasible: 1, steps: 0 });
  });
});
