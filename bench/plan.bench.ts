/**
 * Planning 10,000 device manifests end to end against the floor of merely reading and
 * parsing the same YAML (issue: plan within 1.5x of the floor, RSS under 400 MiB).
 * Each measurement runs in a fresh process; floor and plan alternate, medians reported.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFleet } from "./fleet-generator.js";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const worker = fileURLToPath(new URL("./plan-worker.ts", import.meta.url));
const bin = fileURLToPath(new URL("../bin/ase-gitops.js", import.meta.url));

interface Sample {
  ms: number;
  maxRssMiB: number;
}

function measure(mode: "floor" | "plan", root: string): Sample {
  const run = spawnSync(process.execPath, ["--import", "tsx", worker, mode, root], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${mode} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as Sample;
}

function cliWall(root: string): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [bin, "plan", root, "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (run.status !== 0 && run.status !== 2) throw new Error(`cli failed: ${run.stderr}`);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const root = await mkdtemp(join(tmpdir(), "ase-gitops-bench-"));
try {
  await writeFleet(root, DEVICES);
  const floors: Sample[] = [];
  const plans: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    floors.push(measure("floor", root));
    plans.push(measure("plan", root));
  }
  const floorMs = median(floors.map((s) => s.ms));
  const planMs = median(plans.map((s) => s.ms));
  const cliMs = median(Array.from({ length: 3 }, () => cliWall(root)));
  const result = {
    devices: DEVICES,
    rounds: ROUNDS,
    floorMs: Math.round(floorMs),
    planMs: Math.round(planMs),
    ratio: Number((planMs / floorMs).toFixed(2)),
    planMaxRssMiB: Math.round(Math.max(...plans.map((s) => s.maxRssMiB))),
    floorMaxRssMiB: Math.round(Math.max(...floors.map((s) => s.maxRssMiB))),
    cliWallMs: Math.round(cliMs),
  };
  console.log(`plan: ${DEVICES} devices, floor ${result.floorMs} ms, plan ${result.planMs} ms, ratio ${result.ratio}x, plan RSS ${result.planMaxRssMiB} MiB, CLI wall ${result.cliWallMs} ms`);
  console.log(JSON.stringify(result));
} finally {
  await rm(root, { recursive: true, force: true });
}
