/**
 * Merges under stress, through the local runtime: pushes racing for one device, a worker
 * killed between two steps (no try lost), a device that fails every try, all under injected ARM faults
 * (429, 500, resets, failed operations). Nothing duplicated, nothing lost.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../devtools/controller-harness.js";
import { waitFor } from "../helpers/wait.js";
import { GATEWAY, deviceManifest, runningGateway, vmEntry } from "./fleet-fixtures.js";

const device = (name: string, gpus: 1 | 2, vms: string, endpoint?: string) => deviceManifest(name, gpus, `  virtualMachines:\n${vms}`, endpoint);
const vm = vmEntry;

let fleet: string;
let h: Harness;
const logs: string[] = [];

beforeAll(async () => {
  fleet = await mkdtemp(join(tmpdir(), "ase-gitops-e2e-stress-"));
  for (const name of ["race", "crash", "steady"]) await writeFile(join(fleet, `${name}.yaml`), device(name, 2, GATEWAY));
  const running = runningGateway;
  h = await startHarness({
    fleet,
    observed: { devices: { race: running, crash: running, steady: running } } as never,
    // Slow enough that a worker can be killed between two steps.
    simulator: { latencyMs: 150, faults: "429:0.05,500:0.03,reset:0.02,asyncfail:0.02", seed: 11 },
    leaseSeconds: 3,
    retryDelaySeconds: 1,
    // Faults are injected: each try retries a failed call once, then the queue retries the job.
    settings: { ASE_GITOPS_RETRY_ATTEMPTS: "2" },
    onRuntimeLog: (line) => logs.push(line),
  });
}, 120_000);

afterAll(async () => {
  await h?.stop();
  await rm(fleet, { recursive: true, force: true });
});

const vmNames = (name: string) =>
  h.simulator
    .claims(name)
    .vms.map((v) => `${v.name}:${v.size}`)
    .sort();
const counts = (name: string) => {
  const d = h.simulator.device(name);
  return { vms: d.vms.size, nics: d.nics.size, deployments: d.deployments.size };
};

describe("reconcile under stress", () => {
  it("two pushes in quick succession for one device are applied one at a time; the later commit wins", async () => {
    const first = await h.pushCommit({ "race.yaml": h.files["race.yaml"]! + vm("one") }, "race: one");
    const second = await h.pushCommit({ "race.yaml": h.files["race.yaml"]! + vm("one", "Standard_NC8as_T4_v3") + vm("two") }, "race: two");
    const [runA, runB] = await Promise.all([
      h.waitForCheckRun("ase-gitops/apply", first.after, 120_000),
      h.waitForCheckRun("ase-gitops/apply", second.after, 120_000),
    ]);
    expect(runB.conclusion).toBe("success");
    expect(runA.output.summary).toMatch(/\| race \| (✅ converged|⏭️ skipped \(stale\))/);
    expect(vmNames("race")).toEqual(["gateway:Standard_D2_v2", "one:Standard_NC8as_T4_v3", "two:Standard_NC4as_T4_v3"]);
    // Never alongside: the two commits' journal entries do not interleave.
    const history = await h.journal.history(h.repository, "race");
    const span = (commit: string) => {
      const times = history
        .filter((e) => e.commit === commit)
        .map((e) => e.at)
        .sort();
      return [times[0]!, times[times.length - 1]!] as const;
    };
    const [a, b] = [span(first.after), span(second.after)];
    expect(a[1] < b[0] || b[1] < a[0]).toBe(true);
  }, 150_000);

  it("a worker killed between two steps is resumed by the redelivered job, with nothing duplicated", async () => {
    const { after } = await h.pushCommit({ "crash.yaml": h.files["crash.yaml"]! + vm("gpu-a") + vm("gpu-b") }, "crash: two GPU VMs");
    // Kill the runtime as soon as the first step has finished.
    await waitFor(async () => {
      const history = await h.journal.history(h.repository, "crash");
      return history.some((e) => e.commit === after && e.step === 1 && e.status === "succeeded") ? true : undefined;
    });
    const killedAt = new Date().toISOString();
    await h.killRuntime();
    const beforeRestart = counts("crash");
    await h.startRuntime();
    const run = await h.waitForCheckRun("ase-gitops/apply", after, 120_000);
    expect(run.conclusion).toBe("success");
    expect(vmNames("crash")).toEqual(["gateway:Standard_D2_v2", "gpu-a:Standard_NC4as_T4_v3", "gpu-b:Standard_NC4as_T4_v3"]);
    // One VM, one NIC and at most two deployments (VM + extension) per new VM: no twins.
    const after2 = counts("crash");
    expect(after2.vms).toBe(3);
    expect(after2.nics).toBeLessThanOrEqual(3);
    expect(after2.deployments).toBeLessThanOrEqual(4);
    expect(beforeRestart.vms).toBeGreaterThanOrEqual(2);
    // The kill cost no try: the turn after the restart carries on with the same one.
    const entries = (await h.journal.history(h.repository, "crash")).filter((e) => e.commit === after);
    const lastBefore = entries.filter((e) => e.at < killedAt).at(-1)!;
    const firstAfter = entries.find((e) => e.at > killedAt)!;
    expect(firstAfter.attempt).toBe(lastBefore.attempt);
  }, 150_000);

  it("a device failing every try is recorded failed after 5 tries, each in its journal, with a failed check run; the others converge", async () => {
    // Nothing listens on port 1: every try fails with a network error, a transient failure.
    const broken = device("ghost", 1, vm("never"), "https://127.0.0.1:1/devices/ghost");
    const { after } = await h.pushCommit(
      { "ghost.yaml": broken, "steady.yaml": h.files["steady.yaml"]! + vm("fine", "Standard_D2_v2") },
      "ghost + steady",
    );
    const run = await h.waitForCheckRun("ase-gitops/apply", after, 150_000);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| ghost \| ❌ failed/);
    expect(run.output.summary).toMatch(/\| steady \| ✅ converged/);
    expect(vmNames("steady")).toEqual(["fine:Standard_D2_v2", "gateway:Standard_D2_v2"]);
    const tries = new Set((await h.journal.history(h.repository, "ghost")).map((e) => e.attempt));
    expect([...tries].filter((t) => t > 0).sort()).toEqual([1, 2, 3, 4, 5]);
    // Tries are failures, requeued by the job itself: the queue's poison path is for dead workers.
    expect(logs.some((l) => l.includes("apply-jobs-poison: ghost@"))).toBe(false);
  }, 180_000);
});
