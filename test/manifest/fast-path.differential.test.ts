/**
 * Issue 16: the fast tier (js-yaml, positions only when needed) and the positional path give
 * the same answer, lines included. Both run over every YAML file in the repository, the
 * hardening shapes, edge cases where the two parsers differ, and fast-check manifests (valid
 * and broken); the loads and the JSON plans must be identical.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastParseManifestText } from "../../shared/core/manifest/fast-parse.js";
import { type FleetLoad, parseManifestText, type ParseOptions } from "../../shared/core/manifest/load.js";
import { loadFleet } from "../../shared/adapters/git/fleet-folder.js";
import type { ObservedState } from "../../shared/core/plan/observed.js";
import { planFleet } from "../../shared/core/plan/planner.js";
import { renderJson } from "../../shared/core/plan/render-json.js";
import { YAML_SHAPES } from "../helpers/yaml-shapes.js";

const ROOT = join(import.meta.dirname, "..", "..");
const PREFIX: ParseOptions = { credentialPrefix: "DEVICE_" };

/** Kubernetes already holds both GPUs of `busy`: plans with errors and warnings tied to lines. */
const OBSERVED: ObservedState = {
  devices: {
    busy: {
      kubernetes: { configured: true, gpus: 2 },
      virtualMachines: [{ name: "old", size: "Standard_NC4as_T4_v3", powerState: "running", gpuExtension: "succeeded", managed: true }],
    },
  },
};

function yamlFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "dist") continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...yamlFiles(path));
    else if (/\.ya?ml$/i.test(entry.name)) found.push(path);
  }
  return found;
}

/** The load (every lazy line read) and the plan JSON, with and without the observed state. */
function answer(load: FleetLoad): string {
  return JSON.stringify(load) + renderJson(planFleet(load)) + renderJson(planFleet(load, OBSERVED));
}

function expectSameBothWays(text: string, options: ParseOptions = PREFIX): void {
  const fast = parseManifestText(text, "m.yaml", options);
  const positional = parseManifestText(text, "m.yaml", { ...options, positional: true });
  // The plan first: it must not depend on lines having been read by JSON.stringify.
  expect(renderJson(planFleet(fast, OBSERVED))).toBe(renderJson(planFleet(positional, OBSERVED)));
  expect(answer(fast)).toBe(answer(positional));
}

const EDGE_CASES = [
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: a\n  labels:\n    : x\nspec:\n  gpu:\n    count: 1\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: 1e400\nspec:\n  gpu:\n    count: 1\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: a\n  labels:\n    " + "k".repeat(1100) + ": v\nspec:\n  gpu:\n    count: 1\n",
  "%YAML 1.1\n---\napiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: a\n  labels: { x: yes }\nspec:\n  gpu:\n    count: 1\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: !!str a\nspec:\n  gpu:\n    count: !!int 1\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata: &m\n  name: a\nspec:\n  gpu:\n    count: 1\n---\nkind: Other\nm: *m\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: a\n  __proto__: x\nspec:\n  gpu:\n    count: 1\n",
  "kind: ConfigMap\na: 1\na: 2\n",
  "kind: ConfigMap\n1: a\n'1': b\n",
  // Repeated keys, placed from js-yaml's events (issue 9 item 7): quoted and plain, nested, in flow maps, after a repeated metadata.
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: dup\nmetadata:\n  name: other\nspec:\n  gpu:\n    count: 1\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: 'q'\n  labels: { a: x, \"a\": y, b: z, b: w }\nspec:\n  gpu: { count: 1 }\n  gpu: { count: 2 }\n",
  "- a: 1\n  a: 2\n- metadata: { name: x }\n",
  "metadata:\n  name: 12\na: 1\na: 2\n",
  "metadata:\n  name: ''\n  name: x\na: |\n  text\na: 2\n",
  "metadata: [ name ]\nkind: ConfigMap\nkind: EdgeDevice\n",
  "a: 1\na: 2\n---\nb: 1\n",
  "a:\n  b: 1\n  c:\n    - d: 1\n      d: 2\n  b: 3\nnull: 1\n",
  "a: 1\na: 2\nb: [\n",
  // Alias bombs refused from js-yaml's events: the alias the positional walk counts past 1000, the name, what goes positional.
  "metadata:\n  name: bomb\nbase: &a x\nm:\n" + Array.from({ length: 1200 }, (_, i) => `  k${i}: *a\n`).join("") + "l: [" + "*a, ".repeat(5) + "]\n",
  "metadata: { name: &n named }\nlist:\n" + "  - [*n, { a: *n }]\n".repeat(600),
  "metadata:\n  name: 12\nlist:\n" + Array.from({ length: 1100 }, (_, i) => `  - &x${i} v\n  - *x${i}\n`).join(""),
  "metadata:\n  name: !!str 12\nb: &b 1\nlist:\n" + "  - *b\n".repeat(1100),
  "list:\n" + "  - *late\n".repeat(1100) + "x: &late 1\n",
  "b: &b 1\n" + "? *b\n: 1\n".repeat(2) + "list:\n" + "  - *b\n".repeat(1100),
  "b: &b 1\nlist:\n" + "  - *b\n".repeat(1100) + "---\nc: 1\n",
  "...\n",
  "---\n---\n",
  "",
  "# only a comment\n",
  "- a\n- b\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevcie\n",
  "apiVersion: ase-gitops/v1\nkind: RolloutPolicy\nmetadata:\n  name: p\nspec:\n  waves: []\n",
  "a: [\n b\n]\nkind: EdgeDevice\n",
  "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: a\nspec:\n  gpu:\n    count: 1\n  arm:\n    endpoint: https://management.a.contoso.com\n    subscriptionId: 11111111-2222-3333-4444-555555555555\n    resourceGroup: g\n    credential: GITHUB_TOKEN\n",
  "apiVersion: ase-gitops/v1\r\nkind: EdgeDevice\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  gpu:\r\n    count: 1\r\n",
];

describe("fast tier and positional path agree (issue 16)", () => {
  it("on every YAML file in the repository, one by one and as folders", async () => {
    const files = yamlFiles(ROOT);
    expect(files.length).toBeGreaterThan(5);
    for (const path of files) {
      const text = readFileSync(path, "utf8");
      expectSameBothWays(text);
      expectSameBothWays(text, {});
    }
    for (const folder of [...new Set(files.map((f) => join(f, "..")))]) {
      const fast = await loadFleet(folder, PREFIX);
      const positional = await loadFleet(folder, { ...PREFIX, positional: true });
      expect(answer(fast), relative(ROOT, folder)).toBe(answer(positional));
    }
  });

  it("the examples are read by the fast tier alone, their lines placed without the positional parse", () => {
    for (const path of yamlFiles(join(ROOT, "examples", "fleet"))) {
      let positional = 0;
      const fast = fastParseManifestText(readFileSync(path, "utf8"), "m.yaml", PREFIX, () => {
        positional++;
        return parseManifestText(readFileSync(path, "utf8"), "m.yaml", { ...PREFIX, positional: true });
      });
      expect(fast, path).toBeDefined();
      expect(positional).toBe(0);
      if (fast!.devices.length > 0) {
        // Lines come from js-yaml's events: still no positional parse.
        expect(fast!.devices[0]!.lines.name).toBeGreaterThan(0);
        expect(positional).toBe(0);
      }
    }
  });

  it("answers the hardening shapes at 1 MiB without the positional parse (issue 9 item 7: linear and fast for any shape)", () => {
    // Deep nesting is refused before any parser runs; every other shape, valid or not, is the fast tier's.
    const positionalShapes = new Set(["deep flow nesting", "deep block nesting"]);
    for (const [shape, make] of Object.entries(YAML_SHAPES)) {
      if (positionalShapes.has(shape)) continue;
      const text = make(1024 * 1024);
      const fast = fastParseManifestText(text, "big.yaml", PREFIX, () => {
        throw new Error(`${shape}: went positional`);
      });
      expect((fast?.devices.length ?? 0) + (fast?.invalid.length ?? 0), shape).toBeGreaterThan(0);
    }
  });

  it("on the hardening shapes of test/security/07 and on edge cases of the two parsers", () => {
    for (const make of Object.values(YAML_SHAPES)) expectSameBothWays(make(8 * 1024));
    for (const text of EDGE_CASES) expectSameBothWays(text);
  });

  const GPU_SIZES = ["Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_D2_v2", "Standard_F4", "NoSuchSize"];
  const vm = fc.record({
    name: fc.constantFrom("infer-01", "worker-02", "old", "infer-01", "Bad Name"),
    size: fc.constantFrom(...GPU_SIZES),
    image: fc.constantFrom("ubuntu1804", "win2019"),
    powerState: fc.constantFrom("running", "deallocated", "stopped"),
    os: fc.option(fc.constantFrom('{ type: Linux, distro: ubuntu, version: "18.04" }', "{ type: Windows }", "{ type: Mac }"), { nil: undefined }),
  });
  const device = fc.record({
    name: fc.constantFrom("busy", "store-001", "store-002", "Bad_Name", "constructor"),
    kind: fc.constantFrom("EdgeDevice", "EdgeDevice", "EdgeDevice", "EdgeDevcie", "edgedevice", "ConfigMap"),
    gpus: fc.constantFrom("1", "2", "0", "two", "[1]"),
    kubernetes: fc.option(fc.record({ enabled: fc.boolean(), allowReconfigure: fc.boolean() }), { nil: undefined }),
    software: fc.constantFrom('"2106"', "2106", "21.06", "null"),
    credential: fc.option(fc.constantFrom("DEVICE_A_ARM", "GITHUB_TOKEN", "DEVICE_"), { nil: undefined }),
    labels: fc.option(fc.dictionary(fc.constantFrom("ring", "site", "a b"), fc.constantFrom("canary", "1", "true", "[x]")), { nil: undefined }),
    extra: fc.option(fc.constantFrom("colour: red", "spec2: {}"), { nil: undefined }),
    vms: fc.array(vm, { maxLength: 4 }),
  });

  interface GeneratedVm {
    name: string;
    size: string;
    image: string;
    powerState: string;
    os?: string | undefined;
  }
  interface GeneratedDevice {
    name: string;
    kind: string;
    gpus: string;
    kubernetes?: { enabled: boolean; allowReconfigure: boolean } | undefined;
    software: string;
    credential?: string | undefined;
    labels?: Record<string, string> | undefined;
    extra?: string | undefined;
    vms: GeneratedVm[];
  }

  function manifestText(d: GeneratedDevice): string {
    const lines = ["apiVersion: ase-gitops/v1", `kind: ${d.kind}`, "metadata:", `  name: ${d.name}`];
    if (d.labels)
      lines.push(
        `  labels: { ${Object.entries(d.labels)
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ")} }`,
      );
    lines.push("spec:", "  gpu:", `    count: ${d.gpus}`, `  softwareVersion: ${d.software}`);
    if (d.credential) {
      lines.push(
        "  arm:",
        "    endpoint: https://management.a.contoso.com",
        "    subscriptionId: 3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11",
        "    resourceGroup: g",
        `    credential: ${d.credential}`,
      );
    }
    if (d.kubernetes) lines.push("  kubernetes:", `    enabled: ${d.kubernetes.enabled}`, `    allowReconfigure: ${d.kubernetes.allowReconfigure}`);
    if (d.vms.length > 0) lines.push("  virtualMachines:");
    for (const v of d.vms) {
      lines.push(`    - name: ${v.name}`, `      size: ${v.size}`, `      image: ${v.image}`, `      powerState: ${v.powerState}`);
      if (v.os) lines.push(`      os: ${v.os}`);
    }
    if (d.extra) lines.push(d.extra);
    return `${lines.join("\n")}\n`;
  }

  const validVm = fc.record({
    name: fc.constantFrom("infer-01", "worker-02", "old", "infer-01"),
    size: fc.constantFrom(...GPU_SIZES.slice(0, 4)),
    image: fc.constantFrom("ubuntu1804", "win2019"),
    powerState: fc.constantFrom("running", "deallocated"),
    os: fc.option(fc.constantFrom('{ type: Linux, distro: ubuntu, version: "18.04" }', "{ type: Windows }", "\n        type: Linux"), {
      nil: undefined,
    }),
  });
  const validDevice = fc.record({
    name: fc.constantFrom("busy", "store-001", "store-002"),
    kind: fc.constant("EdgeDevice"),
    gpus: fc.constantFrom("1", "2"),
    kubernetes: fc.option(fc.record({ enabled: fc.boolean(), allowReconfigure: fc.boolean() }), { nil: undefined }),
    software: fc.constantFrom('"2106"', "2106", "'2106'"),
    credential: fc.option(fc.constant("DEVICE_A_ARM"), { nil: undefined }),
    labels: fc.option(fc.dictionary(fc.constantFrom("ring", "site"), fc.constantFrom("canary", "x")), { nil: undefined }),
    extra: fc.constant(undefined),
    vms: fc.array(validVm, { maxLength: 4 }),
  });

  it("on fast-check valid manifests: the fast tier answers, and plans and lines match", () => {
    let fastAnswers = 0;
    fc.assert(
      fc.property(fc.array(validDevice, { minLength: 1, maxLength: 3 }), fc.boolean(), (docs, comments) => {
        const text = docs.map((d) => (comments ? `# device\n${manifestText(d)}` : manifestText(d))).join("---\n");
        if (fastParseManifestText(text, "m.yaml", PREFIX, () => ({ devices: [], invalid: [] }))) fastAnswers++;
        expectSameBothWays(text);
      }),
      { numRuns: 300 },
    );
    expect(fastAnswers).toBeGreaterThan(250);
  });

  /** Breakage applied to a text: a duplicate key, a syntax error, a stray character anywhere. */
  const mutation = fc.oneof(
    fc.constant((t: string) => t),
    fc.constant((t: string) => t),
    fc.constant((t: string) => t.replace("metadata:", "kind: EdgeDevice\nmetadata:")),
    fc.constant((t: string) => t.replace("  gpu:", "  gpu:\n    count: 3")),
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom(
          ":",
          "-",
          "[",
          "{",
          "]",
          "}",
          '"',
          "'",
          "\t",
          "#",
          "&a ",
          "*a",
          "!",
          "|",
          ">",
          "%",
          "@",
          "`",
          "\n",
          " ",
          "  ",
          "? ",
          "...\n",
          "---\n",
          ",",
          "\\",
        ),
      )
      .map(
        ([at, c]) =>
          (t: string) =>
            t.slice(0, at % (t.length + 1)) + c + t.slice(at % (t.length + 1)),
      ),
    fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1)) + t.slice((at % (t.length + 1)) + 1)),
  );

  it("on fast-check manifests, valid and broken, one or several documents per file", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(device, mutation), { minLength: 1, maxLength: 3 }), (docs) => {
        const text = docs.map(([d, mutate]) => mutate(manifestText(d))).join("---\n");
        expectSameBothWays(text);
      }),
      { numRuns: 400 },
    );
  });
});
