/**
 * Auto-remediation: with spec.driftPolicy: remediate, only a feasible plan that removes
 * nothing and risks no GPU reclaim is queued as an apply job (reason drift-remediation, the
 * default branch's commit); everything else is reported with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { manifest } from "../simulator/fixtures.js";
import { addVmByHand, editVm } from "./fixtures.js";
import { type DriftBench, startDriftBench } from "./harness.js";

const remediate = (m: EdgeDevice): EdgeDevice => ({ ...m, spec: { ...m.spec, driftPolicy: "remediate" } });
const safe = remediate(manifest("safe", { gpus: 1, vms: [{ name: "vm1" }] }));
const deleting = remediate(manifest("deleting", { gpus: 1, vms: [{ name: "vm1" }] }));
const risky = remediate(manifest("risky", { gpus: 2, vms: [{ name: "vm1" }, { name: "vm2", powerState: "deallocated" }], kubernetes: true }));
const reportOnly = manifest("report-only", { gpus: 1, vms: [{ name: "vm1" }] });

let bench: DriftBench;
beforeAll(async () => {
  bench = await startDriftBench([safe, deleting, risky, reportOnly]);
  editVm(bench.sim, "safe", "vm1", () => ({ powerState: "deallocated", heldGpus: 0 }));
  addVmByHand(bench.sim, "deleting", "stray", "Standard_D2_v2", true);
  editVm(bench.sim, "risky", "vm2", () => ({ powerState: "running", heldGpus: 1 }));
  editVm(bench.sim, "report-only", "vm1", () => ({ powerState: "deallocated", heldGpus: 0 }));
});
afterAll(async () => {
  await bench?.dispose();
});

describe("drift remediation", () => {
  it("queues an apply job only for the safe plan, with the default branch's commit", async () => {
    const response = await bench.post("{}");
    expect(response.status).toBe(200);
    const byDevice = Object.fromEntries(response.body.devices.map((d: any) => [d.device, d]));
    expect(byDevice.safe.remediation.action).toBe("remediate");
    expect(byDevice.deleting.remediation).toMatchObject({ action: "report", reason: expect.stringMatching(/removes something \(deleteVm stray\)/) });
    expect(byDevice.risky.remediation).toMatchObject({ action: "report", reason: expect.stringMatching(/KUBERNETES_RECLAIM_RISK/) });
    expect(byDevice["report-only"].remediation).toMatchObject({ action: "report", reason: expect.stringMatching(/driftPolicy is report/) });

    const head = (await bench.repo.git.revparse(["main"])).trim();
    const jobs = await bench.applyJobs();
    expect(jobs).toEqual([
      expect.objectContaining({
        kind: "apply",
        device: "safe",
        file: "devices/safe.yaml",
        reason: "drift-remediation",
        commit: head,
        repository: expect.objectContaining({ fullName: "contoso/edge-fleet" }),
      }),
    ]);
    const issue = bench.harness.github.issues.find((i) => i.body.includes("device=safe"))!;
    expect(issue.body).toMatch(/Auto-remediation:\*\* an apply job was queued/);
    const blocked = bench.harness.github.issues.find((i) => i.body.includes("device=risky"))!;
    expect(blocked.body).toMatch(/Reported only:\*\* the plan frees a GPU while Kubernetes is configured/);
  });

  it("a blocked plan (Kubernetes holds the GPU) is only reported", async () => {
    const reclaimed = remediate(manifest("reclaimed", { gpus: 1, vms: [{ name: "vm1" }], kubernetes: true }));
    const local = await startDriftBench([reclaimed]);
    try {
      editVm(local.sim, "reclaimed", "vm1", () => ({ powerState: "deallocated", heldGpus: 0 }));
      local.sim.setClaims("reclaimed", { ...local.sim.claims("reclaimed"), kubernetes: { configured: true, gpus: 1 } });
      const response = await local.post("{}");
      expect(response.body.devices[0]).toMatchObject({
        codes: ["VM_POWER", "KUBERNETES_RECLAIMED_GPU"],
        remediation: { action: "report", reason: expect.stringMatching(/blocked \(KUBERNETES_HOLDS_GPU\)/) },
      });
      expect(await local.applyJobs()).toEqual([]);
    } finally {
      await local.dispose();
    }
  });
});
