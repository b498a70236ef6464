/**
 * Plan jobs at GitHub's limits and under failure: a 3,000-device change (65,536-character
 * comment), annotation batches of 50, GitHub errors during a job (retry vs give up).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_LIMIT, PLAN_MARKER } from "../../shared/core/report/plan-comment.js";
import { fleetRepo, type Harness, PullRequestDriver, startHarness } from "../helpers/plan-harness.js";
import type { TestRepo } from "../helpers/git-repos.js";
import { deviceManifest, REPO } from "../helpers/webhook-fixtures.js";

let harness: Harness;
const repos: TestRepo[] = [];
let nextPr = 300;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await Promise.all(repos.map((r) => r.dispose()));
  await harness?.dispose();
});
afterEach(() => {
  expect(harness.github.unexpected).toEqual([]);
  harness.github.reset();
});

async function setup(): Promise<PullRequestDriver> {
  const repo = await fleetRepo({ "devices/store-000.yaml": deviceManifest("store-000") });
  repos.push(repo);
  return new PullRequestDriver(harness, repo, harness.runtime(), nextPr++);
}

const planRun = () => harness.github.checkRuns.find((r) => r.name === "ase-gitops/plan")!;

describe("3,000-device change", () => {
  it("keeps the comment under 65,536 characters, says how many devices were left out, and moves details to the check run", async () => {
    const pr = await setup();
    const files: Record<string, string> = {};
    for (let i = 1; i <= 3000; i++) {
      const name = `site-${String(i).padStart(4, "0")}`;
      // Every 30th device is over-committed: 100 blocked devices, 100 failure annotations.
      const vms =
        i % 30 === 0
          ? [
              { name: "a", size: "Standard_NC4as_T4_v3" },
              { name: "b", size: "Standard_NC4as_T4_v3" },
            ]
          : undefined;
      files[`devices/${name}.yaml`] = deviceManifest(name, vms ? { vms } : {});
    }
    await pr.pushAndPlan(files, "opened");

    const comments = harness.github.comments.filter((c) => c.body.includes(PLAN_MARKER));
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const leftOut = /\*\*(\d+) of 3000 devices left out of this comment\*\*/.exec(body);
    expect(leftOut).not.toBeNull();
    expect(Number(leftOut![1])).toBeGreaterThan(0);
    // Blocked devices come first, so every blocked device is in the comment's table.
    expect(body).toContain("site-0030");
    expect(body).toContain("site-3000");

    const run = planRun();
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(run.output.text).toBeDefined();
    expect(run.output.text!.length).toBeLessThanOrEqual(65_535);
    expect(run.output.text).toMatch(/left out of the pull-request comment/);
    expect(run.annotations.filter((a) => a.title?.startsWith("GPU_OVERCOMMIT"))).toHaveLength(100);

    // 3 writes (check create, comment, check complete) + 1 more annotation batch (100 = 2 x 50).
    const writes = harness.github.writes();
    const checkPatches = writes.filter((w) => w.method === "PATCH" && w.path.includes("/check-runs/"));
    expect(writes).toHaveLength(4);
    expect(checkPatches).toHaveLength(2);
    for (const patch of checkPatches)
      expect(((patch.body as { output: { annotations: unknown[] } }).output.annotations ?? []).length).toBeLessThanOrEqual(50);
  });
});

describe("GitHub failing during a job", () => {
  it("retries a 5xx on the comment and still completes the update", async () => {
    const pr = await setup();
    harness.github.failNext("POST", /\/issues\/\d+\/comments$/, { status: 502, body: { message: "Bad Gateway" } });
    await pr.pushAndPlan({ "devices/store-000.yaml": deviceManifest("store-000", { kubernetes: true }) }, "opened");
    expect(harness.github.comments).toHaveLength(1);
    expect(planRun()).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("rethrows a lasting outage so the queue retries, and marks the run failed on the last attempt", async () => {
    const pr = await setup();
    const down = { status: 503, body: { message: "unavailable" } };
    harness.github.failNext("GET", /\/issues\/\d+\/comments$/, ...Array.from({ length: 4 }, () => down));
    await pr.repo.checkout(pr.branch);
    const sha = await pr.repo.commit({ "devices/store-000.yaml": deviceManifest("store-000", { kubernetes: true }) });
    await pr.repo.push(pr.branch);
    expect(await pr.deliver("opened", sha)).toBe(202);
    expect(await pr.pump()).toEqual({ handled: 0, failed: 1 });
    expect(pr.logs.some((l) => l.level === "error" && /GITHUB_UNAVAILABLE/.test(l.message))).toBe(true);

    const [firstRun] = harness.github.checkRuns;
    expect(firstRun).toMatchObject({ status: "in_progress", head_sha: sha });

    // The fifth (last) delivery of the same job, GitHub still down for the comment: it
    // resumes the run the first attempt created and marks it failed.
    harness.github.calls.length = 0;
    harness.github.failNext("GET", /\/issues\/\d+\/comments$/, ...Array.from({ length: 4 }, () => down));
    const { createPlanJobHandler } = await import("../../functions/planJob.js");
    const { invocationContext } = await import("../helpers/functions-host.js");
    const job = {
      version: 1,
      kind: "plan",
      deliveryId: firstRun!.external_id,
      receivedAt: new Date().toISOString(),
      reason: "pull_request.opened",
      installationId: 424242,
      repository: { fullName: REPO, cloneUrl: pr.repo.remote, defaultBranch: "main" },
      pullRequest: { number: pr.number, headSha: sha, headRef: pr.branch, headCloneUrl: pr.repo.remote, baseRef: "main" },
    };
    await expect(createPlanJobHandler(() => pr.runtime)(job, invocationContext("planJob", { dequeueCount: 5 }))).rejects.toMatchObject({
      code: "GITHUB_UNAVAILABLE",
    });
    expect(harness.github.checkRuns).toHaveLength(1);
    expect(harness.github.calls.filter((c) => c.method === "POST" && c.path.endsWith("/check-runs"))).toHaveLength(0);
    expect(harness.github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "Could not plan" } });
    expect(harness.github.checkRuns[0]!.output.summary).toMatch(/after 5 attempts/);
  });

  it("posts the comment alone when the token may not create check runs (personal access token)", async () => {
    const pr = await setup();
    harness.github.failNext("POST", /check-runs$/, { status: 403, body: { message: "Resource not accessible by personal access token" } });
    await pr.pushAndPlan({ "devices/store-000.yaml": deviceManifest("store-000", { kubernetes: true }) }, "opened");
    expect(harness.github.checkRuns).toHaveLength(0);
    expect(harness.github.comments).toHaveLength(1);
    expect(pr.logs.some((l) => l.level === "warning" && /cannot create check runs/.test(l.message))).toBe(true);
  });

  it("drops an invalid queue message without touching GitHub", async () => {
    const { createPlanJobHandler } = await import("../../functions/planJob.js");
    const { invocationContext } = await import("../helpers/functions-host.js");
    const logs: Array<{ level: string; message: string }> = [];
    await createPlanJobHandler(() => harness.runtime())({ kind: "plan", nonsense: true }, invocationContext("planJob", {}, logs));
    expect(logs.some((l) => l.level === "error" && /invalid message/.test(l.message))).toBe(true);
    expect(harness.github.calls).toHaveLength(0);
  });
});
