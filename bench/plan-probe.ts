import { planDevice } from "../shared/plan/planner.js";
import { EdgeDevice } from "../shared/manifest/schema.js";
for (const n of [1000, 4000, 16000]) {
  const manifest = EdgeDevice.parse({ apiVersion: "ase-gitops/v1", kind: "EdgeDevice", metadata: { name: "d" }, spec: { gpu: { count: 2 }, kubernetes: { enabled: true },
    virtualMachines: Array.from({ length: n }, (_, i) => ({ name: `vm-${i}`, size: i % 2 ? "Standard_D2_v2" : "Standard_D1_v2", image: "img", powerState: i % 3 ? "running" : "deallocated" })) } });
  const observed = { kubernetes: { configured: false, gpus: 0 }, virtualMachines: Array.from({ length: n }, (_, i) => ({ name: `vm-${i + n / 2}`, size: "Standard_D1_v2", powerState: "running" as const, gpuExtension: "none" as const, managed: i % 5 !== 0 })) };
  const t = performance.now();
  const plan = planDevice({ manifest, file: "x" }, observed);
  console.log(n, plan.steps.length, plan.errors.length, (performance.now() - t).toFixed(0), "ms");
}
