/**
 * The composition root: settings -> clients -> the ports the core functions take. Built
 * lazily on the first invocation (and checked at app start by appStart.ts), once per
 * worker process; everything below it receives its dependencies explicitly.
 */
import { createGitHubClients, type GitHubClients } from "../adapters/github/octokit-client.js";
import { deviceSettingsFromEnv } from "./device-settings.js";
import { createDeviceObservePort } from "./device-observe-port.js";
import type { ObservePort } from "../ports/observe.js";
import { createRepoCache, type RepoCache } from "../adapters/git/repo-cache.js";
import { loadSettings, type Settings } from "./settings.js";
import { createDeliveryLog, DELIVERIES_TABLE, type DeliveryLog } from "../adapters/store/delivery-log.js";
import { createJobQueue, type JobQueue } from "../adapters/store/job-queue.js";
import { createPrHeadStore, PR_HEADS_TABLE, type PrHeadStore } from "../adapters/store/pr-heads.js";
import { createStorageClients } from "../adapters/store/storage-clients.js";
import { createRunReporter } from "../use-cases/reconcile-push/apply-report.js";
import { type DeviceSettings } from "./device-settings.js";
import { APPLY_JOURNAL_TABLE, type ApplyJournal, createApplyJournal } from "../adapters/store/apply-journal.js";
import { APPLY_LOCKS_TABLE, type ApplyLocks, createApplyLocks, tableLockRows } from "../adapters/store/apply-locks.js";
import { type ApplySettings, applySettingsFromEnv } from "./apply-settings.js";
import { DRIFT_RUNS_TABLE, type DriftRuns, createDriftRuns } from "../adapters/store/drift-runs.js";
import { DEVICE_STATE_TABLE, RECONCILE_RUNS_TABLE, type ReconcileRuns, createReconcileRuns } from "../adapters/store/reconcile-runs.js";

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
  /** The device lock that spans invocations (owner job, commit, expiry, pending operation). */
  locks: ApplyLocks;
  apply: ApplySettings;
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
  const storage = createStorageClients(settings.storage);
  const device = deviceSettingsFromEnv(env);
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
    locks: createApplyLocks(tableLockRows(storage.table(APPLY_LOCKS_TABLE))),
    apply: applySettingsFromEnv(env),
    driftRuns: createDriftRuns(storage.table(DRIFT_RUNS_TABLE)),
    reporterFor(installationId) {
      const key = String(installationId ?? "token");
      let reporter = reporters.get(key);
      if (!reporter) {
        const session = github.forInstallation(installationId);
        reporter = createRunReporter({
          runs,
          github: session.github,
          pullRequestsForCommit: (repo, sha) => session.github.pullRequestsForCommit(repo, sha),
        });
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
