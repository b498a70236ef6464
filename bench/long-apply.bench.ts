/**
 * Resumable-apply benchmark: 500 simulated devices, each getting one GPU VM with its driver
 * extension, at real operation durations scaled by BENCH_TIME_SCALE (0.05: the VM create
 * takes 54 s, the extension 30 s). The apply jobs run through runApplyJob (the function's
 * core) on BENCH_WORKERS workers pulling from an in-memory delay queue, with in-memory
 * stores that count their transactions. A worker never waits out an operation: it requeues.
 *
 * Ideal schedule under the same concurrency: every device's operations run on the device,
 * so all devices wait in parallel; the ideal is one device's chain of operation durations
 * (measured alone). Reported: push to last device converged, the ratio (target <= 1.2x),
 * and storage transactions per device. Env: BENCH_DEVICES (500), BENCH_WORKERS (32),
 * BENCH_TIME_SCALE (0.05).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { createOperationClock } from "../simulator/durations.js";
import { connectDevice } from "../shared/adapters/device/connect.js";
import { deviceSettingsFromEnv } from "../shared/composition/device.js";
import type { CachedRepo, RepoCache } from "../shared/adapters/git/repo-cache.js";
import type { EdgeDevice } from "../shared/core/manifest/schema.js";
import { runApplyJob } from "../shared/use-cases/apply-device/apply-job.js";
import type { ApplyJob } from "../shared/core/messages/apply.js";
import type { ApplyJournal } from "../shared/adapters/store/apply-journal.js";
import { createApplyLocks, memoryLockRows } from "../shared/adapters/store/apply-locks.js";
import type { DeviceResult, DeviceState, ReconcileRuns } from "../shared/adapters/store/reconcile-runs.js";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 32);
const SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.05);
const SUBSCRIPTION = "5e1d0b1c-2f4c-4e8a-9a51-3c9f6a7b8d10";
const COMMIT = "a".repeat(40);

function deviceManifest(name: string, endpoint = "https://127.0.0.1/"): EdgeDevice {
  return {
    apiVersion: "ase-gitops/v1",
    kind: "EdgeDevice",
    metadata: { name },
    spec: {
      gpu: { count: 1, model: "T4" },
      arm: { endpoint, subscriptionId: SUBSCRIPTION, resourceGroup: "gpu-vms", location: "DBELocal", credential: "DEVICE_BENCH_PASSWORD" },
      kubernetes: { enabled: false, allowReconfigure: false },
      virtualMachines: [{ name: "infer-01", size: "Standard_NC4as_T4_v3", image: "ubuntu1804", powerState: "running" as const }],
    },
  } as EdgeDevice;
}

const simulatorModule = fileURLToPath(new URL("../simulator/index.ts", import.meta.url));

/** The simulator in its own process: the devices' work is not the controller's CPU. */
async function startChildSimulator(manifests: EdgeDevice[]) {
  const dir = await mkdtemp(join(tmpdir(), "ase-bench-long-"));
  await writeFile(join(dir, "fleet.yaml"), manifests.map((m) => stringify(m)).join("---\n"));
  const script = `const { startSimulator } = await import(${JSON.stringify(simulatorModule)});
    const sim = await startSimulator({ fleet: ${JSON.stringify(dir)}, timeScale: ${SCALE} });
    console.log(JSON.stringify({ ca: sim.caPath, devices: sim.devices }));
    process.on("SIGTERM", async () => {
      const puts = sim.requests.filter((r) => r.method === "PUT" && r.path.includes("/deployments/"));
      console.log(JSON.stringify({ requests: sim.requests.length, deploymentPuts: puts.length, refused: puts.filter((r) => r.status === 409).length }));
      await sim.close();
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const ready = JSON.parse(String((await lines.next()).value)) as { ca: string; devices: Record<string, string> };
  return {
    ...ready,
    async close(): Promise<{ requests: number; deploymentPuts: number; refused: number }> {
      child.kill("SIGTERM");
      const last = (await lines.next()).value;
      await rm(dir, { recursive: true, force: true });
      return JSON.parse(String(last)) as { requests: number; deploymentPuts: number; refused: number };
    },
  };
}

async function run(count: number) {
  const manifests = Array.from({ length: count }, (_, i) => deviceManifest(`store-${String(i + 1).padStart(3, "0")}`));
  const sim = await startChildSimulator(manifests);
  const texts = new Map(manifests.map((m) => [`${m.metadata.name}.yaml`, stringify(deviceManifest(m.metadata.name, sim.devices[m.metadata.name]!))]));
  let transactions = 0;
  const tx = <T>(value: T) => {
    transactions++;
    return value;
  };
  const repo = {
    hasCommit: async () => true,
    mergeBase: async (a: string) => a,
    show: async (_rev: string, path: string) => texts.get(path),
  } as unknown as CachedRepo;
  const states = new Map<string, DeviceState>();
  const results = new Map<string, DeviceResult>();
  const runs = {
    putResult: async (_r: string, _c: string, result: DeviceResult) => tx(void results.set(result.device, result)),
    deviceState: async (_r: string, device: string) => tx({ ...(states.get(device) ?? {}) }),
    putDeviceState: async (_r: string, device: string, state: DeviceState) =>
      tx(void states.set(device, { ...(states.get(device) ?? {}), ...state })),
  } as unknown as ReconcileRuns;
  const journal = { append: async () => tx(undefined) } as unknown as ApplyJournal;
  const rows = memoryLockRows();
  const countedRows = {
    get: (r: string, d: string) => tx(rows.get(r, d)),
    put: (r: string, d: string, rec: never, e: string | undefined) => tx(rows.put(r, d, rec, e)),
  };
  const queue: Array<{ job: ApplyJob; visibleAt: number }> = [];
  const settings = deviceSettingsFromEnv({
    DEVICE_BENCH_PASSWORD: "simulator",
    ASE_GITOPS_DEVICE_CA: sim.ca,
    ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
  });
  const start = performance.now();
  const deps = {
    repos: { open: async () => repo } as unknown as RepoCache,
    gitToken: async () => undefined,
    locks: createApplyLocks(countedRows),
    journal,
    runs,
    requeue: async (_q: string, job: ApplyJob, delaySeconds: number) =>
      tx(void queue.push({ job, visibleAt: performance.now() + delaySeconds * 1000 })),
    connect: (manifest: EdgeDevice) => connectDevice(manifest, settings),
    deviceSettings: settings,
    report: async () => undefined,
    ...(process.env.BENCH_VERBOSE
      ? {
          log: {
            info: (m: string) => console.log(`  ${((performance.now() - start) / 1000).toFixed(1)} s ${m}`),
            warn: (m: string) => console.log(`  ${m}`),
          },
        }
      : {}),
  };
  for (const m of manifests) {
    queue.push({
      job: {
        version: 1,
        kind: "apply",
        deliveryId: "bench",
        repository: { fullName: "bench/fleet", cloneUrl: "https://example.invalid/x.git", defaultBranch: "main" },
        commit: COMMIT,
        device: m.metadata.name,
        file: `${m.metadata.name}.yaml`,
        reason: "merge",
        requeues: 0,
        failures: 0,
        waits: 0,
      },
      visibleAt: start,
    });
  }
  let turns = 0;
  const done = new Set<string>();
  let lastConverged = start;
  const worker = async () => {
    while (done.size < count) {
      queue.sort((a, b) => a.visibleAt - b.visibleAt);
      const next = queue[0];
      if (!next || next.visibleAt > performance.now()) {
        await new Promise((resolve) => setTimeout(resolve, next ? Math.min(200, next.visibleAt - performance.now()) : 50));
        continue;
      }
      queue.shift();
      turns++;
      transactions += 2; // the queue's receive and delete of this message
      const outcome = await runApplyJob(deps, next.job, { attempt: 1, maxAttempts: 5 });
      if (outcome.outcome !== "requeued") {
        done.add(next.job.device);
        if (outcome.outcome === "converged") lastConverged = performance.now();
        else console.log(`  ${next.job.device}: ${outcome.outcome} ${"message" in outcome ? outcome.message : ""}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WORKERS, count) }, worker));
  const converged = [...results.values()].filter((r) => r.outcome === "converged").length;
  const simStats = await sim.close();
  return { wallMs: lastConverged - start, converged, turns, transactions, ...simStats };
}

const single = await run(1);
const fleet = await run(DEVICES);
console.log(`devices ${DEVICES} x 1 GPU VM + extension, real durations x ${SCALE}, ${WORKERS} workers`);
console.log(`one device alone: ${single.wallMs.toFixed(0)} ms, ${single.turns} turns`);
console.log(
  `fleet: push to last converged ${fleet.wallMs.toFixed(0)} ms, ${fleet.converged}/${DEVICES} converged, ${fleet.turns} turns (${(fleet.turns / DEVICES).toFixed(1)} per device)`,
);
console.log(`deployment PUTs: ${fleet.deploymentPuts} for ${DEVICES * 2} deployments (${fleet.refused} refused as active)`);
console.log(`storage transactions: ${(fleet.transactions / DEVICES).toFixed(1)} per device (queue, lock, runs, journal)`);
const clock = createOperationClock(SCALE);
const operations = clock.durationMs("createVm") + clock.durationMs("installGpuExtension");
console.log(
  `ideal (all devices wait in parallel): one device's chain ${single.wallMs.toFixed(0)} ms (its operations alone take ${operations.toFixed(0)} ms)`,
);
console.log(
  `ratio ${(fleet.wallMs / single.wallMs).toFixed(2)}x the chain, ${(fleet.wallMs / operations).toFixed(2)}x the bare operations (target <= 1.2x)`,
);
