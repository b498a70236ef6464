/**
 * Drift check of 1,000 simulated devices: the drift job's observe + classify + plan for
 * every device over HTTPS (real SDK clients, one simulator, latency 0), as the device jobs
 * run it, `CONCURRENCY` at once. Reports wall time and ARM reads per device, counted from
 * the simulator's request log (ADFS token requests are listed apart). A realistic mix:
 * a third with Kubernetes, half with a pinned release, one in ten drifted. No assertions.
 *
 *   npx tsx bench/drift.bench.ts [DEVICES] [CONCURRENCY]
 */
import { performance } from "node:perf_hooks";
import { checkDevice } from "../shared/use-cases/check-drift/check-device.js";
import { mapLimit } from "../shared/use-cases/apply-device/fleet.js";
import { deviceSettingsFromEnv } from "../shared/composition/device-settings.js";
import type { EdgeDevice } from "../shared/core/manifest/schema.js";
import type { ObservedDevice } from "../shared/core/plan/observed.js";
import { startSimulator } from "../simulator/index.js";

const DEVICES = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const SUBSCRIPTION = "3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11";

function manifestOf(i: number): EdgeDevice {
  const name = `store-${String(i).padStart(5, "0")}`;
  const gpus = i % 2 === 0 ? 2 : 1;
  return {
    apiVersion: "ase-gitops/v1",
    kind: "EdgeDevice",
    metadata: { name },
    spec: {
      gpu: { count: gpus, model: "T4" },
      ...(i % 2 === 0 ? { softwareVersion: "2303" } : {}),
      arm: {
        endpoint: "https://127.0.0.1/",
        subscriptionId: SUBSCRIPTION,
        resourceGroup: "gpu-vms",
        location: "DBELocal",
        credential: "DEVICE_PASSWORD",
      },
      kubernetes: { enabled: i % 3 === 0, allowReconfigure: false },
      virtualMachines: [
        { name: "infer-01", size: "Standard_NC4as_T4_v3", image: "ubuntu1804", login: "none" as const, powerState: "running" },
        { name: "web-01", size: "Standard_D2_v2", image: "ubuntu1804", login: "none" as const, powerState: "running" },
      ],
    },
  };
}

function observedOf(m: EdgeDevice, i: number): ObservedDevice {
  const drifted = i % 10 === 0;
  return {
    ...(m.spec.softwareVersion ? { softwareVersion: m.spec.softwareVersion } : {}),
    kubernetes: { configured: m.spec.kubernetes.enabled, gpus: m.spec.kubernetes.enabled && m.spec.gpu.count === 2 ? 1 : 0 },
    virtualMachines: m.spec.virtualMachines.map((vm) => ({
      name: vm.name,
      size: vm.size,
      managed: true,
      powerState: drifted && vm.name === "infer-01" ? "deallocated" : "running",
      gpuExtension: vm.size.includes("T4") ? "succeeded" : "none",
    })),
  };
}

const manifests = Array.from({ length: DEVICES }, (_, i) => manifestOf(i));
const sim = await startSimulator({
  manifests,
  observed: { devices: Object.fromEntries(manifests.map((m, i) => [m.metadata.name, observedOf(m, i)])) },
});
try {
  const settings = deviceSettingsFromEnv({
    DEVICE_PASSWORD: "simulator",
    ASE_GITOPS_DEVICE_CA: sim.caPath,
    ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
    ASE_GITOPS_POLL_INTERVAL_MS: "5",
    ASE_GITOPS_RETRY_BASE_MS: "5",
  });
  const targets = manifests.map((m) => ({ ...m, spec: { ...m.spec, arm: { ...m.spec.arm!, endpoint: sim.devices[m.metadata.name]! } } }));
  const start = performance.now();
  const reports = await mapLimit(targets, CONCURRENCY, (m) => checkDevice({ manifest: m, file: `devices/${m.metadata.name}.yaml` }, settings));
  const wall = performance.now() - start;

  const perDevice = new Map<string, number>();
  let token = 0;
  for (const r of sim.requests) {
    if (r.path.startsWith("/adfs")) token++;
    else perDevice.set(r.device, (perDevice.get(r.device) ?? 0) + 1);
  }
  const reads = [...perDevice.values()];
  const histogram = new Map<number, number>();
  for (const n of reads) histogram.set(n, (histogram.get(n) ?? 0) + 1);
  const status = new Map<string, number>();
  for (const r of reports) status.set(r.status, (status.get(r.status) ?? 0) + 1);
  const total = reads.reduce((a, b) => a + b, 0);
  console.log(`drift check of ${DEVICES} simulated devices, ${CONCURRENCY} at once (latency 0)`);
  console.log(`  wall time            ${(wall / 1000).toFixed(2)} s (${(wall / DEVICES).toFixed(1)} ms per device)`);
  console.log(`  ARM reads            ${total} = ${(total / DEVICES).toFixed(2)} per device (max ${Math.max(...reads)}, target <= 3)`);
  console.log(
    `  reads per device     ${[...histogram]
      .sort(([a], [b]) => a - b)
      .map(([n, c]) => `${n}: ${c} devices`)
      .join(", ")}`,
  );
  console.log(`  ADFS token requests  ${token} (${(token / DEVICES).toFixed(2)} per device; not ARM)`);
  console.log(`  results              ${[...status].map(([s, c]) => `${s} ${c}`).join(", ")}`);
} finally {
  await sim.close();
}
