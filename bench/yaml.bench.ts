/**
 * Loading a 1 MiB manifest of every shape of test/helpers/yaml-shapes.ts (issue 9, item 7:
 * under 1 s each), beside the yaml package's bare parse of the same text, and planning one
 * device with 2,000 / 8,000 / 32,000 VMs (linear: 4x the VMs, about 4x the time).
 * Medians of 3 runs in one warm process.
 */
import { LineCounter, parseAllDocuments } from "yaml";
import { parseManifestText } from "../shared/core/manifest/load.js";
import { EdgeDevice } from "../shared/core/manifest/schema.js";
import type { ObservedDevice } from "../shared/core/plan/observed.js";
import { planDevice } from "../shared/core/plan/planner.js";
import { YAML_SHAPES } from "../test/helpers/yaml-shapes.js";

const BYTES = Number(process.env.BENCH_BYTES ?? 1024 * 1024);
const ROUNDS = 3;

function median(work: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

console.log(`| shape (${(BYTES / 1024).toFixed(0)} KiB) | load (ms) | positional path only (ms) | bare yaml parse (ms) |`);
console.log("|---|---|---|---|");
for (const [shape, make] of Object.entries(YAML_SHAPES)) {
  const text = make(BYTES);
  const load = median(() => parseManifestText(text, "big.yaml"));
  const positional = median(() => parseManifestText(text, "big.yaml", { positional: true }));
  const bare =
    shape === "deep flow nesting"
      ? Number.NaN
      : median(() => parseAllDocuments(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: false }));
  console.log(`| ${shape} | ${load.toFixed(0)} | ${positional.toFixed(0)} | ${Number.isNaN(bare) ? "(not run: seconds)" : bare.toFixed(0)} |`);
}

function bigDevice(n: number): { manifest: EdgeDevice; observed: ObservedDevice } {
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
        powerState: i % 3 ? "running" : "deallocated",
      })),
    },
  });
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
  return { manifest, observed };
}

console.log("\n| VMs (desired and observed) | plan (ms) |\n|---|---|");
for (const n of [2_000, 8_000, 32_000]) {
  const { manifest, observed } = bigDevice(n);
  console.log(`| ${n.toLocaleString("en")} | ${median(() => planDevice({ manifest, file: "big.yaml" }, observed)).toFixed(0)} |`);
}

// Observed VMs only (issue 16): a small manifest against 1,000 and 3,000 observed VMs.
const observedOnly = (n: number) => {
  const { manifest } = bigDevice(10);
  const observed: ObservedDevice = {
    kubernetes: { configured: false, gpus: 0 },
    virtualMachines: Array.from({ length: n }, (_, i) => ({
      name: `seen-${i}`,
      size: "Standard_D1_v2",
      powerState: i % 7 ? "running" : "stopped",
      gpuExtension: "none",
      managed: i % 5 !== 0,
    })),
  };
  return median(() => planDevice({ manifest, file: "big.yaml" }, observed));
};
observedOnly(3_000); // warm the JIT
const observed1k = observedOnly(1_000);
const observed3k = observedOnly(3_000);
console.log(
  `\n| observed VMs on one device | plan (ms) |\n|---|---|\n| 1,000 | ${observed1k.toFixed(1)} |\n| 3,000 | ${observed3k.toFixed(1)} (${(observed3k / observed1k).toFixed(2)}x) |`,
);
