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

export interface Runtime {
  settings: Settings;
  deliveries: DeliveryLog;
  queue: JobQueue;
  heads: PrHeadStore;
  github: GitHubClients;
  repos: RepoCache;
  observe: ObservePort;
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
  return {
    settings,
    deliveries: createDeliveryLog(storage.table(DELIVERIES_TABLE)),
    queue: createJobQueue(storage),
    heads: createPrHeadStore(storage.table(PR_HEADS_TABLE)),
    github: createGitHubClients({
      apiUrl: settings.githubApiUrl,
      auth: settings.githubAuth,
      ...(overrides.github ?? {}),
      ...(overrides.log ? { log: overrides.log } : {}),
    }),
    repos: createRepoCache(settings.gitCache),
    observe: overrides.observe ?? createDeviceObservePort(deviceSettingsFromEnv(env)),
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
