/**
 * Real durations, scaled: a VM create that takes longer than three function timeouts,
 * through the local runtime that enforces functionTimeout. No invocation waits it out: the
 * job is requeued while the deployment runs, a worker killed mid-wait resumes, and the
 * device converges with exactly one deployment submitted.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../devtools/controller-harness.js";
import { waitFor } from "../helpers/wait.js";
import { GATEWAY, deviceManifest, runningGateway, vmEntry } from "./fleet-fixtures.js";

// host.json says 10 minutes; scaled by 0.01 that is 6 s (room for a slow turn on a busy
// machine: the budget is 1 s). The VM create: 2000 s x 0.01 = 20 s.
const FUNCTION_TIMEOUT_SCALE = 0.01;
const FUNCTION_TIMEOUT_MS = 600_000 * FUNCTION_TIMEOUT_SCALE;
const CREATE_MS = 2000 * 1000 * 0.01;

let fleet: string;
let h: Harness;
const logs: string[] = [];

beforeAll(async () => {
  fleet = await mkdtemp(join(tmpdir(), "ase-gitops-e2e-long-"));
  await writeFile(join(fleet, "slow.yaml"), deviceManifest("slow", 1, `  virtualMachines:\n${GATEWAY}`));
  h = await startHarness({
    fleet,
    observed: { devices: { slow: runningGateway } } as never,
    // Retry-After capped at 2 s: the job comes back several times while the VM is created.
    simulator: { timeScale: 0.01, durations: { createVm: 2000 }, lroRetryAfterMaxSec: 2 },
    leaseSeconds: 2,
    settings: {
      ASE_GITOPS_FUNCTION_TIMEOUT_SCALE: String(FUNCTION_TIMEOUT_SCALE),
      ASE_GITOPS_APPLY_BUDGET_MS: "1000",
      // A killed turn's hold on the device lapses 3 s after its budget.
      ASE_GITOPS_APPLY_HOLD_MARGIN_MS: "3000",
    },
    onRuntimeLog: (line) => logs.push(line),
  });
}, 120_000);

afterAll(async () => {
  await h?.stop();
  await rm(fleet, { recursive: true, force: true });
});

describe("operations longer than the function timeout", () => {
  it("a VM create longer than three function timeouts converges: requeued while it runs, resumed after a worker kill, one deployment", async () => {
    expect(CREATE_MS).toBeGreaterThan(3 * FUNCTION_TIMEOUT_MS);
    const started = Date.now();
    const { after } = await h.pushCommit({ "slow.yaml": h.files["slow.yaml"]! + vmEntry("web", "Standard_D2_v2") }, "slow: web");
    // Kill the worker while the job waits for the deployment, then start a new one.
    await waitFor(
      async () => {
        const history = await h.journal.history(h.repository, "slow");
        return history.some((e) => e.commit === after && e.action === "createVm" && e.status === "waiting") ? true : undefined;
      },
      60_000,
      "the job to wait for the VM create",
    );
    await h.killRuntime();
    await h.startRuntime();

    const run = await h.waitForCheckRun("ase-gitops/apply", after, 120_000);
    expect(run.conclusion).toBe("success");
    expect(Date.now() - started).toBeGreaterThanOrEqual(CREATE_MS - 1000);
    const device = h.simulator.device("slow");
    expect(device.vms.size).toBe(2);
    expect(device.nics.size).toBe(2);
    // One deployment started in all: a turn killed before it recorded its PUT may PUT again,
    // and is answered DeploymentActive (= wait for it), never a second deployment.
    const puts = h.simulator.requests.filter((r) => r.device === "slow" && r.method === "PUT" && r.path.includes("/deployments/"));
    expect(puts.filter((r) => r.status === 201)).toHaveLength(1);
    expect(puts.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    // No invocation ran into the function timeout: each turn ended within its budget.
    expect(logs.filter((l) => l.includes("timed out after"))).toEqual([]);
    const history = (await h.journal.history(h.repository, "slow")).filter((e) => e.commit === after);
    expect(history.filter((e) => e.status === "waiting").length).toBeGreaterThanOrEqual(3);
    expect(history.filter((e) => e.action === "createVm" && e.status === "started")).toHaveLength(1);
    expect(history.at(-1)).toMatchObject({ action: "outcome", status: "converged", attempt: 1 });
  }, 150_000);
});
