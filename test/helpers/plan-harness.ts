/**
 * Everything a plan-job test needs, wired as in production: real Azurite, a real git
 * "remote", the fake GitHub API, the webhook and plan-job function handlers, and a queue
 * pump standing in for the Functions host.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QueueClient } from "@azure/storage-queue";
import { createWebhookHandler } from "../../functions/githubWebhook.js";
import { createPlanJobHandler } from "../../functions/planJob.js";
import { createRuntime, type Runtime } from "../../shared/composition/runtime.js";
import { QUEUES } from "../../shared/core/messages/jobs.js";
import { type ObservePort, observeNothing } from "../../shared/ports/observe.js";
import { type Azurite, startAzurite } from "./azurite.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { type CapturedLog, httpRequest, invocationContext, pumpQueue, queueClient } from "./functions-host.js";
import { createTestRepo, type TestRepo } from "./git-repos.js";
import { delivery, pullRequestPayload, REPO, WEBHOOK_SECRET } from "./webhook-fixtures.js";

export interface Harness {
  azurite: Azurite;
  github: FakeGitHub;
  cacheDir: string;
  env: Record<string, string>;
  runtime(overrides?: { observe?: ObservePort; env?: Record<string, string> }): Runtime;
  dispose(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const [azurite, github, cacheDir] = await Promise.all([startAzurite(), startFakeGitHub(), mkdtemp(join(tmpdir(), "ase-gitops-cache-"))]);
  const env = {
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GITHUB_TOKEN: "ghp_test_token_value",
    GITHUB_API_URL: github.url,
    ASE_GITOPS_REPOSITORIES: REPO,
    AzureWebJobsStorage: azurite.connectionString,
    ASE_GITOPS_ALLOWED_ENDPOINTS: "*.contoso.com",
    ASE_GITOPS_GIT_CACHE: cacheDir,
    // Fleet repositories here are local bare repositories.
    ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES: "true",
  };
  return {
    azurite,
    github,
    cacheDir,
    env,
    runtime: (overrides = {}) =>
      // Devices are not contacted unless a test passes an observe port (or the simulator's).
      createRuntime(
        { ...env, ...(overrides.env ?? {}) },
        { github: { spaceWrites: false, retryUnitMs: 5 }, observe: overrides.observe ?? observeNothing },
      ),
    async dispose() {
      await Promise.all([azurite.stop(), github.close(), rm(cacheDir, { recursive: true, force: true })]);
    },
  };
}

/** One pull request on a TestRepo, driven through the webhook and the plan-jobs queue. */
export class PullRequestDriver {
  readonly logs: CapturedLog[] = [];
  private readonly queue: QueueClient;
  private clock = Date.parse("2024-05-01T10:00:00Z");

  constructor(
    private readonly harness: Harness,
    readonly repo: TestRepo,
    readonly runtime: Runtime,
    readonly number = 7,
    readonly branch = "feature",
  ) {
    this.queue = queueClient(harness.azurite.connectionString, QUEUES.plan);
  }

  /** Sends a pull_request delivery for the branch's current head; returns the HTTP status. */
  async deliver(action: string, headSha?: string, updatedAt?: string): Promise<number> {
    const head = headSha ?? (await this.repo.git.revparse([this.branch])).trim();
    const base = (await this.repo.git.revparse(["main"])).trim();
    this.clock += 60_000;
    const payload = pullRequestPayload({
      action,
      number: this.number,
      cloneUrl: this.repo.remote,
      headSha: head,
      headRef: this.branch,
      baseSha: base,
      updatedAt: updatedAt ?? new Date(this.clock).toISOString(),
      installationId: 424242,
    });
    const handler = createWebhookHandler(() => ({
      secrets: this.runtime.settings.webhookSecrets,
      repositories: this.runtime.settings.repositories,
      cloneUrls: this.runtime.settings,
      deliveries: this.runtime.deliveries,
      queue: this.runtime.queue,
    }));
    const response = await handler(httpRequest(delivery("pull_request", payload)), invocationContext("githubWebhook"));
    return response.status ?? 200;
  }

  /** Runs every queued plan job through the planJob function handler. */
  async pump(): Promise<{ handled: number; failed: number }> {
    return pumpQueue(
      this.queue,
      createPlanJobHandler(() => this.runtime),
      this.logs,
    );
  }

  /** Commit on the branch, push, deliver `synchronize` (or `opened` the first time), pump. */
  async pushAndPlan(files: Record<string, string | null>, action = "synchronize"): Promise<string> {
    await this.repo.checkout(this.branch);
    const sha = await this.repo.commit(files, `update ${Object.keys(files).join(", ")}`);
    await this.repo.push(this.branch);
    const status = await this.deliver(action, sha);
    if (status !== 202) throw new Error(`webhook answered ${status}`);
    await this.pump();
    return sha;
  }
}

/** A fleet repository with `main` holding `files`, pushed to its bare remote. */
export async function fleetRepo(files: Record<string, string>): Promise<TestRepo> {
  const repo = await createTestRepo("main");
  await repo.commit({ "README.md": "# fleet\n", ...files }, "initial fleet");
  await repo.push("main");
  return repo;
}
