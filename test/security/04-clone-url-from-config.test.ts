/**
 * Issue 9, item 4: a signed webhook payload must not choose the URL the controller fetches
 * from (an https one would receive the GitHub token). The clone URL is the configured
 * GitHub server + owner/name; local paths and file:// only with the development setting
 * ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES=true. Through the real webhook function, Azurite, the
 * loopback GitHub API, octokit and git.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../../functions/githubWebhook.js";
import type { Runtime } from "../../shared/composition/runtime.js";
import { resolveTargets } from "../../shared/use-cases/check-drift/targets.js";
import { createRepoCache } from "../../shared/adapters/git/repo-cache.js";
import { serverUrlOf } from "../../shared/core/trust/clone-url.js";
import { createGitHubClients } from "../../shared/adapters/github/octokit-client.js";
import { QUEUES } from "../../shared/core/messages/jobs.js";
import { loadSettings } from "../../shared/composition/settings.js";
import { httpRequest, invocationContext, peekJobs, queueClient } from "../helpers/functions-host.js";
import { type Harness, startHarness } from "../helpers/plan-harness.js";
import { delivery, pullRequestPayload, REPO } from "../helpers/webhook-fixtures.js";

const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);
const EVIL = "https://evil.example/steal-the-token.git";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.dispose();
});
beforeEach(async () => {
  const plan = queueClient(harness.azurite.connectionString, QUEUES.plan);
  if (await plan.exists()) await plan.clearMessages();
});

/** The production runtime's settings with the development setting off unless asked. */
function runtime(env: Record<string, string> = {}): Runtime {
  return harness.runtime({ env: { ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES: "false", ...env } });
}

async function deliver(rt: Runtime, cloneUrl: string, overrides: Record<string, unknown> = {}) {
  const payload = {
    ...pullRequestPayload({ action: "opened", number: 7, cloneUrl, headSha: SHA_A, headRef: "feature", baseSha: SHA_B, installationId: 424242 }),
    ...overrides,
  };
  const handler = createWebhookHandler(() => ({
    secrets: rt.settings.webhookSecrets,
    repositories: rt.settings.repositories,
    cloneUrls: rt.settings,
    deliveries: rt.deliveries,
    queue: rt.queue,
  }));
  const response = await handler(httpRequest(delivery("pull_request", payload)), invocationContext("githubWebhook"));
  const jobs = (await peekJobs(queueClient(harness.azurite.connectionString, QUEUES.plan))) as Array<{
    repository: { cloneUrl: string };
    pullRequest: { headCloneUrl: string };
  }>;
  return { status: response.status ?? 200, body: response.jsonBody as { message?: string }, jobs };
}

describe("the webhook takes the clone URL from configuration", () => {
  it("ignores a payload's https clone_url: the job fetches from the GitHub server + owner/name", async () => {
    const { status, jobs } = await deliver(runtime({ GITHUB_API_URL: "https://api.github.com" }), EVIL);
    expect(status).toBe(202);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.repository.cloneUrl).toBe("https://github.com/contoso/edge-fleet.git");
    expect(jobs[0]!.pullRequest.headCloneUrl).toBe("https://github.com/contoso/edge-fleet.git");
  });

  it("derives GitHub Enterprise Server's URL from GITHUB_API_URL, or takes GITHUB_SERVER_URL", async () => {
    const ghes = await deliver(runtime({ GITHUB_API_URL: "https://ghe.contoso.com/api/v3" }), EVIL);
    expect(ghes.jobs[0]!.repository.cloneUrl).toBe("https://ghe.contoso.com/contoso/edge-fleet.git");
    expect(loadSettings({ ...harness.env, GITHUB_API_URL: "https://api.github.com" }).githubServerUrl).toBe("https://github.com");
    expect(serverUrlOf("https://ghe.contoso.com/api/v3/")).toBe("https://ghe.contoso.com");
    expect(serverUrlOf("https://api.octo.ghe.com")).toBe("https://octo.ghe.com");
    const queue = queueClient(harness.azurite.connectionString, QUEUES.plan);
    await queue.clearMessages();
    const explicit = await deliver(runtime({ GITHUB_SERVER_URL: "https://git.contoso.com/" }), EVIL);
    expect(explicit.jobs[0]!.repository.cloneUrl).toBe("https://git.contoso.com/contoso/edge-fleet.git");
  });

  it("takes a fork's owner/name from the payload, never its URL", async () => {
    const payload = pullRequestPayload({ action: "opened", number: 7, cloneUrl: EVIL, headSha: SHA_A, headRef: "feature", baseSha: SHA_B });
    payload.pull_request.head.repo = { ...payload.pull_request.head.repo, full_name: "octocat/edge-fleet", clone_url: EVIL };
    // The loopback API has no /api/v3: its server URL is the API URL itself.
    const { status, jobs } = await deliver(runtime(), EVIL, { pull_request: payload.pull_request });
    expect(status).toBe(202);
    expect(jobs[0]!.repository.cloneUrl).toBe(`${harness.github.url}/contoso/edge-fleet.git`);
    expect(jobs[0]!.pullRequest.headCloneUrl).toBe(`${harness.github.url}/octocat/edge-fleet.git`);
  });

  it("refuses local paths and file:// URLs with a clear 400 unless the development setting allows them", async () => {
    for (const url of ["/etc", "file:///srv/git/other.git"]) {
      const { status, body, jobs } = await deliver(runtime(), url);
      expect(status).toBe(400);
      expect(body.message).toMatch(/ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES=true/);
      expect(body.message).not.toMatch(/\n/);
      expect(jobs).toEqual([]);
    }
    const allowed = await deliver(runtime({ ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES: "true" }), "/srv/git/fleet.git");
    expect(allowed.status).toBe(202);
    expect(allowed.jobs[0]!.repository.cloneUrl).toBe("/srv/git/fleet.git");
  });

  it("refuses a fork whose owner/name is not a GitHub name", async () => {
    const payload = pullRequestPayload({ action: "opened", number: 7, cloneUrl: EVIL, headSha: SHA_A, headRef: "feature", baseSha: SHA_B });
    payload.pull_request.head.repo = { ...payload.pull_request.head.repo, full_name: "evil.example:443/../x" };
    const { status, jobs } = await deliver(runtime(), EVIL, { pull_request: payload.pull_request });
    expect(status).toBe(400);
    expect(jobs).toEqual([]);
  });
});

describe("every fetch is checked again", () => {
  it("the repository cache refuses URLs off the configured server before git runs, token or not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ase-gitops-sec04-"));
    try {
      const cache = createRepoCache(dir, { githubServerUrl: "https://github.com", allowLocalRepositories: false });
      const repo = await cache.open(REPO);
      for (const url of [
        EVIL,
        "https://github.com.evil.example/contoso/edge-fleet.git",
        "http://github.com/contoso/edge-fleet.git",
        "/etc",
        "file:///etc",
      ]) {
        await expect(repo.fetch({ url, refspecs: ["+refs/heads/main:refs/x"], token: "ghp_secret" })).rejects.toMatchObject({
          code: "GIT_BAD_URL",
          transient: false,
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("drift runs not started by a webhook use the configured URL, not the API's clone_url", async () => {
    harness.github.addRepository({ fullName: REPO, cloneUrl: EVIL, defaultBranch: "main" });
    const clients = createGitHubClients({
      apiUrl: harness.github.url,
      auth: { kind: "token", token: "ghp_test_token_value" },
      spaceWrites: false,
      retryUnitMs: 5,
    });
    const [target] = await resolveTargets(clients, [REPO], { githubServerUrl: "https://github.com", allowLocalRepositories: false });
    expect(target!.repository.cloneUrl).toBe("https://github.com/contoso/edge-fleet.git");
    expect(harness.github.calls.some((c) => c.path === `/repos/${REPO}`)).toBe(true);
  });
});
