/**
 * A merge touching many simulated devices, end to end through the local runtime: from the
 * push webhook to the completed `ase-gitops/apply` check run (the last device converged),
 * against the ideal schedule for the runtime's concurrency: ceil(devices / concurrency) x
 * one device's chain, with the chain measured on its own first, through the same path.
 *
 *   BENCH_DEVICES (default 500), BENCH_LATENCY_MS (default 200 per ARM operation)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness } from "../devtools/controller-harness.js";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 200);

const manifest = (name: string, extraVm = "") => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
spec:
  gpu:
    count: 1
  arm:
    endpoint: https://management.${name}.contoso.com
    subscriptionId: 3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11
    resourceGroup: gpu-vms
    credential: DEVICE_ARM
  virtualMachines:
    - name: base
      size: Standard_D2_v2
      image: ubuntu1804
      login: none
${extraVm}`;
const gpuVm =
  '    - name: infer\n      size: Standard_NC4as_T4_v3\n      image: ubuntu1804\n      os: { type: Linux, distro: ubuntu, version: "18.04" }\n      login: none\n';

const names = Array.from({ length: DEVICES + 1 }, (_, i) => `dev-${String(i).padStart(4, "0")}`);
const fleet = await mkdtemp(join(tmpdir(), "ase-gitops-bench-reconcile-"));
for (const name of names) await writeFile(join(fleet, `${name}.yaml`), manifest(name));
const hostJson = JSON.parse(await readFile(new URL("../host.json", import.meta.url), "utf8")) as {
  extensions: { queues: { batchSize: number; newBatchThreshold: number } };
};
const concurrency = hostJson.extensions.queues.batchSize + hostJson.extensions.queues.newBatchThreshold;
const base = { virtualMachines: [{ name: "base", size: "Standard_D2_v2", powerState: "running", gpuExtension: "none" }] };

const h = await startHarness({
  fleet,
  observed: { devices: Object.fromEntries(names.map((n) => [n, base])) } as never,
  // Operations take the latency (real durations scaled to almost nothing): this bench measures the controller.
  simulator: { latencyMs: LATENCY_MS, timeScale: 0.000001 },
  leaseSeconds: 30,
});
try {
  const withGpu = (name: string) => ({ [`${name}.yaml`]: h.files[`${name}.yaml`]! + gpuVm });
  // One device alone: the chain (observe, create VM, install the extension, verify).
  let started = performance.now();
  const single = await h.pushCommit(withGpu(names[0]!), "one device");
  await h.waitForCheckRun("ase-gitops/apply", single.after, 600_000);
  const chainMs = performance.now() - started;

  const changes = Object.assign({}, ...names.slice(1).map(withGpu)) as Record<string, string>;
  started = performance.now();
  const merge = await h.pushCommit(changes, `${DEVICES} devices`);
  const run = await h.waitForCheckRun("ase-gitops/apply", merge.after, 3_600_000);
  const totalMs = performance.now() - started;
  const idealMs = Math.ceil(DEVICES / concurrency) * chainMs;
  const result = {
    devices: DEVICES,
    latencyMs: LATENCY_MS,
    concurrency,
    conclusion: run.conclusion,
    chainMs: Math.round(chainMs),
    totalMs: Math.round(totalMs),
    idealMs: Math.round(idealMs),
    ratio: Number((totalMs / idealMs).toFixed(2)),
    armRequests: h.simulator.requests.length,
  };
  console.log(
    `reconcile: ${DEVICES} devices at ${LATENCY_MS} ms/op, concurrency ${concurrency}: push -> last converged ${result.totalMs} ms, ideal ${result.idealMs} ms (chain ${result.chainMs} ms), ratio ${result.ratio}x, ${run.conclusion}`,
  );
  console.log(JSON.stringify(result));
} finally {
  await h.stop();
  await rm(fleet, { recursive: true, force: true });
}
