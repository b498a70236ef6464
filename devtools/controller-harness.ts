/**
 * Everything the controller talks to, on this machine: Azurite, the device simulator, a
 * loopback GitHub API, a fleet repository (a bare git "remote"), and the controller itself
 * in the local Functions runtime as a child process (so it can be killed like a worker).
 * Used by the end-to-end tests and by `npm run demo`; nothing reaches the network.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ObservedState } from "../shared/core/plan/observed.js";
import { createStorageClients } from "../shared/adapters/store/storage-clients.js";
import { APPLY_JOURNAL_TABLE, type ApplyJournal, createApplyJournal } from "../shared/adapters/store/apply-journal.js";
import { DEVICE_STATE_TABLE, RECONCILE_RUNS_TABLE, type ReconcileRuns, createReconcileRuns } from "../shared/adapters/store/reconcile-runs.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "../simulator/index.js";
import { type Azurite, startAzurite } from "../runtime/azurite.js";
import { createTestRepo, type TestRepo } from "./git-repos.js";
import { type FakeCheckRun, type FakeGitHub, startFakeGitHub } from "./loopback-github.js";
import { credentialSettings, simulatedFleetFiles, vmPasswordSettings } from "./simulated-fleet.js";
import { delivery, pullRequestPayload, pushPayload, REPO, WEBHOOK_SECRET } from "./webhook-deliveries.js";

// This file runs from source (tests) and compiled under dist/ (the demo).
const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = HERE.split(sep).includes("dist") ? join(HERE, "..", "..") : join(HERE, "..");
const RUNTIME_CLI = join(PROJECT_ROOT, "dist", "runtime", "cli.js");

export interface HarnessOptions {
  /** Folder of device manifests the repository starts with (and the simulator simulates). */
  fleet: string;
  observed?: ObservedState;
  simulator?: Omit<SimulatorOptions, "fleet" | "observed">;
  /** Seconds a queue message stays invisible while processed (a killed worker's comes back after it). */
  leaseSeconds?: number;
  /** Seconds before a failed queue message is tried again (host.json says 30). */
  retryDelaySeconds?: number;
  /** Lines the runtime writes (its log). */
  onRuntimeLog?: (line: string) => void;
  settings?: Record<string, string>;
}

export interface Harness {
  simulator: Simulator;
  github: FakeGitHub;
  repo: TestRepo;
  azurite: Azurite;
  repository: string;
  /** The fleet files as committed first (endpoints pointed at the simulator). */
  files: Record<string, string>;
  journal: ApplyJournal;
  runs: ReconcileRuns;
  runtimeUrl(): string;
  /** POSTs a signed GitHub delivery to the runtime's webhook. */
  sendWebhook(event: string, payload: unknown): Promise<{ status: number; body: string }>;
  /** Commits files on the default branch, pushes, sends the push webhook; returns the commit. */
  pushCommit(files: Record<string, string | null>, message?: string): Promise<{ before: string; after: string }>;
  /** Opens (or updates) a pull request from `branch` with these changes; returns its head. */
  pullRequest(number: number, branch: string, files: Record<string, string | null>, message?: string): Promise<string>;
  /** Merges the pull request's branch into the default branch (fast-forward) and sends the push. */
  merge(number: number, branch: string): Promise<{ before: string; after: string }>;
  waitForCheckRun(name: string, sha: string, timeoutMs?: number): Promise<FakeCheckRun>;
  killRuntime(): Promise<void>;
  startRuntime(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const azurite = await startAzurite();
    cleanups.push(() => azurite.stop());
    const simulator = await startSimulator({
      ...options.simulator,
      fleet: options.fleet,
      ...(options.observed ? { observed: options.observed } : {}),
    });
    cleanups.push(() => simulator.close());
    const github = await startFakeGitHub();
    cleanups.push(() => github.close());
    const repo = await createTestRepo("main");
    cleanups.push(() => repo.dispose());
    const scratch = await mkdtemp(join(tmpdir(), "ase-gitops-harness-"));
    cleanups.push(() => rm(scratch, { recursive: true, force: true }));

    const files = await simulatedFleetFiles(options.fleet, simulator.devices);
    let head = await repo.commit(files, "Fleet as deployed");
    await repo.push("main");

    const password = options.simulator?.password ?? "simulator";
    const settings: Record<string, string> = {
      AzureWebJobsStorage: azurite.connectionString,
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GITHUB_TOKEN: "ghp_loopback_demo_token",
      GITHUB_APP_ID: "",
      GITHUB_APP_PRIVATE_KEY: "",
      GITHUB_API_URL: github.url,
      ASE_GITOPS_REPOSITORIES: REPO,
      ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
      // The fleet repository is a local bare repository: development setting.
      ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES: "true",
      ASE_GITOPS_DEVICE_CA: simulator.caPath,
      ASE_GITOPS_GIT_CACHE: join(scratch, "git-cache"),
      ASE_GITOPS_POLL_INTERVAL_MS: "50",
      ASE_GITOPS_RETRY_BASE_MS: "50",
      // Operations run scaled down: re-check them often, and retry a busy device soon.
      ASE_GITOPS_APPLY_POLL_MS: "100",
      ASE_GITOPS_APPLY_LOCK_RETRY_MS: "1000",
      // Short turns: a killed worker's hold on its device lapses within seconds.
      ASE_GITOPS_APPLY_BUDGET_MS: "10000",
      ASE_GITOPS_APPLY_HOLD_MARGIN_MS: "2000",
      ASE_GITOPS_APPLY_FAILURE_BACKOFF_MS: "500",
      ...Object.fromEntries(credentialSettings(files).map((name) => [name, password])),
      // VM passwords: Azure wants 12 or more characters; the simulator keeps none of them.
      ...Object.fromEntries(vmPasswordSettings(files).map((name) => [name, `Sim-${name}-Passw0rd!`])),
      ...options.settings,
    };

    let child: ChildProcess | undefined;
    let url = "";
    const startRuntime = async () => {
      const args = [RUNTIME_CLI, "--port", "0", "--lease-seconds", String(options.leaseSeconds ?? 5)];
      if (options.retryDelaySeconds !== undefined) args.push("--retry-delay-seconds", String(options.retryDelaySeconds));
      const proc = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...settings }, stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      let err = "";
      proc.stderr!.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        err = (err + text).slice(-4000);
        for (const line of text.split("\n")) if (line.trim()) options.onRuntimeLog?.(line);
      });
      url = await new Promise<string>((resolve, reject) => {
        let out = "";
        proc.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split("\n").find((l) => l.startsWith("{"));
          if (line) resolve((JSON.parse(line) as { url: string }).url);
        });
        proc.once("exit", (code) => reject(new Error(`local runtime exited with ${code}: ${err}`)));
      });
    };
    const killRuntime = async () => {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGKILL");
      await exited;
    };
    await startRuntime();
    cleanups.push(async () => {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    });

    const storage = createStorageClients(azurite.connectionString);
    const sendWebhook = async (event: string, payload: unknown) => {
      const d = delivery(event, payload);
      const response = await fetch(`${url}/api/github/webhook`, { method: "POST", headers: d.headers, body: d.body });
      return { status: response.status, body: await response.text() };
    };
    const pushed = async (before: string, after: string) => {
      const response = await sendWebhook("push", pushPayload(repo.remote, "refs/heads/main", before, after));
      if (response.status >= 300) throw new Error(`push webhook answered ${response.status}: ${response.body}`);
      return { before, after };
    };

    return {
      simulator,
      github,
      repo,
      azurite,
      repository: REPO,
      files,
      journal: createApplyJournal(storage.table(APPLY_JOURNAL_TABLE)),
      runs: createReconcileRuns(storage.table(RECONCILE_RUNS_TABLE), storage.table(DEVICE_STATE_TABLE)),
      runtimeUrl: () => url,
      sendWebhook,
      async pushCommit(changes, message = "change") {
        await repo.checkout("main");
        const before = head;
        head = await repo.commit(changes, message);
        await repo.push("main");
        return pushed(before, head);
      },
      async pullRequest(number, branch, changes, message = "change") {
        await repo.checkout(branch, head);
        const sha = await repo.commit(changes, message);
        await repo.push(branch);
        await repo.checkout("main");
        const response = await sendWebhook(
          "pull_request",
          pullRequestPayload({ action: "opened", number, cloneUrl: repo.remote, headSha: sha, headRef: branch, baseSha: head }),
        );
        if (response.status >= 300) throw new Error(`pull_request webhook answered ${response.status}: ${response.body}`);
        github.addPullRequest({ repo: REPO, number, head_sha: sha });
        return sha;
      },
      async merge(number, branch) {
        await repo.checkout("main");
        await repo.git.raw(["merge", "--ff-only", branch]);
        const before = head;
        head = (await repo.git.revparse(["HEAD"])).trim();
        await repo.push("main");
        const pr = github.pullRequests.find((p) => p.number === number);
        if (pr) Object.assign(pr, { state: "closed", merged: true, merge_commit_sha: head });
        return pushed(before, head);
      },
      async waitForCheckRun(name, sha, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const run = github.checkRuns.find((r) => r.name === name && r.head_sha === sha && r.status === "completed");
          if (run) return run;
          if (Date.now() > deadline) throw new Error(`no completed ${name} check run on ${sha.slice(0, 7)} after ${timeoutMs} ms`);
          await sleep(100);
        }
      },
      killRuntime,
      startRuntime,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
