/**
 * Drift checks end to end: signed HTTP trigger, repository_dispatch through the webhook,
 * the timer; per-device jobs over Azurite queues; issues on the loopback GitHub API
 * (created, left alone when unchanged, updated in place, closed, reopened); the simulator
 * over HTTPS with the real SDK clients.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { peekJobs, queueClient } from "../helpers/functions-host.js";
import { DRIFT_DEVICE_QUEUE } from "../../shared/core/messages/drift.js";
import { manifest } from "../simulator/fixtures.js";
import { editVm, setExtension } from "./fixtures.js";
import { type DriftBench, startDriftBench } from "./harness.js";

const a = { ...manifest("store-a", { gpus: 1, vms: [{ name: "infer-01" }] }), metadata: { name: "store-a", labels: { ring: "canary" } } };
const b = manifest("store-b", { gpus: 2, vms: [{ name: "infer-01" }, { name: "infer-02" }], kubernetes: true });
const c = manifest("store-c", { gpus: 1, credential: "DEVICE_STORE_C_PASSWORD" });

let bench: DriftBench;
beforeAll(async () => {
  bench = await startDriftBench([a, b, c], {
    env: { DEVICE_STORE_C_PASSWORD: "not-the-password", GITHUB_WEBHOOK_SECRET_PREVIOUS: "previous-secret-0123456789" },
  });
});
afterAll(async () => {
  await bench?.dispose();
});
afterEach(() => {
  expect(bench.harness.github.unexpected).toEqual([]);
});

const issueOf = (device: string) => bench.harness.github.issues.filter((i) => i.body.includes(`<!-- ase-gitops:drift device=${device} -->`));

describe("POST /api/drift: HMAC and body checks", () => {
  it("rejects a missing, malformed or wrong signature with 401 and queues nothing", async () => {
    expect((await bench.post("{}", { signature: null })).status).toBe(401);
    expect((await bench.post("{}", { signature: "sha256=deadbeef" })).status).toBe(401);
    expect((await bench.post("{}", { secret: "some-other-secret-0123456789" })).status).toBe(401);
    const { sign } = await import("../helpers/webhook-fixtures.js");
    const tampered = await bench.post('{"devices":["store-a"]}', { signature: sign("test-webhook-secret-0123456789", "{}") });
    expect(tampered.status).toBe(401);
    // GitHub's scheme (the body alone, no timestamp) is not enough.
    const bodyOnly = await bench.post('{"devices":["store-a"]}', { signature: sign("test-webhook-secret-0123456789", '{"devices":["store-a"]}') });
    expect(bodyOnly.status).toBe(401);
    expect(await peekJobs(queueClient(bench.harness.azurite.connectionString, DRIFT_DEVICE_QUEUE))).toEqual([]);
  });

  it("answers 400 for bad bodies and 404 for unknown devices, never 500", async () => {
    expect((await bench.post("not json")).status).toBe(400);
    expect((await bench.post('{"devices":"store-a"}')).status).toBe(400);
    expect((await bench.post('{"devices":["Not A Name"]}')).status).toBe(400);
    expect((await bench.post('{"colour":"blue"}')).status).toBe(400);
    expect((await bench.post("[]")).status).toBe(400);
    const unknown = await bench.post('{"devices":["store-zzz"]}');
    expect(unknown.status).toBe(404);
    expect(unknown.body.unknown).toEqual(["store-zzz"]);
  });

  it("accepts the previous secret while it is being rotated", async () => {
    const response = await bench.post('{"devices":["store-a"]}', { secret: "previous-secret-0123456789" });
    expect(response.status).toBe(200);
    expect(response.body.summary, JSON.stringify(response.body.devices)).toMatchObject({ checked: 1, converged: 1, drifted: 0, unreachable: 0 });
  });
});

describe("drift issues", () => {
  it("reports drifted and unreachable devices in one issue each; converged devices get none", async () => {
    editVm(bench.sim, "store-b", "infer-02", () => ({ powerState: "deallocated", heldGpus: 0 }));
    const response = await bench.post("{}");
    expect(response.status).toBe(200);
    expect(response.body.complete).toBe(true);
    expect(response.body.summary).toEqual({ checked: 3, converged: 1, drifted: 1, unreachable: 1, skipped: 0, pending: 0 });
    const byDevice = Object.fromEntries(response.body.devices.map((d: any) => [d.device, d]));
    expect(byDevice["store-b"]).toMatchObject({ status: "drifted", codes: ["VM_POWER"], issue: { action: "created" } });
    expect(byDevice["store-c"]).toMatchObject({ status: "unreachable", codes: ["UNREACHABLE"], issue: { action: "created" } });
    expect(byDevice["store-a"]).toMatchObject({ status: "converged", codes: [], issue: { action: "none" } });

    expect(issueOf("store-a")).toEqual([]);
    const [issueB] = issueOf("store-b");
    expect(issueB).toMatchObject({ state: "open", labels: ["drift"], title: "Drift on store-b: VM_POWER" });
    expect(issueB!.body).toContain("| `VM_POWER` | `infer-02` | running | deallocated |");
    expect(issueB!.body).toMatch(/Remediation plan:\*\* ✅ feasible, 1 step/);
    expect(issueB!.body).toMatch(/Start VM `infer-02`/);
    expect(issueB!.body).toMatch(/Reported only:\*\* spec.driftPolicy is report/);
    expect(issueOf("store-c")[0]!.body).toMatch(/AUTHENTICATION_FAILED/);
  });

  it("an unchanged drift writes nothing to GitHub; a repeated check never duplicates an issue", async () => {
    const before = bench.harness.github.calls.length;
    const response = await bench.post("{}");
    expect(response.body.summary).toMatchObject({ drifted: 1, unreachable: 1 });
    const calls = bench.harness.github.calls.slice(before);
    expect(calls.filter((call) => call.method !== "GET")).toEqual([]);
    expect(response.body.devices.map((d: any) => d.issue.action).sort()).toEqual(["none", "unchanged", "unchanged"]);
    expect(issueOf("store-b")).toHaveLength(1);
    expect(issueOf("store-c")).toHaveLength(1);
  });

  it("a changed drift updates the issue in place", async () => {
    setExtension(bench.sim, "store-b", "infer-01", "Failed");
    const [before] = issueOf("store-b");
    const response = await bench.post('{"devices":["store-b"]}');
    expect(response.body.devices[0]).toMatchObject({ codes: ["VM_POWER", "GPU_EXTENSION"], issue: { action: "updated", number: before!.number } });
    const [after] = issueOf("store-b");
    expect(after!.number).toBe(before!.number);
    expect(after!.title).toBe("Drift on store-b: VM_POWER, GPU_EXTENSION");
    expect(after!.body).toContain("`GPU_EXTENSION`");
  });

  it("closes the issue with a comment once the device is converged, and reopens the same issue when it drifts again", async () => {
    editVm(bench.sim, "store-b", "infer-02", () => ({ powerState: "running", heldGpus: 1 }));
    setExtension(bench.sim, "store-b", "infer-01", "Succeeded");
    const closed = await bench.post('{"devices":["store-b"]}');
    expect(closed.body.devices[0]).toMatchObject({ status: "converged", issue: { action: "closed" } });
    const [issue] = issueOf("store-b");
    expect(issue!.state).toBe("closed");
    expect(bench.harness.github.comments.filter((c) => c.issue === issue!.number).map((c) => c.body)).toEqual([expect.stringMatching(/converged/)]);

    const quiet = await bench.post('{"devices":["store-b"]}');
    expect(quiet.body.devices[0]).toMatchObject({ status: "converged", issue: { action: "none" } });

    editVm(bench.sim, "store-b", "infer-01", () => ({ powerState: "stopped" }));
    const again = await bench.post('{"devices":["store-b"]}');
    expect(again.body.devices[0]).toMatchObject({ status: "drifted", issue: { action: "reopened", number: issue!.number } });
    expect(issueOf("store-b")).toHaveLength(1);
    expect(issueOf("store-b")[0]!.state).toBe("open");
  });

  it("selects devices by label", async () => {
    const response = await bench.post('{"labels":{"ring":"canary"}}');
    expect(response.body.devices.map((d: any) => d.device)).toEqual(["store-a"]);
  });

  it("a label selector that matches no device is 404, not an empty run", async () => {
    const response = await bench.post('{"labels":{"ring":"nosuch"}}');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ outcome: "no-matching-devices", message: "no device on the default branch has the labels ring=nosuch" });
  });
});

describe("repository_dispatch and the timer", () => {
  it("a drift-check dispatch through the webhook checks the fleet and logs one summary line", async () => {
    bench.logs.length = 0;
    expect(await bench.dispatch()).toBe(202);
    const lines = bench.logs.filter((l) => /^drift check run dispatch-/.test(l.message));
    expect(lines.map((l) => l.message)).toEqual([expect.stringMatching(/: 3 checked, 1 drifted, 1 unreachable, 1 converged, 0 skipped$/)]);
  });

  it("a dispatch may name devices in client_payload", async () => {
    bench.logs.length = 0;
    expect(await bench.dispatch({ devices: ["store-a"], reason: "operator" })).toBe(202);
    expect(bench.logs.some((l) => /^drift check run dispatch-.*: 1 checked, 0 drifted, 0 unreachable, 1 converged/.test(l.message))).toBe(true);
  });

  it("the timer is off without a schedule and writes one summary line per run with one", async () => {
    bench.logs.length = 0;
    await bench.timer();
    expect(bench.logs.map((l) => l.message)).toEqual([expect.stringMatching(/drift timer off/)]);
    const original = bench.rt.settings.driftSchedule;
    (bench.rt.settings as { driftSchedule: string }).driftSchedule = "0 0 * * * *";
    try {
      await bench.timer();
    } finally {
      (bench.rt.settings as { driftSchedule: string }).driftSchedule = original;
    }
    const lines = bench.logs.filter((l) => /^drift check run timer-/.test(l.message));
    expect(lines.map((l) => l.message)).toEqual([expect.stringMatching(/\(timer\): 3 checked, 1 drifted, 1 unreachable, 1 converged, 0 skipped$/)]);
  });
});
