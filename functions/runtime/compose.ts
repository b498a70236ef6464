/**
 * The composition root: settings -> clients -> the ports the core functions take. Built
 * lazily on the first invocation (and checked at app start by appStart.ts), once per
 * worker process; everything below it receives its dependencies explicitly.
 */
import { createGitHubClients, type GitHubClients } from "../../shared/github/octokit-client.js";
import { deviceSettingsFromEnv } from "../../shared/device/settings.js";
import { createDeviceObservePort } from "../../shared/github/device-observe-port.js";
import type { ObservePort } from "../../shared/github/observe-port.js";
import { createRepoCache, type RepoCache } from "../../shared/git/repo-cache.js";
import { loadSettings, type Settings } from "../../shared/settings.js";
import { createDeliveryLog, DELIVERIES_TABLE, type DeliveryLog } from "../../shared/store/delivery-log.js";
import { createJobQueue, type JobQueue } from "../../shared/store/job-queue.js";
import { createPrHeadStore, PR_HEADS_TABLE, type PrHeadStore } from "../../shared/store/pr-heads.js";
import { createStorageClients } from "../../shared/store/storage-clients.js";
import { BlobServiceClient } from "@azure/storage-blob";
import { createRunReporter } from "../../shared/reconcile/apply-report.js";
import { type DeviceSettings } from "../../shared/device/settings.js";
import { APPLY_JOURNAL_TABLE, type ApplyJournal, createApplyJournal } from "../../shared/store/apply-journal.js";
import { DEVICE_LOCKS_CONTAINER, type DeviceLocks, createDeviceLocks } from "../../shared/store/device-lease.js";
import { DRIFT_RUNS_TABLE, type DriftRuns, createDriftRuns } from "../../shared/drift/run-store.js";
import { DEVICE_STATE_TABLE, RECONCILE_RUNS_TABLE, type ReconcileRuns, createReconcileRuns } from "../../shared/store/reconcile-runs.js";

export interface Runtime {
  settings: Settings;
  deliveries: DeliveryLog;
  queue: JobQueue;
  heads: PrHeadStore;
  github: GitHubClients;
  repos: RepoCache;
  observe: ObservePort;
  device: DeviceSettings;
  journal: ApplyJournal;
  runs: ReconcileRuns;
  locks: DeviceLocks;
  /** Drift runs and their per-device results. */
  driftRuns: DriftRuns;
  /** Reports merges of one installation (one reporter each, so progress updates are paced). */
  reporterFor(installationId?: number): (repository: string, commit: string) => Promise<void>;
}

export interface RuntimeOverrides {
  /** Replaces the device adapters (tests, or `observeNothing` to plan without devices). */
  observe?: ObservePort;
  /** Tests: no write spacing, short retry waits. */
  github?: { spaceWrites?: boolean; retryUnitMs?: number };
  log?: { warn(message: string): void };
}

export function createRuntime(env: Record<string, string | undefined>, overrides: RuntimeOverrides = {}): Runtime {
  const settings = loadSettings(env);
  const storage = createStorageClients(settings.storageConnection);
  const device = deviceSettingsFromEnv(env);
  const blobs = BlobServiceClient.fromConnectionString(settings.storageConnection);
  const github = createGitHubClients({
    apiUrl: settings.githubApiUrl,
    auth: settings.githubAuth,
    ...(overrides.github ?? {}),
    ...(overrides.log ? { log: overrides.log } : {}),
  });
  const runs = createReconcileRuns(storage.table(RECONCILE_RUNS_TABLE), storage.table(DEVICE_STATE_TABLE));
  const reporters = new Map<string, (repository: string, commit: string) => Promise<void>>();
  return {
    settings,
    deliveries: createDeliveryLog(storage.table(DELIVERIES_TABLE)),
    queue: createJobQueue(storage),
    heads: createPrHeadStore(storage.table(PR_HEADS_TABLE)),
    github,
    repos: createRepoCache(settings.gitCache, settings),
    observe: overrides.observe ?? createDeviceObservePort(device),
    device,
    journal: createApplyJournal(storage.table(APPLY_JOURNAL_TABLE)),
    runs,
    locks: createDeviceLocks(blobs.getContainerClient(DEVICE_LOCKS_CONTAINER)),
    driftRuns: createDriftRuns(storage.table(DRIFT_RUNS_TABLE)),
    reporterFor(installationId) {
      const key = String(installationId ?? "token");
      let reporter = reporters.get(key);
      if (!reporter) {
        const session = github.forInstallation(installationId);
        reporter = createRunReporter({ runs, github: session.github, pullRequestsForCommit: (repo, sha) => session.github.pullRequestsForCommit(repo, sha) });
        reporters.set(key, reporter);
      }
      return reporter;
    },
  };
}

/** Memoizes one runtime per process; a settings error is rethrown on every call. */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** The runtime the registered functions use: from the process environment. */
export const processRuntime = lazy(() => createRuntime(process.env, { log: { warn: (m) => console.warn(m) } }));
