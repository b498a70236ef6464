/**
 * The reconcile job for one push to the default branch: find the devices it affects, open
 * the `ase-gitops/apply` check run on the pushed commit, and fan out one apply job per
 * device so the Functions host spreads apply work across instances. Idempotent: a
 * redelivered push finds its run, keeps finished results and re-sends only unfinished jobs.
 */
import { join } from "node:path";
import { manifestChanges, parseNameStatus } from "../../core/changes/changed-files.js";
import type { RepoCache } from "../../ports/repo-cache.js";
import { GitError } from "../../ports/repo-cache.js";
import type { ReconcileJob } from "../../core/messages/jobs.js";
import { type CheckRuns, parseRepoRef } from "../../ports/github.js";
import { type FleetLoad, parseManifestText } from "../../core/manifest/load.js";
import { FINAL_OUTCOMES, type ReconcileRuns } from "../../ports/reconcile-runs.js";
import { type AffectedDevices, type DeviceRef, affectedDevices } from "../../core/changes/affected-devices.js";
import { APPLY_CHECK_NAME, renderApplyReport } from "./apply-report.js";
import type { ApplyJob } from "../../core/messages/apply.js";

export interface ReconcileDeps {
  repos: RepoCache;
  gitToken: () => Promise<string | undefined>;
  runs: ReconcileRuns;
  github: Pick<CheckRuns, "createCheckRun">;
  enqueueApply: (job: ApplyJob) => Promise<void>;
  report: (repository: string, commit: string) => Promise<void>;
  /** Folder of the fleet inside the repository ("" = the whole repository). */
  fleetPath: string;
  /** The device credential namespace (ASE_GITOPS_CREDENTIAL_PREFIX): names outside it are invalid manifests. */
  credentialPrefix?: string;
  log?: { info(message: string): void; warn(message: string): void };
}

export interface ReconcileOutcome {
  commit: string;
  apply: number;
  unmanaged: number;
  invalid: number;
}

const ZERO_SHA = /^0{40}$/;

/** Paths relative to the fleet folder, as loadFleet gives them, back to repository paths. */
function toRepoPaths(fleet: FleetLoad, folder: string): FleetLoad {
  if (!folder) return fleet;
  const prefix = (file: string) => `${folder}/${file}`;
  return {
    devices: fleet.devices.map((d) => ({ ...d, file: prefix(d.file) })),
    invalid: fleet.invalid.map((i) => ({ ...i, file: prefix(i.file), name: i.name === i.file ? prefix(i.file) : i.name })),
  };
}

export async function findAffectedDevices(deps: ReconcileDeps, job: ReconcileJob): Promise<AffectedDevices> {
  const repo = await deps.repos.open(job.repository.fullName);
  const branch = job.repository.defaultBranch;
  const token = await deps.gitToken();
  await repo.fetch({ url: job.repository.cloneUrl, refspecs: [`+refs/heads/${branch}:refs/ase/default/${branch}`], ...(token ? { token } : {}) });
  if (!(await repo.hasCommit(job.after))) {
    throw new GitError("GIT_COMMIT_MISSING", `pushed commit ${job.after} is not on ${branch} any more (force-pushed away?)`, false);
  }
  const firstPush = ZERO_SHA.test(job.before) || !(await repo.hasCommit(job.before));
  const changes = firstPush ? [] : manifestChanges(parseNameStatus(await repo.diffNameStatus(job.before, job.after)), deps.fleetPath);

  const worktree = await repo.worktree(job.after);
  let after: FleetLoad;
  try {
    const root = deps.fleetPath ? join(worktree.path, deps.fleetPath) : worktree.path;
    after = toRepoPaths(
      await deps.repos.loadFleet(root, { credentialPrefix: deps.credentialPrefix }).catch(() => ({ devices: [], invalid: [] })),
      deps.fleetPath,
    );
  } finally {
    await worktree.dispose();
  }

  const before: DeviceRef[] = [];
  for (const change of changes) {
    if (change.status === "added") continue;
    const path = change.previousPath ?? change.path;
    const text = await repo.show(job.before, path);
    if (text === undefined) continue;
    for (const device of parseManifestText(text, path).devices) before.push({ device: device.manifest.metadata.name, file: path });
  }
  return affectedDevices(changes, after, before, firstPush);
}

export async function runReconcileJob(deps: ReconcileDeps, job: ReconcileJob): Promise<ReconcileOutcome> {
  const repository = job.repository.fullName;
  const affected = await findAffectedDevices(deps, job);
  const devices = [...affected.apply, ...affected.unmanaged, ...affected.invalid].map(({ device, file }) => ({ device, file }));
  const run = await deps.runs.createRun({ repository, commit: job.after, deliveryId: job.deliveryId, devices });

  const existing = new Map((await deps.runs.results(repository, job.after)).map((r) => [r.device, r]));
  const finished = (device: string) => {
    const result = existing.get(device);
    return result !== undefined && FINAL_OUTCOMES.has(result.outcome);
  };
  for (const ref of affected.unmanaged) {
    if (!finished(ref.device)) await deps.runs.putResult(repository, job.after, { ...ref, outcome: "unmanaged" });
  }
  for (const ref of affected.invalid) {
    if (!finished(ref.device))
      await deps.runs.putResult(repository, job.after, { device: ref.device, file: ref.file, outcome: "invalid", message: ref.message });
  }
  const toApply = affected.apply.filter((ref) => !finished(ref.device));
  for (const ref of toApply) {
    if (!existing.has(ref.device)) await deps.runs.putResult(repository, job.after, { ...ref, outcome: "pending" });
  }

  if (run.checkRunId === undefined && devices.length > 0) {
    const results = await deps.runs.results(repository, job.after);
    const created = await deps.github.createCheckRun(parseRepoRef(repository), {
      name: APPLY_CHECK_NAME,
      headSha: job.after,
      status: "in_progress",
      externalId: job.deliveryId,
      output: renderApplyReport({ ...run, devices }, results),
    });
    await deps.runs.setCheckRun(repository, job.after, created);
  }

  for (const ref of toApply) {
    // Recorded before the job is queued: a job of an older commit still applying the device
    // sees it at its next step boundary and hands the device over.
    await deps.runs.putDeviceState(repository, ref.device, { pushedCommit: job.after });
    await deps.enqueueApply({
      version: 1,
      kind: "apply",
      deliveryId: job.deliveryId,
      ...(job.installationId !== undefined ? { installationId: job.installationId } : {}),
      repository: job.repository,
      commit: job.after,
      device: ref.device,
      file: ref.file,
      reason: "merge",
      requeues: 0,
      failures: 0,
      waits: 0,
    });
  }
  deps.log?.info(
    `push ${job.after.slice(0, 7)}: ${toApply.length} apply job(s), ${affected.unmanaged.length} unmanaged, ${affected.invalid.length} invalid`,
  );
  // Nothing to apply (or only reports): the run can complete now.
  if (toApply.length === 0) await deps.report(repository, job.after);
  return { commit: job.after, apply: toApply.length, unmanaged: affected.unmanaged.length, invalid: affected.invalid.length };
}
