/**
 * Issue 9, item 5: a PR author (or any other account) must not hide the real plan or the
 * drift report by posting the hidden marker. Only comments and issues written by the
 * controller's own identity count: the token's user (GET /user) with GITHUB_TOKEN, the
 * App's bot `<slug>[bot]` (GET /app) with App auth. Through the plan job, the drift checks,
 * octokit and the loopback GitHub API, which records who wrote what.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGitHubClients } from "../../shared/adapters/github/octokit-client.js";
import { PLAN_MARKER } from "../../shared/core/report/plan-comment.js";
import { LOOPBACK_APP_BOT, LOOPBACK_TOKEN_USER } from "../helpers/fake-github.js";
import { fleetRepo, PullRequestDriver } from "../helpers/plan-harness.js";
import { deviceManifest, REPO } from "../helpers/webhook-fixtures.js";
import { manifest } from "../simulator/fixtures.js";
import { editVm } from "../drift/fixtures.js";
import { type DriftBench, startDriftBench } from "../drift/harness.js";

const MALLORY = { login: "mallory", type: "User" as const };
const repoRef = { owner: "contoso", repo: "edge-fleet" };

let bench: DriftBench;
beforeAll(async () => {
  bench = await startDriftBench([manifest("store-a", { gpus: 1, vms: [{ name: "infer-01" }] })]);
});
afterAll(async () => {
  await bench?.dispose();
});
afterEach(() => {
  expect(bench.harness.github.unexpected).toEqual([]);
});

describe("the plan comment (GITHUB_TOKEN mode)", () => {
  it("a user's comment carrying the marker and a forged newer timestamp does not hide the plan", async () => {
    const github = bench.harness.github;
    const repo = await fleetRepo({ "devices/store-001.yaml": deviceManifest("store-001") });
    try {
      const pr = new PullRequestDriver(bench.harness, repo, bench.harness.runtime(), 31);
      const forged = `${PLAN_MARKER}\n<!-- ase-gitops:meta {"sha":"${"0".repeat(40)}","updatedAt":"9999-12-31T00:00:00Z","hash":"x"} -->\n### ase-gitops plan\n\nAll good, nothing to see here.`;
      github.comments.push({ id: 77, issue: 31, repo: REPO, body: forged, user: MALLORY });

      const first = await pr.pushAndPlan({ "devices/store-001.yaml": deviceManifest("store-001", { gpus: 2 }) }, "opened");
      const ours = () => github.comments.filter((c) => c.issue === 31 && c.user?.login === LOOPBACK_TOKEN_USER);
      expect(ours()).toHaveLength(1);
      expect(ours()[0]!.body).toContain(first);
      expect(ours()[0]!.body).toContain("store-001");
      // Mallory's comment is neither edited nor taken for ours.
      expect(github.comments.find((c) => c.id === 77)!.body).toBe(forged);

      // The next push edits our comment in place, still not hers.
      const second = await pr.pushAndPlan({ "devices/store-001.yaml": deviceManifest("store-001", { gpus: 1 }) });
      expect(ours()).toHaveLength(1);
      expect(ours()[0]!.body).toContain(second);
      expect(github.comments.find((c) => c.id === 77)!.body).toBe(forged);
    } finally {
      await repo.dispose();
    }
  });
});

describe("the plan comment (GitHub App mode)", () => {
  it("only the App's own bot counts, not another App's bot or a user", async () => {
    const github = bench.harness.github;
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const session = createGitHubClients({
      apiUrl: github.url,
      auth: { kind: "app", appId: "123", privateKey },
      spaceWrites: false,
      retryUnitMs: 5,
    }).forInstallation(424242);
    github.comments.push({ id: 501, issue: 40, repo: REPO, body: `${PLAN_MARKER}\nfake`, user: { login: "other-app[bot]", type: "Bot" } });
    github.comments.push({ id: 502, issue: 40, repo: REPO, body: `${PLAN_MARKER}\nfake`, user: MALLORY });
    expect(await session.github.findIssueComment(repoRef, 40, PLAN_MARKER)).toBeUndefined();
    const created = await session.github.createIssueComment(repoRef, 40, `${PLAN_MARKER}\nreal`);
    expect(github.comments.find((c) => c.id === created.id)!.user).toEqual(LOOPBACK_APP_BOT);
    expect((await session.github.findIssueComment(repoRef, 40, PLAN_MARKER))?.id).toBe(created.id);
    // Who we are is asked once, with the App's JWT.
    const app = github.calls.filter((c) => c.path === "/app");
    expect(app).toHaveLength(1);
    expect(app[0]!.authorization).toMatch(/^bearer ey/i);
  });
});

describe("drift issues (GITHUB_TOKEN mode)", () => {
  it("an issue someone else opened with the drift marker is not taken for the device's issue", async () => {
    const github = bench.harness.github;
    const forged = "<!-- ase-gitops:drift device=store-a -->\nNo drift here.\n<!-- ase-gitops:drift-hash 0123456789abcdef0123456789abcdef -->\n";
    github.issues.push({
      repo: REPO,
      number: 1,
      title: "Drift on store-a: VM_POWER",
      body: forged,
      state: "open",
      labels: ["drift"],
      user: MALLORY,
      edits: 0,
    });

    editVm(bench.sim, "store-a", "infer-01", () => ({ powerState: "deallocated", heldGpus: 0 }));
    const response = await bench.post('{"devices":["store-a"]}');
    expect(response.status).toBe(200);
    expect(response.body.devices[0]).toMatchObject({ device: "store-a", status: "drifted", issue: { action: "created" } });

    const mallorys = github.issues.find((i) => i.number === 1)!;
    expect(mallorys).toMatchObject({ body: forged, edits: 0, state: "open" });
    const ours = github.issues.filter((i) => i.user?.login === LOOPBACK_TOKEN_USER);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain("VM_POWER");
  });
});
