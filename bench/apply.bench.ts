/**
 * Apply benchmark: 200 simulated devices x 2 GPU VMs (+ driver extensions) at 200 ms of
 * simulated latency per ARM operation, devices in parallel under a concurrency bound, each
 * device's steps in order. Compares the total wall time with the ideal schedule:
 * ceil(devices / concurrency) x one device's chain (measured alone at the same latency).
 * Env: BENCH_DEVICES (200), BENCH_CONCURRENCY (50), BENCH_LATENCY_MS (200). No assertions.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { applyFleet, deviceSettingsFromEnv } from "../shared/composition/device.js";
import type { EdgeDevice } from "../shared/core/manifest/schema.js";
import { planDevice } from "../shared/core/plan/planner.js";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 200);
const SUBSCRIPTION = "5e1d0b1c-2f4c-4e8a-9a51-3c9f6a7b8d10";

function deviceManifest(name: string): EdgeDevice {
  return {
    apiVersion: "ase-gitops/v1",
    kind: "EdgeDevice",
    metadata: { name },
    spec: {
      gpu: { count: 2, model: "T4" },
      arm: {
        endpoint: "https://127.0.0.1/",
        subscriptionId: SUBSCRIPTION,
        resourceGroup: "gpu-vms",
        location: "DBELocal",
        credential: "DEVICE_BENCH_PASSWORD",
      },
      kubernetes: { enabled: false, allowReconfigure: false },
      virtualMachines: ["infer-01", "infer-02"].map((vm) => ({
        name: vm,
        size: "Standard_NC4as_T4_v3",
        image: "ubuntu1804",
        login: "none" as const,
        powerState: "running" as const,
      })),
    },
  };
}

const simulatorModule = fileURLToPath(new URL("../simulator/index.ts", import.meta.url));

/**
 * The simulator runs in its own process, as `ase-gitops simulate` would: the devices are
 * not the controller's CPU, so sharing one event loop would charge their work to the apply.
 */
async function startChildSimulator(manifests: EdgeDevice[]) {
  const dir = await mkdtemp(join(tmpdir(), "ase-bench-"));
  await writeFile(join(dir, "fleet.yaml"), manifests.map((m) => stringify(m)).join("---\n"));
  const script = `const { startSimulator } = await import(${JSON.stringify(simulatorModule)});
    const sim = await startSimulator({ fleet: ${JSON.stringify(dir)}, latencyMs: ${LATENCY_MS}, timeScale: 0.000001 });
    console.log(JSON.stringify({ port: sim.port, ca: sim.caPath, devices: sim.devices }));
    process.on("SIGTERM", async () => { console.log(JSON.stringify({ requests: sim.requests.length })); await sim.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const ready = JSON.parse(String((await lines.next()).value)) as { ca: string; devices: Record<string, string> };
  return {
    ...ready,
    async close(): Promise<number> {
      child.kill("SIGTERM");
      const last = (await lines.next()).value;
      await rm(dir, { recursive: true, force: true });
      return last ? (JSON.parse(String(last)) as { requests: number }).requests : 0;
    },
  };
}

async function run(count: number, concurrency: number): Promise<{ wallMs: number; converged: number; requests: number }> {
  const manifests = Array.from({ length: count }, (_, i) => deviceManifest(`store-${String(i + 1).padStart(3, "0")}`));
  const sim = await startChildSimulator(manifests);
  let requests = 0;
  try {
    const targets = manifests.map((m) => ({
      manifest: { ...m, spec: { ...m.spec, arm: { ...m.spec.arm!, endpoint: sim.devices[m.metadata.name]! } } },
      file: `${m.metadata.name}.yaml`,
    }));
    const settings = deviceSettingsFromEnv({
      DEVICE_BENCH_PASSWORD: "simulator",
      ASE_GITOPS_DEVICE_CA: sim.ca,
      ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
      ASE_GITOPS_POLL_INTERVAL_MS: "50",
    });
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const began = new Map<string, number>();
    const chains: number[] = [];
    const results = await applyFleet(targets, settings, {
      concurrency,
      plan: (input, observed) => planDevice(input, observed),
      onProgress: (e) => {
        if (e.action === "observe" && e.status === "started") began.set(e.device, performance.now());
        if (e.action === "verify" && e.status === "succeeded") chains.push(performance.now() - began.get(e.device)!);
      },
    });
    chains.sort((a, b) => a - b);
    if (process.env.BENCH_VERBOSE && chains.length) {
      const q = (f: number) => chains[Math.min(chains.length - 1, Math.floor(f * chains.length))]!.toFixed(0);
      console.log(`  device chains: min ${q(0)} ms, median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
    }
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    if (process.env.BENCH_VERBOSE)
      console.log(`  controller CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms over ${wallMs.toFixed(0)} ms wall`);
    const failed = results.filter((r) => r.status !== "converged");
    for (const f of failed.slice(0, 3)) console.log(`  ${f.device}: ${f.status} ${f.error?.code}: ${f.error?.message}`);
    return {
      wallMs,
      converged: results.length - failed.length,
      get requests() {
        return requests;
      },
    };
  } finally {
    requests = await sim.close();
  }
}

const single = await run(1, 1);
const fleet = await run(DEVICES, CONCURRENCY);
const rounds = Math.ceil(DEVICES / CONCURRENCY);
const ideal = rounds * single.wallMs;
console.log(`devices ${DEVICES} x 2 GPU VMs, latency ${LATENCY_MS} ms per ARM operation, concurrency ${CONCURRENCY}`);
console.log(`one device's chain: ${single.wallMs.toFixed(0)} ms (${single.requests} requests)`);
console.log(`fleet: ${fleet.wallMs.toFixed(0)} ms, ${fleet.converged}/${DEVICES} converged, ${fleet.requests} requests`);
console.log(`ideal: ${rounds} x ${single.wallMs.toFixed(0)} = ${ideal.toFixed(0)} ms; ratio ${(fleet.wallMs / ideal).toFixed(2)}x (target <= 1.3x)`);
