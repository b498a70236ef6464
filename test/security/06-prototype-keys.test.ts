/**
 * Issue 9, item 6: names that are keys of Object.prototype. A device named `constructor`
 * crashed planning; `toString` or `__proto__` got false errors; a drift selector
 * `{"__proto__": "x"}` matched every device. Every such name is an ordinary name now.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DriftSelector, selectDevices } from "../../shared/core/drift/select.js";
import { loadFleet } from "../../shared/adapters/git/fleet-folder.js";
import { DeviceName, VmName } from "../../shared/core/manifest/schema.js";
import { runCli } from "../cli/run-cli.js";

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype);
const validDeviceNames = PROTO_KEYS.filter((k) => DeviceName.safeParse(k).success);
const invalidDeviceNames = PROTO_KEYS.filter((k) => !DeviceName.safeParse(k).success);
const validVmNames = PROTO_KEYS.filter((k) => VmName.safeParse(k).success);

function manifest(name: string, vms: string[], labels: Record<string, string> = {}): string {
  const labelLines = Object.entries(labels)
    .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}\n`)
    .join("");
  return [
    "apiVersion: ase-gitops/v1\nkind: EdgeDevice\n",
    `metadata:\n  name: ${JSON.stringify(name)}\n`,
    labelLines ? `  labels:\n${labelLines}` : "",
    "spec:\n  gpu: { count: 2 }\n  virtualMachines:\n",
    ...vms.map((vm) => `    - { name: ${JSON.stringify(vm)}, size: Standard_D1_v2, image: img, login: none }\n`),
    vms.length === 0 ? "    []\n" : "",
  ]
    .join("")
    .replace("  virtualMachines:\n    []\n", "  virtualMachines: []\n");
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sec-06-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  await import("node:fs/promises").then((fs) => fs.mkdir(path, { recursive: true }));
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
}

function plan(path: string, ...extra: string[]) {
  const run = runCli(["plan", path, "--format", "json", ...extra]);
  expect(run.stderr).toBe("");
  return { status: run.status, plan: JSON.parse(run.stdout) };
}

describe("Object.prototype keys as names (issue 9, item 6)", () => {
  it("the test covers the names that matter", () => {
    expect(validDeviceNames).toContain("constructor");
    expect(invalidDeviceNames).toEqual(expect.arrayContaining(["__proto__", "toString", "hasOwnProperty"]));
    expect(validVmNames).toEqual(expect.arrayContaining(["constructor", "toString", "valueOf", "hasOwnProperty"]));
  });

  it("plans a device named after each valid key, with and without an observed state", async () => {
    for (const name of validDeviceNames) {
      const path = await folder(`valid-${name}`, { "d.yaml": manifest(name, ["vm-a"]) });
      const fresh = plan(path);
      expect(fresh.status, name).toBe(0);
      expect(fresh.plan.devices).toMatchObject([{ name, feasible: true, errors: [], steps: [{ action: "createVm", vm: "vm-a" }] }]);

      // The device is observed converged: nothing to do, and no "new device" plan.
      const observed = join(path, "..", `observed-${name}.json`);
      await writeFile(
        observed,
        JSON.stringify({ devices: { [name]: { virtualMachines: [{ name: "vm-a", size: "Standard_D1_v2", powerState: "running" }] } } }),
      );
      const known = plan(path, "--observed", observed);
      expect(known.status, name).toBe(0);
      expect(known.plan.devices).toMatchObject([{ name, feasible: true, steps: [] }]);
    }
  });

  it("a device named `constructor` does not break the plan of every other device", async () => {
    const path = await folder("mixed", { "a.yaml": manifest("constructor", []), "b.yaml": manifest("store-1", ["vm-a"]) });
    const run = plan(path);
    expect(run.status).toBe(0);
    expect(run.plan.devices.map((d: { name: string }) => d.name)).toEqual(["constructor", "store-1"]);
  });

  it("an invalid name gets exactly the name error, nothing invented", async () => {
    for (const name of invalidDeviceNames) {
      const path = await folder(`invalid-${name}`, { "d.yaml": manifest(name, ["vm-a"]) });
      const run = plan(path);
      expect(run.status, name).toBe(2);
      expect(run.plan.devices, name).toHaveLength(1);
      expect(run.plan.devices[0].errors, name).toEqual([
        { code: "INVALID_MANIFEST", message: expect.stringMatching(/^metadata\.name: must be a lowercase DNS label/), file: "d.yaml", line: 4 },
      ]);
    }
  });

  it("VMs named after every valid key are planned, observed and counted like any other VM", async () => {
    const path = await folder("vms", { "d.yaml": manifest("store-1", validVmNames) });
    const fresh = plan(path);
    expect(fresh.status).toBe(0);
    expect(fresh.plan.devices[0].steps).toEqual(validVmNames.map((vm) => ({ action: "createVm", vm })));

    // Observed: every one exists, plus an unmanaged GPU VM whose name is `__proto__`.
    const observed = join(dir, "observed-vms.json");
    const vms = [
      ...validVmNames.map((name) => ({ name, size: "Standard_D1_v2", powerState: "running" })),
      { name: "__proto__", size: "Standard_NC4as_T4_v3", powerState: "running", managed: false },
    ];
    await writeFile(observed, JSON.stringify({ devices: { "store-1": { virtualMachines: vms } } }));
    const known = plan(path, "--observed", observed);
    expect(known.status).toBe(0);
    const device = known.plan.devices[0];
    expect(device.steps).toEqual([]);
    expect(device.warnings).toMatchObject([{ code: "UNMANAGED_VM" }]);
    expect(Object.entries(device.gpus.after.vms)).toEqual([["__proto__", 1]]);
    expect(device.gpus.after.free).toBe(1);
  });

  it("label keys and values: prototype keys are ordinary labels, `__proto__` as a key is refused with its line", async () => {
    const keys = PROTO_KEYS.filter((k) => k !== "__proto__");
    const labels = Object.fromEntries(keys.map((k) => [k, k]));
    const path = await folder("labels", {
      "a.yaml": manifest("labelled", [], { ...labels, ring: "__proto__" }),
      "b.yaml": manifest("plain", []),
      "c.yaml": `${manifest("proto-label", [])}`.replace("spec:", "  labels:\n    __proto__: x\nspec:"),
    });
    const fleet = await loadFleet(path);
    expect(fleet.devices.map((d) => d.manifest.metadata.name).sort()).toEqual(["labelled", "plain"]);
    expect(fleet.invalid).toEqual([
      {
        name: "proto-label",
        file: "c.yaml",
        errors: [{ code: "INVALID_MANIFEST", message: "__proto__ is not allowed as a key", file: "c.yaml", line: 6 }],
      },
    ]);
    const labelled = fleet.devices.find((d) => d.manifest.metadata.name === "labelled")!;
    expect(Object.keys(labelled.manifest.metadata.labels!).sort()).toEqual([...keys, "ring"].sort());

    for (const key of keys) {
      const selector = DriftSelector.parse({ labels: { [key]: key } });
      expect(
        selectDevices(fleet.devices, selector).selected.map((d) => d.manifest.metadata.name),
        key,
      ).toEqual(["labelled"]);
      const wrong = DriftSelector.parse({ labels: { [key]: "other" } });
      expect(selectDevices(fleet.devices, wrong).selected, key).toEqual([]);
    }
    expect(selectDevices(fleet.devices, DriftSelector.parse({ labels: { ring: "__proto__" } })).selected).toHaveLength(1);
  });

  it('a drift selector `{"__proto__": ...}` is refused, never widened to every device', async () => {
    const parsed = DriftSelector.safeParse(JSON.parse('{"labels":{"__proto__":"x"}}'));
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toBe("__proto__ is not allowed as a label key");
    // The CLI's --label builds the selector itself: `__proto__=x` matches no device.
    const path = await folder("cli-labels", { "a.yaml": manifest("store-1", []) });
    const fleet = await loadFleet(path);
    const selector = Object.assign(Object.create(null), { __proto__: "x" }) as Record<string, string>;
    Object.defineProperty(selector, "__proto__", { value: "x", enumerable: true });
    expect(selectDevices(fleet.devices, { labels: selector }).selected).toEqual([]);
  });
});
