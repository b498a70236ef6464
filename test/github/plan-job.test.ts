/**
 * Plan jobs end to end: webhook -> Azurite queue -> planJob handler -> real git fetch ->
 * planner -> fake GitHub API. Checks the sticky comment, the check run and its annotations.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readCommentMeta, PLAN_MARKER } from "../../shared/core/report/plan-comment.js";
import { runPlanJob } from "../../shared/use-cases/plan-pull-request/plan-pull-request.js";
import type { ObserveTarget } from "../../shared/core/trust/endpoint-trust.js";
import type { ObservePort } from "../../shared/ports/observe.js";
import type { Runtime } from "../../shared/composition/runtime.js";
import { fleetRepo, type Harness, PullRequestDriver, startHarness } from "../helpers/plan-harness.js";
import type { TestRepo } from "../helpers/git-repos.js";
import { deviceManifest, REPO } from "../helpers/webhook-fixtures.js";

let harness: Harness;
const repos: TestRepo[] = [];

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await Promise.all(repos.map((r) => r.dispose()));
  await harness?.dispose();
});
afterEach(() => {
  // The fake fails the test on any call it does not know.
  expect(harness.github.unexpected).toEqual([]);
  harness.github.reset();
});

let nextPr = 100;
async function setup(files: Record<string, string>, runtime?: Runtime): Promise<PullRequestDriver> {
  const repo = await fleetRepo(files);
  repos.push(repo);
  return new PullRequestDriver(harness, repo, runtime ?? harness.runtime(), nextPr++);
}

const FLEET = {
  "devices/store-001.yaml": deviceManifest("store-001"),
  "devices/store-002.yaml": deviceManifest("store-002", { gpus: 2 }),
};

const planRuns = () => harness.github.checkRuns.filter((r) => r.name === "ase-gitops/plan");
const planComments = (pr: number) => harness.github.comments.filter((c) => c.issue === pr && c.body.includes(PLAN_MARKER));

describe("plan job", () => {
  it("completes the check run as neutral and writes no comment when no manifest changed", async () => {
    const pr = await setup(FLEET);
    const sha = await pr.pushAndPlan({ "README.md": "# fleet\n\nmore docs\n" }, "opened");
    const [run] = planRuns();
    expect(run).toMatchObject({ head_sha: sha, status: "completed", conclusion: "neutral", history: ["in_progress", "completed"] });
    expect(run!.output.title).toMatch(/No device manifests changed/);
    expect(planComments(pr.number)).toHaveLength(0);
    expect(harness.github.writes()).toHaveLength(2);
  });

  it("plans a valid change: success, one comment with the head SHA, at most 3 writes", async () => {
    const pr = await setup(FLEET);
    const sha = await pr.pushAndPlan(
      {
        "devices/store-002.yaml": deviceManifest("store-002", {
          gpus: 2,
          vms: [
            { name: "infer-01", size: "Standard_NC4as_T4_v3" },
            { name: "infer-02", size: "Standard_NC8as_T4_v3" },
          ],
        }),
      },
      "opened",
    );
    const [run] = planRuns();
    expect(run).toMatchObject({ head_sha: sha, conclusion: "success", history: ["in_progress", "completed"] });
    expect(run!.output.summary).toContain("store-002");
    expect(run!.output.summary).not.toContain("store-001"); // unchanged devices are not planned
    const comments = planComments(pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(sha);
    expect(comments[0]!.body).toContain("store-002");
    expect(comments[0]!.body).toMatch(/Observed state not read/);
    expect(readCommentMeta(comments[0]!.body)).toMatchObject({ sha });
    const writes = harness.github.writes();
    expect(writes.map((w) => `${w.method} ${w.path.replace(/\d+$/, "N")}`)).toEqual([
      `POST /repos/${REPO}/check-runs`,
      `POST /repos/${REPO}/issues/${pr.number}/comments`,
      `PATCH /repos/${REPO}/check-runs/N`,
    ]);
    expect(writes.every((w) => w.authorization === "token ghp_test_token_value")).toBe(true);
  });

  it("fails an infeasible change with annotations on the offending manifest lines", async () => {
    const pr = await setup(FLEET);
    await pr.pushAndPlan(
      {
        // 1 GPU, two GPU VMs: GPU_OVERCOMMIT at `count:` (line 7)
        "devices/store-001.yaml": deviceManifest("store-001", {
          vms: [
            { name: "infer-01", size: "Standard_NC4as_T4_v3" },
            { name: "infer-02", size: "Standard_NC4as_T4_v3" },
          ],
        }),
        // an A2 size on a T4 device: GPU_MODEL_MISMATCH at the VM's `size:` (line 17)
        "devices/store-002.yaml": deviceManifest("store-002", { gpus: 2, vms: [{ name: "infer-01", size: "Standard_NC4as_A2" }] }),
        // Kubernetes with no GPU left: a warning
        "devices/store-003.yaml": deviceManifest("store-003", { kubernetes: true }),
      },
      "opened",
    );
    const [run] = planRuns();
    expect(run!.conclusion).toBe("failure");
    const byCode = (code: string) => run!.annotations.filter((a) => a.title?.startsWith(code));
    expect(byCode("GPU_OVERCOMMIT")).toMatchObject([{ path: "devices/store-001.yaml", start_line: 7, end_line: 7, annotation_level: "failure" }]);
    expect(byCode("GPU_MODEL_MISMATCH")).toMatchObject([{ path: "devices/store-002.yaml", start_line: 17, annotation_level: "failure" }]);
    expect(byCode("KUBERNETES_NO_GPU")).toMatchObject([{ path: "devices/store-003.yaml", annotation_level: "warning" }]);
    expect(planComments(pr.number)[0]!.body).toMatch(/GPU_OVERCOMMIT/);
  });

  it("reports invalid YAML as a failure at the syntax error's line", async () => {
    const pr = await setup(FLEET);
    await pr.pushAndPlan({ "devices/broken.yaml": "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: [broken\n" }, "opened");
    const [run] = planRuns();
    expect(run!.conclusion).toBe("failure");
    expect(run!.annotations).toMatchObject([{ path: "devices/broken.yaml", annotation_level: "failure", start_line: 5 }]);
    expect(run!.annotations[0]!.title).toMatch(/^INVALID_MANIFEST/);
    expect(planComments(pr.number)[0]!.body).toMatch(/YAML syntax error/);
  });

  it("edits the same comment on a second push instead of adding one", async () => {
    const pr = await setup(FLEET);
    const first = await pr.pushAndPlan({ "devices/store-001.yaml": deviceManifest("store-001", { kubernetes: true }) }, "opened");
    const [comment] = planComments(pr.number);
    const second = await pr.pushAndPlan({
      "devices/store-001.yaml": deviceManifest("store-001", { vms: [{ name: "infer-09", size: "Standard_NC4as_T4_v3" }] }),
    });
    const comments = planComments(pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(comment!.id);
    expect(comments[0]!.body).toContain(second);
    expect(comments[0]!.body).not.toContain(first);
    expect(comments[0]!.body).toContain("infer-09");
    expect(planRuns().map((r) => r.head_sha)).toEqual([first, second]);
    const patches = harness.github.writes().filter((w) => w.method === "PATCH" && w.path.includes("/issues/comments/"));
    expect(patches).toHaveLength(1);
  });

  it("skips the comment call when a re-run produces the same plan", async () => {
    const pr = await setup(FLEET);
    const sha = await pr.pushAndPlan({ "devices/store-001.yaml": deviceManifest("store-001", { kubernetes: true }) }, "opened");
    harness.github.calls.length = 0;
    expect(await pr.deliver("reopened", sha)).toBe(202);
    expect(await pr.pump()).toEqual({ handled: 1, failed: 0 });
    const writes = harness.github.writes();
    expect(writes.filter((w) => w.path.includes("/comments"))).toHaveLength(0);
    expect(writes.filter((w) => w.path.includes("/check-runs"))).toHaveLength(2);
    expect(planComments(pr.number)).toHaveLength(1);
  });

  it("never lets an older job overwrite the comment of a newer push", async () => {
    const pr = await setup(FLEET);
    await pr.repo.checkout(pr.branch);
    const older = await pr.repo.commit({ "devices/store-001.yaml": deviceManifest("store-001", { kubernetes: true }) });
    const newer = await pr.repo.commit({
      "devices/store-001.yaml": deviceManifest("store-001", { vms: [{ name: "infer-07", size: "Standard_NC4as_T4_v3" }] }),
    });
    await pr.repo.push(pr.branch);
    // Deliveries for both pushes; the newer one is planned first.
    expect(await pr.deliver("synchronize", older, "2024-06-01T10:00:00Z")).toBe(202);
    expect(await pr.deliver("synchronize", newer, "2024-06-01T10:05:00Z")).toBe(202);
    const rt = pr.runtime;
    const session = rt.github.forInstallation(424242);
    const deps = {
      github: session.github,
      gitToken: session.gitToken,
      repos: rt.repos,
      heads: rt.heads,
      observe: rt.observe,
      allowedEndpoints: [],
      fleetPath: "",
    };
    const job = (sha: string, updatedAt: string) => ({
      version: 1 as const,
      kind: "plan" as const,
      deliveryId: `d-${sha.slice(0, 6)}`,
      receivedAt: updatedAt,
      reason: "pull_request.synchronize",
      repository: { fullName: REPO, cloneUrl: pr.repo.remote, defaultBranch: "main" },
      pullRequest: { number: pr.number, headSha: sha, headRef: pr.branch, headCloneUrl: pr.repo.remote, baseRef: "main", updatedAt },
    });
    const newerResult = await runPlanJob(deps, job(newer, "2024-06-01T10:05:00Z"));
    expect(newerResult).toMatchObject({ outcome: "planned", comment: "created" });
    const olderResult = await runPlanJob(deps, job(older, "2024-06-01T10:00:00Z"));
    expect(olderResult).toEqual({ outcome: "superseded", by: newer });
    // The queued deliveries too: the older job is superseded, the newer one changes nothing.
    expect(await pr.pump()).toEqual({ handled: 2, failed: 0 });
    const comments = planComments(pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(newer);
  });

  it("plans renamed manifests at their new path and notes deleted devices", async () => {
    const pr = await setup({ ...FLEET, "devices/store-009.yaml": deviceManifest("store-009") });
    await pr.repo.checkout(pr.branch);
    await pr.repo.rename("devices/store-002.yaml", "devices/emea/store-002.yaml");
    const sha = await pr.repo.commit({ "devices/store-009.yaml": null }, "remove store-009");
    await pr.repo.push(pr.branch);
    expect(await pr.deliver("opened", sha)).toBe(202);
    await pr.pump();
    const [run] = planRuns();
    expect(run!.output.summary).toContain("store-002");
    const body = planComments(pr.number)[0]!.body;
    expect(body).toContain("devices/emea/store-002.yaml");
    expect(body).toMatch(/Removed from the fleet: `store-009`/);
  });
});

describe("fleet folder", () => {
  it("plans only manifests under ASE_GITOPS_FLEET_PATH and annotates repository paths", async () => {
    const pr = await setup(
      { "fleet/devices/store-001.yaml": deviceManifest("store-001"), ".github/workflows/ci.yml": "name: ci\non: push\n" },
      harness.runtime({ env: { ASE_GITOPS_FLEET_PATH: "fleet" } }),
    );
    await pr.pushAndPlan(
      {
        "fleet/devices/store-001.yaml": deviceManifest("store-001", {
          vms: [
            { name: "a", size: "Standard_NC4as_T4_v3" },
            { name: "b", size: "Standard_NC4as_T4_v3" },
          ],
        }),
        ".github/workflows/ci.yml": "name: ci\non: [push, pull_request\n", // broken YAML outside the fleet: not ours
      },
      "opened",
    );
    const [run] = planRuns();
    expect(run!.conclusion).toBe("failure");
    expect(run!.annotations).toEqual([expect.objectContaining({ path: "fleet/devices/store-001.yaml", start_line: 7, annotation_level: "failure" })]);
    expect(planComments(pr.number)[0]!.body).toContain("devices/store-001.yaml");
  });
});

describe("endpoint trust", () => {
  it("observes only default-branch endpoints on the allow-list", async () => {
    const seen: ObserveTarget[][] = [];
    const observe: ObservePort = async (targets) => {
      seen.push([...targets]);
      return { observed: { devices: {} }, notes: ["observed by the test port"] };
    };
    const pr = await setup(
      {
        ...FLEET,
        "devices/store-003.yaml": deviceManifest("store-003", { endpoint: "https://management.store-003.fabrikam.net" }),
      },
      harness.runtime({ observe }),
    );
    await pr.pushAndPlan(
      {
        "devices/store-001.yaml": deviceManifest("store-001", { kubernetes: true }), // same endpoint: observed
        "devices/store-002.yaml": deviceManifest("store-002", { gpus: 2, endpoint: "https://attacker.example.net" }), // changed: not contacted
        "devices/store-003.yaml": deviceManifest("store-003", { kubernetes: true, endpoint: "https://management.store-003.fabrikam.net" }), // not allowed
        "devices/store-004.yaml": deviceManifest("store-004"), // new device
      },
      "opened",
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((t) => [t.name, t.arm.endpoint])).toEqual([["store-001", "https://management.store-001.contoso.com"]]);
    const body = planComments(pr.number)[0]!.body;
    expect(body).toMatch(/`store-002`: endpoint changed in this pull request: planned without contacting the new address/);
    expect(body).toMatch(/`store-003`: endpoint not in ASE_GITOPS_ALLOWED_ENDPOINTS/);
    expect(body).toMatch(/`store-004`: new in this pull request/);
    expect(body).not.toContain("attacker.example.net");
  });
});
