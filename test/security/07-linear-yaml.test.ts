/**
 * Issue 9, item 7: loading a manifest and planning a device must be linear. The duplicate-key
 * check of the yaml package compared every key with every earlier one (a 604 KiB manifest
 * blocked the webhook 19 s, a 137k-key file took minutes), alias resolution scanned every
 * earlier anchor, and the planner copied the VM list on every step.
 *
 * No exact timings here (bench/yaml.bench.ts has them): loading is compared with the yaml
 * package's bare parse of the same text on the same machine at the same moment, which a
 * quadratic step exceeds many times over, and the planner gets a generous bound for a size
 * that took minutes before.
 */
import { LineCounter, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { MAX_ERRORS_PER_DOCUMENT, parseManifestText } from "../../shared/core/manifest/load.js";
import { EdgeDevice } from "../../shared/core/manifest/schema.js";
import type { ObservedDevice } from "../../shared/core/plan/observed.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import { YAML_SHAPES } from "../helpers/yaml-shapes.js";

const BYTES = 256 * 1024;

function timed<T>(work: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = work();
  return { ms: performance.now() - started, value };
}

/** The bare parse: what any YAML reader pays, the floor loading is measured against. */
const floor = (text: string) => timed(() => parseAllDocuments(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: false }));

describe("manifest loading is linear (issue 9, item 7)", () => {
  for (const [shape, make] of Object.entries(YAML_SHAPES)) {
    it(`${shape}: at most a few times the bare YAML parse, every problem reported`, () => {
      const text = make(BYTES);
      expect(text.length).toBeGreaterThan(BYTES * 0.95);
      expect(text.length).toBeLessThanOrEqual(BYTES);
      const load = timed(() => parseManifestText(text, "big.yaml"));
      if (shape === "deep flow nesting") {
        // Refused before yaml recurses into it (the bare parse itself takes seconds here).
        expect(load.ms).toBeLessThan(1_000);
      } else {
        const bare = Math.min(floor(text).ms, floor(text).ms); // the first also warms the JIT
        expect(load.ms, `${shape}: load ${load.ms.toFixed(0)} ms, bare parse ${bare.toFixed(0)} ms`).toBeLessThan(4 * bare + 500);
      }
      const { devices, invalid } = load.value;
      // Loading answers: devices, or errors that are one line each and few.
      expect(devices.length + invalid.length).toBeGreaterThan(0);
      for (const entry of invalid) {
        expect(entry.errors.length).toBeLessThanOrEqual(MAX_ERRORS_PER_DOCUMENT + 1);
        for (const error of entry.errors) {
          expect(error.code).toBe("INVALID_MANIFEST");
          expect(error.line).toBeGreaterThan(0);
          expect(error.message.length).toBeLessThan(400);
          expect(error.message).not.toMatch(/\n|call stack/i);
        }
      }
    });
  }

  it("the issue's wide map: duplicate keys found and reported at their lines", () => {
    const { invalid } = parseManifestText("kind: EdgeDevice\na: 1\nb: 2\na: 3\nc: 4\nb: 5\n", "d.yaml");
    expect(invalid[0]!.errors).toEqual([
      { code: "INVALID_MANIFEST", message: "YAML syntax error: Map keys must be unique", file: "d.yaml", line: 4 },
      { code: "INVALID_MANIFEST", message: "YAML syntax error: Map keys must be unique", file: "d.yaml", line: 6 },
    ]);
    // Keys that only look alike are not duplicates (yaml compares the scalar values).
    expect(parseManifestText("kind: Other\n1: a\n'1': b\n", "d.yaml")).toEqual({ devices: [], invalid: [] });
  });

  it("thousands of errors in one document are capped, with a count of the rest", () => {
    const { invalid } = parseManifestText(YAML_SHAPES["long sequence of invalid VMs"]!(64 * 1024), "d.yaml");
    const errors = invalid[0]!.errors;
    expect(errors).toHaveLength(MAX_ERRORS_PER_DOCUMENT + 1);
    expect(errors.at(-1)!.message).toMatch(/^…and \d+ more problems in this document$/);
  });

  it("an unknown-field error lists a few fields, not 30,000", () => {
    const { invalid } = parseManifestText(YAML_SHAPES["wide top-level map"]!(BYTES), "d.yaml");
    const unknown = invalid[0]!.errors.find((e) => e.message.startsWith("unknown fields"))!;
    expect(unknown.message).toMatch(/^unknown fields k0, k1, .*, k9 and \d+ more$/);
  });
});

describe("planning a device with thousands of VMs is linear (issue 9, item 7)", () => {
  it("20,000 desired and 20,000 observed VMs plan in seconds, not minutes", () => {
    const n = 20_000;
    const manifest = EdgeDevice.parse({
      apiVersion: "ase-gitops/v1",
      kind: "EdgeDevice",
      metadata: { name: "big" },
      spec: {
        gpu: { count: 2 },
        kubernetes: { enabled: true },
        virtualMachines: Array.from({ length: n }, (_, i) => ({
          name: `vm-${i}`,
          size: i % 2 ? "Standard_D2_v2" : "Standard_D1_v2",
          image: "img",
          login: "none",
          powerState: i % 3 ? "running" : "deallocated",
        })),
      },
    });
    // Half the observed VMs are in the manifest (some resized or stopped), half are to delete or unmanaged.
    const observed: ObservedDevice = {
      kubernetes: { configured: false, gpus: 0 },
      virtualMachines: Array.from({ length: n }, (_, i) => ({
        name: `vm-${i + n / 2}`,
        size: "Standard_D1_v2",
        powerState: i % 7 ? "running" : "stopped",
        gpuExtension: "none",
        managed: i % 5 !== 0,
      })),
    };
    const plan = timed(() => planDevice({ manifest, file: "big.yaml" }, observed));
    expect(plan.value.feasible).toBe(true);
    expect(plan.value.steps.length).toBeGreaterThan(n);
    expect(plan.ms).toBeLessThan(5_000);
  });
});
