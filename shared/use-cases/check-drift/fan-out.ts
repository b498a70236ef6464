/**
 * Starts a drift run: for each repository, fetch the default branch, load its manifests,
 * select the devices, list the repository's drift issues once, then record the run and
 * queue one `drift-device-jobs` message per device. Endpoints and credentials are only
 * ever read from the default branch. A redelivered request re-queues its devices: device
 * results are keyed by device, so nothing is counted or reported twice.
 */
import { join } from "node:path";
import type { RepoCache } from "../../ports/repo-cache.js";
import type { RepositoryInfo } from "../../core/messages/jobs.js";
import { parseRepoRef } from "../../ports/github.js";
import { type LoadedDevice, splitDuplicates } from "../../core/manifest/load.js";
import type { JobQueue } from "../../ports/job-queue.js";
import { type DriftGitHub, DRIFT_LABEL, indexDriftIssues } from "./drift-issue.js";
import { DRIFT_DEVICE_QUEUE, type DriftDeviceJob, type DriftTrigger } from "../../core/messages/drift.js";
import type { DriftRuns } from "../../ports/drift-runs.js";
import { type DriftSelector, selectDevices } from "../../core/drift/select.js";
import { summaryLine } from "../../core/drift/summary.js";

export interface RepositoryTarget {
  repository: RepositoryInfo;
  installationId?: number;
  github: DriftGitHub;
  gitToken: () => Promise<string | undefined>;
}

export interface FanOutDeps {
  repos: RepoCache;
  queue: JobQueue;
  runs: DriftRuns;
  /** Folder of the fleet inside the repository ("" = the whole repository). */
  fleetPath: string;
  /** The device credential namespace (ASE_GITOPS_CREDENTIAL_PREFIX): names outside it are invalid manifests. */
  credentialPrefix?: string;
  log?: { info(message: string): void; warn(message: string): void };
}

export interface FanOutRequest {
  runId: string;
  trigger: DriftTrigger;
  targets: RepositoryTarget[];
  selector?: DriftSelector;
}

export interface FanOutResult {
  runId: string;
  queued: number;
  /** Device names the selector asked for that no manifest defines, per repository. */
  unknown: string[];
  /** Devices the selector matched, over every repository (0 with labels: nothing to check). */
  matched: number;
  /** Manifests on the default branch that cannot be checked (invalid or duplicated). */
  invalid: Array<{ repository: string; name: string; file: string; message: string }>;
}

interface Prepared {
  target: RepositoryTarget;
  commit: string;
  devices: LoadedDevice[];
  issues: ReturnType<typeof indexDriftIssues>;
}

async function prepare(deps: FanOutDeps, target: RepositoryTarget, selector: DriftSelector | undefined, result: FanOutResult): Promise<Prepared> {
  const { repository } = target;
  const branch = repository.defaultBranch;
  const repo = await deps.repos.open(repository.fullName);
  const token = await target.gitToken();
  const ref = `refs/ase/default/${branch}`;
  await repo.fetch({ url: repository.cloneUrl, refspecs: [`+refs/heads/${branch}:${ref}`], ...(token ? { token } : {}) });
  const commit = await repo.resolve(ref);
  const worktree = await repo.worktree(commit);
  let fleet;
  try {
    const root = deps.fleetPath ? join(worktree.path, deps.fleetPath) : worktree.path;
    fleet = await deps.repos.loadFleet(root, { credentialPrefix: deps.credentialPrefix }).catch(() => ({ devices: [], invalid: [] }));
  } finally {
    await worktree.dispose();
  }
  const prefix = (file: string) => (deps.fleetPath ? `${deps.fleetPath}/${file}` : file);
  const { unique: once, duplicates } = splitDuplicates(fleet.devices);
  for (const i of fleet.invalid)
    result.invalid.push({ repository: repository.fullName, name: i.name, file: prefix(i.file), message: i.errors[0]?.message ?? "invalid manifest" });
  for (const d of duplicates) {
    result.invalid.push({
      repository: repository.fullName,
      name: d.manifest.metadata.name,
      file: prefix(d.file),
      message: "DUPLICATE_DEVICE: defined more than once",
    });
  }
  const unique = once.map((d) => ({ ...d, file: prefix(d.file) }));
  const { selected, unknown } = selectDevices(unique, selector);
  result.unknown.push(...unknown);
  result.matched += selected.length;
  // One listing per run (bounded: at most one issue per device ever) instead of a search per device.
  const issues =
    selected.length > 0 ? indexDriftIssues(await target.github.listIssuesByLabel(parseRepoRef(repository.fullName), DRIFT_LABEL)) : new Map();
  return { target, commit, devices: selected, issues };
}

export async function startDriftRun(deps: FanOutDeps, request: FanOutRequest): Promise<FanOutResult> {
  const result: FanOutResult = { runId: request.runId, queued: 0, unknown: [], matched: 0, invalid: [] };
  const prepared: Prepared[] = [];
  for (const target of request.targets) prepared.push(await prepare(deps, target, request.selector, result));
  const total = prepared.reduce((sum, p) => sum + p.devices.length, 0);
  await deps.runs.createRun({
    runId: request.runId,
    trigger: request.trigger,
    repositories: request.targets.map((t) => t.repository.fullName),
    total,
  });
  for (const p of prepared) {
    for (const device of p.devices) {
      const name = device.manifest.metadata.name;
      const message: DriftDeviceJob = {
        version: 1,
        kind: "drift-device",
        runId: request.runId,
        trigger: request.trigger,
        ...(p.target.installationId !== undefined ? { installationId: p.target.installationId } : {}),
        repository: p.target.repository,
        commit: p.commit,
        device: name,
        file: device.file,
        issue: p.issues.get(name) ?? null,
      };
      await deps.queue.send(DRIFT_DEVICE_QUEUE, message);
      result.queued++;
    }
  }
  // A run with nothing to check is complete now; otherwise the job with the last result says so.
  if (total === 0)
    deps.log?.info(summaryLine({ checked: 0, converged: 0, drifted: 0, unreachable: 0, skipped: 0 }, `run ${request.runId} (${request.trigger})`));
  deps.log?.info(
    `drift run ${request.runId} (${request.trigger}): ${result.queued} device check(s) queued${result.unknown.length ? `, unknown: ${result.unknown.join(", ")}` : ""}${result.invalid.length ? `, ${result.invalid.length} invalid manifest(s)` : ""}`,
  );
  return result;
}
