/**
 * The resumable apply's lifecycle, branch by branch, with in-memory fakes: a turn never
 * waits for a device operation, waiting is never a try, the lock spans turns, a newer
 * pushed commit takes over, a lost lock stops the turn, and every outcome is written once.
 */
import { describe, expect, it } from "vitest";
import { runApplyJob } from "../../shared/use-cases/apply-device/apply-job.js";
import { REPO, fakeDevice, harness, job, manifestWith, sha, vmDeploymentName } from "./apply-fakes.js";

const ATTEMPT = { attempt: 1, maxAttempts: 5 };
const files = (...commits: Array<[number, string[]]>) => new Map(commits.map(([n, vms]) => [sha(n), { "dev.yaml": manifestWith("dev", vms) }]));

describe("resumable apply: one bounded turn per invocation", () => {
  it("a VM create spanning several turns requeues with the operation's Retry-After, spends no try, and converges with one deployment", async () => {
    const device = fakeDevice("dev", { checks: 3 });
    const h = harness({ device, files: files([1, ["web"]]) });
    const first = await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    expect(first).toMatchObject({ outcome: "requeued", reason: "waiting for createVm web", delaySeconds: 30 });
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
    const pending = (await h.deps.locks.read(REPO, "dev"))!;
    expect(pending.pending).toMatchObject({ ref: { kind: "deployment", name: vmDeploymentName("web") }, action: "createVm", vm: "web" });
    expect(pending.owner).toBe(sha(1));
    // Progress a person can follow: the step, when it started, how long such steps take.
    expect(h.runs.resultRows.get(`${sha(1)}:dev`)).toMatchObject({
      outcome: "running",
      message: expect.stringMatching(/^createVm web, started \d\d:\d\d:\d\d UTC \(usually about 18 min\)$/),
    });

    let next = h.nextJob();
    expect(next).toMatchObject({ failures: 0, waits: 1 });
    expect(await runApplyJob(h.deps, next, ATTEMPT)).toMatchObject({ outcome: "requeued" });
    next = h.nextJob();
    expect(await runApplyJob(h.deps, next, ATTEMPT)).toEqual({ outcome: "converged" });
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
    expect(h.runs.states.get("dev")).toMatchObject({ appliedCommit: sha(1), outcome: "converged" });
    expect(h.runs.resultRows.get(`${sha(1)}:dev`)).toMatchObject({ outcome: "converged", attempt: 1 });
    // The lock is free again, and nothing is pending.
    expect(await h.deps.locks.read(REPO, "dev")).toMatchObject({ ownerUntil: 0, heldUntil: 0 });
    expect((await h.deps.locks.read(REPO, "dev"))!.pending).toBeUndefined();
    // GitHub writes stay bounded: one report per started step and one for the outcome, none per wait.
    expect(h.reports).toEqual([sha(1), sha(1)]);
    const statuses = h.journal.entries.map((e) => `${e.action}:${e.status}`);
    expect(statuses).toEqual(["createVm:started", "createVm:waiting", "createVm:waiting", "createVm:succeeded", "outcome:converged"]);
  });

  it("a redelivered turn (the worker died after starting the deployment, before recording it) finds the running deployment instead of submitting a second one", async () => {
    const device = fakeDevice("dev", { checks: 3 });
    const h = harness({ device, files: files([1, ["web"]]) });
    await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    // Forget the record, as if the write never happened; the queue delivers the job again.
    for (const row of h.rows.rows.values()) delete row.record.pending;
    const again = await runApplyJob(h.deps, job(sha(1)), { attempt: 2, maxAttempts: 5 });
    expect(again).toMatchObject({ outcome: "requeued", reason: "waiting for createVm web" });
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
  });

  it("a second commit's job requeues itself while the device is owned, without spending a try or writing a result", async () => {
    const device = fakeDevice("dev", { checks: 3 });
    const h = harness({ device, files: files([1, ["web"]], [2, ["web", "db"]]) });
    await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    h.queued.length = 0;
    // sha(2) is not the device's newest pushed commit here: it only waits.
    const other = await runApplyJob(h.deps, job(sha(2)), ATTEMPT);
    expect(other).toMatchObject({ outcome: "requeued", reason: "device busy" });
    expect(h.nextJob()).toMatchObject({ commit: sha(2), requeues: 1, failures: 0 });
    expect(h.runs.resultRows.has(`${sha(2)}:dev`)).toBe(false);
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
  });

  it("a job whose commit is older than the newest pushed one stops at the next step boundary (stale-commit check)", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]], [2, ["web", "db"]], [3, ["web", "db", "cache"]]) });
    await h.runs.putDeviceState(REPO, "dev", { pushedCommit: sha(1) });
    await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    const resumed = h.nextJob();
    // Meanwhile sha(3) was pushed for the device.
    await h.runs.putDeviceState(REPO, "dev", { pushedCommit: sha(3) });
    const outcome = await runApplyJob(h.deps, resumed, ATTEMPT);
    // The running createVm web is waited for, then sha(1) stops: db is never created by it.
    expect(outcome).toMatchObject({ outcome: "skipped-stale" });
    expect(outcome).toMatchObject({ message: expect.stringMatching(/newer commit \w{7} was pushed for dev/) });
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
    // A fresh delivery of the old job stops before it starts anything.
    expect(await runApplyJob(h.deps, job(sha(1)), ATTEMPT)).toMatchObject({ outcome: "skipped-stale" });
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
  });

  it("a newer pushed commit takes the device over from an older owner between its turns, and applies its own plan", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]], [2, ["web", "db"]]) });
    await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    h.queued.length = 0;
    await h.runs.putDeviceState(REPO, "dev", { pushedCommit: sha(2) });
    const newer = await runApplyJob(h.deps, job(sha(2)), ATTEMPT);
    // It took over, waited for the running web create (the device's, not the commit's), then started db.
    expect(newer).toMatchObject({ outcome: "requeued", reason: "waiting for createVm db" });
    expect((await h.deps.locks.read(REPO, "dev"))!.owner).toBe(sha(2));
    expect(device.submissions).toEqual([vmDeploymentName("web"), vmDeploymentName("db")]);
  });

  it("a turn that lost the device lock stops before starting the next operation (lost-lease check)", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web", "db"]]) });
    await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    const resumed = h.nextJob();
    // While this turn checks the web create, another invocation takes the lock (its row changes).
    device.hooks.onCheck = () => {
      for (const row of h.rows.rows.values()) {
        row.etag = "stolen";
        row.record.invocation = "someone-else";
      }
      device.hooks.onCheck = undefined;
    };
    const outcome = await runApplyJob(h.deps, resumed, ATTEMPT);
    expect(outcome).toMatchObject({ outcome: "requeued", reason: "lock lost" });
    expect(device.submissions).toEqual([vmDeploymentName("web")]);
    expect(h.runs.resultRows.get(`${sha(1)}:dev`)?.outcome).not.toBe("failed");
    expect(h.queued).toHaveLength(0);
  });

  it("a turn whose lock is taken while it observes starts nothing (the renewal right before an operation is checked)", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]]) });
    device.hooks.onObserve = () => {
      for (const row of h.rows.rows.values()) row.etag = "stolen";
      device.hooks.onObserve = undefined;
    };
    expect(await runApplyJob(h.deps, job(sha(1)), ATTEMPT)).toMatchObject({ outcome: "requeued", reason: "lock lost" });
    expect(device.submissions).toEqual([]);
  });

  it("a dead owner's lock lapses: after its lease another commit's job gets the device", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]], [2, ["web"]]) });
    // The owner took the device and died (never released, never came back).
    const taken = await h.deps.locks.acquire(REPO, "dev", { commit: sha(7), invocation: "dead", holdMs: 5_000, ownerMs: 600_000 });
    expect("lock" in taken).toBe(true);
    expect(await runApplyJob(h.deps, job(sha(2)), ATTEMPT)).toMatchObject({ outcome: "requeued", reason: "device busy" });
    h.advance(600_001);
    expect(await runApplyJob(h.deps, job(sha(2)), ATTEMPT)).toMatchObject({ outcome: "requeued", reason: "waiting for createVm web" });
  });

  it("a transient failure requeues with failures + 1 and a backoff (never thrown); the last try records failed", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]]) });
    device.failNextOperation({ code: "OPERATION_FAILED", message: "internal error", transient: true });
    await runApplyJob(h.deps, job(sha(1)), ATTEMPT);
    const failed = await runApplyJob(h.deps, h.nextJob(), ATTEMPT);
    expect(failed).toMatchObject({ outcome: "requeued", reason: "try 1 failed: OPERATION_FAILED", delaySeconds: 5 });
    const retry = h.nextJob();
    expect(retry).toMatchObject({ failures: 1 });
    expect(h.runs.resultRows.get(`${sha(1)}:dev`)).toMatchObject({ outcome: "pending" });
    // The fifth failed try is the last: recorded failed, not requeued.
    device.failNextOperation({ code: "OPERATION_FAILED", message: "internal error", transient: true });
    await runApplyJob(h.deps, { ...retry, failures: 4 }, ATTEMPT);
    const last = await runApplyJob(h.deps, h.nextJob(), ATTEMPT);
    expect(last).toMatchObject({ outcome: "failed", message: expect.stringMatching(/gave up after 5 tries/) });
    expect(h.runs.states.get("dev")).toMatchObject({ outcome: "failed" });
  });

  it("a job given up on is recorded converged when the device is in fact converged", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]]) });
    device.failNextOperation({ code: "OPERATION_FAILED", message: "internal error", transient: true });
    await runApplyJob(h.deps, job(sha(1), "dev", { failures: 4 }), ATTEMPT);
    // The operation "failed", yet the VM is there (the device did the work).
    device.addVm({ name: "web", size: "Standard_D2_v2", power: "running", managed: true, gpuExtension: "none" });
    expect(await runApplyJob(h.deps, h.nextJob(), ATTEMPT)).toMatchObject({ outcome: "converged" });
    expect(h.runs.states.get("dev")).toMatchObject({ appliedCommit: sha(1), outcome: "converged" });
  });

  it("a cancelled invocation (AbortSignal) ends its turn and requeues the job: not a failure", async () => {
    const device = fakeDevice("dev", { checks: 2 });
    const h = harness({ device, files: files([1, ["web"]]) });
    const controller = new AbortController();
    controller.abort();
    const outcome = await runApplyJob({ ...h.deps, signal: controller.signal }, job(sha(1)), ATTEMPT);
    expect(outcome).toMatchObject({ outcome: "requeued", reason: "budget spent" });
    expect(h.nextJob()).toMatchObject({ failures: 0 });
    expect(device.submissions).toEqual([]);
  });

  it("an infeasible plan is refused and touches nothing; a manifest without the device is invalid", async () => {
    const device = fakeDevice("dev", { checks: 2, gpus: 1 });
    const { deviceManifest, vmEntry } = await import("../e2e/fleet-fixtures.js");
    // Two running GPU VMs on a 1-GPU device.
    const gpuHungry = `  virtualMachines:\n${vmEntry("a")}${vmEntry("b")}`;
    const h = harness({
      device,
      files: new Map<string, Record<string, string>>([
        [sha(1), { "dev.yaml": deviceManifest("dev", 1, gpuHungry) }],
        [sha(2), { "other.yaml": "x: 1" }],
      ]),
    });
    expect(await runApplyJob(h.deps, job(sha(1)), ATTEMPT)).toMatchObject({ outcome: "refused" });
    expect(device.submissions).toEqual([]);
    expect(await runApplyJob(h.deps, job(sha(2)), ATTEMPT)).toMatchObject({ outcome: "invalid" });
  });
});
