/**
 * Planning a generated fleet end to end against the floors of reading the same files and of
 * parsing them (issue 16), and the one-device startup against `node -e 0`. One interleaved
 * run: every round measures each figure once, each in a fresh process, medians reported.
 *   floors at 10k: read only, js-yaml (the fast tier's parser), yaml (the positional parser)
 *   plan at 1k / 10k / 30k (linear: 30k within 10% of 3x 10k), peak RSS
 *   startup: `node bin/ase-gitops.js plan examples/fleet/store-001.yaml` against `node -e 0`
 * Env: BENCH_SIZES (default 1000,10000,30000), BENCH_ROUNDS (default 3), BENCH_STARTUP_RUNS (default 10).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFleet } from "./fleet-generator.js";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,30000").split(",").map(Number);
const FLOOR_SIZE = SIZES.includes(10_000) ? 10_000 : SIZES[SIZES.length - 1]!;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 10);
const worker = fileURLToPath(new URL("./plan-worker.ts", import.meta.url));
const bin = fileURLToPath(new URL("../bin/ase-gitops.js", import.meta.url));
const oneDevice = fileURLToPath(new URL("../examples/fleet/store-001.yaml", import.meta.url));

interface Sample {
  ms: number;
  maxRssMiB: number;
}

function measure(mode: string, root: string): Sample {
  const run = spawnSync(process.execPath, ["--import", "tsx", worker, mode, root], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`${mode} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as Sample;
}

function wall(args: string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (run.status !== 0 && run.status !== 2) throw new Error(`${args.join(" ")} failed: ${run.stderr}`);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const samples = new Map<string, Sample[]>();
const record = (name: string, sample: Sample) => samples.set(name, [...(samples.get(name) ?? []), sample]);
const ms = (name: string) => median(samples.get(name)!.map((s) => s.ms));

const roots = new Map<number, string>();
try {
  for (const size of SIZES) {
    const root = await mkdtemp(join(tmpdir(), `ase-gitops-bench-${size}-`));
    roots.set(size, root);
    await writeFleet(root, size);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ["read", "js-yaml", "floor"]) record(`${mode} ${FLOOR_SIZE}`, measure(mode, roots.get(FLOOR_SIZE)!));
    for (const size of SIZES) record(`plan ${size}`, measure("plan", roots.get(size)!));
    for (let i = 0; i < STARTUP_RUNS; i++) {
      record("node -e 0", { ms: wall(["-e", "0"]), maxRssMiB: 0 });
      record("plan one device", { ms: wall([bin, "plan", oneDevice, "--format", "json"]), maxRssMiB: 0 });
    }
  }
  const planFloor = ms(`plan ${FLOOR_SIZE}`);
  console.log(`| figure (medians of ${ROUNDS} interleaved rounds) | ms | ratio |\n|---|---|---|`);
  console.log(`| read ${FLOOR_SIZE} files | ${ms(`read ${FLOOR_SIZE}`).toFixed(0)} | |`);
  console.log(
    `| js-yaml floor (read + js-yaml loadAll) | ${ms(`js-yaml ${FLOOR_SIZE}`).toFixed(0)} | plan ${FLOOR_SIZE} / this: **${(planFloor / ms(`js-yaml ${FLOOR_SIZE}`)).toFixed(2)}x** |`,
  );
  console.log(
    `| yaml floor (read + yaml parseAllDocuments + toJS) | ${ms(`floor ${FLOOR_SIZE}`).toFixed(0)} | plan ${FLOOR_SIZE} / this: ${(planFloor / ms(`floor ${FLOOR_SIZE}`)).toFixed(2)}x |`,
  );
  for (const size of SIZES) {
    const rss = Math.max(...samples.get(`plan ${size}`)!.map((s) => s.maxRssMiB));
    console.log(
      `| plan ${size.toLocaleString("en")} devices (peak RSS ${rss.toFixed(0)} MiB) | ${ms(`plan ${size}`).toFixed(0)} | ${(ms(`plan ${size}`) / planFloor).toFixed(2)}x plan ${FLOOR_SIZE} |`,
    );
  }
  console.log(`| \`node -e 0\` | ${ms("node -e 0").toFixed(0)} | |`);
  console.log(
    `| \`node bin/ase-gitops.js plan examples/fleet/store-001.yaml\` | ${ms("plan one device").toFixed(0)} | **${(ms("plan one device") / ms("node -e 0")).toFixed(2)}x** \`node -e 0\` |`,
  );
} finally {
  for (const root of roots.values()) await rm(root, { recursive: true, force: true });
}
