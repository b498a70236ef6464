/**
 * Issue 9, item 9: under GitHub App auth, drift checks started by POST /api/drift or the
 * timer carry no installation id (only webhooks do). The controller asks GitHub for the
 * repository's installation (GET /repos/{owner}/{repo}/installation, with the App's JWT)
 * and works with that installation's token. Through the drift functions, Azurite, the
 * simulator, octokit with @octokit/auth-app and the loopback GitHub API.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LOOPBACK_APP_BOT } from "../helpers/fake-github.js";
import { REPO } from "../helpers/webhook-fixtures.js";
import { manifest } from "../simulator/fixtures.js";
import { editVm } from "../drift/fixtures.js";
import { type DriftBench, startDriftBench } from "../drift/harness.js";

const INSTALLATION = 7777;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let bench: DriftBench;
beforeAll(async () => {
  bench = await startDriftBench([manifest("store-a", { gpus: 1, vms: [{ name: "infer-01" }] })], {
    // App auth wins over the harness's GITHUB_TOKEN.
    env: { GITHUB_APP_ID: "123", GITHUB_APP_PRIVATE_KEY: privateKey, ASE_GITOPS_DRIFT_SCHEDULE: "0 0 * * * *" },
  });
  bench.harness.github.addRepository({ fullName: REPO, cloneUrl: bench.repo.remote, defaultBranch: "main", installationId: INSTALLATION });
});
afterAll(async () => {
  await bench?.dispose();
});
afterEach(() => {
  expect(bench.harness.github.unexpected).toEqual([]);
});

const calls = (path: RegExp) => bench.harness.github.calls.filter((c) => path.test(c.path));

describe("drift under GitHub App auth", () => {
  it("POST /api/drift finds the repository's installation and reports with its token", async () => {
    editVm(bench.sim, "store-a", "infer-01", () => ({ powerState: "deallocated", heldGpus: 0 }));
    const response = await bench.post("{}");
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.summary).toMatchObject({ checked: 1, drifted: 1, unreachable: 0 });
    expect(response.body.devices[0]).toMatchObject({ device: "store-a", status: "drifted", issue: { action: "created" } });

    const lookup = calls(/^\/repos\/contoso\/edge-fleet\/installation$/);
    expect(lookup.length).toBeGreaterThan(0);
    expect(lookup.every((c) => c.status === 200 && /^bearer ey/i.test(c.authorization ?? ""))).toBe(true);
    expect(calls(new RegExp(`^/app/installations/${INSTALLATION}/access_tokens$`)).length).toBeGreaterThan(0);
    const created = bench.harness.github.calls.find((c) => c.method === "POST" && c.path === "/repos/contoso/edge-fleet/issues");
    expect(created?.authorization).toBe(`token ghs_installation_${INSTALLATION}`);
    expect(bench.harness.github.issues[0]!.user).toEqual(LOOPBACK_APP_BOT);
  });

  it("the timer does the same: the issue is found again (it is the App's) and left unchanged", async () => {
    bench.harness.github.calls.length = 0;
    await bench.timer();
    expect(bench.logs.filter((l) => l.level === "error")).toEqual([]);
    expect(calls(/^\/repos\/contoso\/edge-fleet\/installation$/).length).toBeGreaterThan(0);
    expect(bench.harness.github.issues).toHaveLength(1);
    expect(bench.harness.github.issues[0]!.edits).toBe(0);
  });

  it("a repository the App is not installed on is a clear one-line refusal, not a crash", async () => {
    bench.harness.github.addRepository({ fullName: REPO, cloneUrl: bench.repo.remote, defaultBranch: "main" });
    try {
      const response = await bench.post("{}");
      expect([500, 503]).toContain(response.status);
      expect(response.body.message).toMatch(/GITHUB_NOT_FOUND/);
      expect(response.body.message).not.toMatch(/\n/);
    } finally {
      bench.harness.github.addRepository({ fullName: REPO, cloneUrl: bench.repo.remote, defaultBranch: "main", installationId: INSTALLATION });
    }
  });
});
