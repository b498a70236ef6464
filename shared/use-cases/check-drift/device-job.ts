/**
 * The drift job for one device: read its manifest at the run's default-branch commit,
 * observe and assess it, keep its drift issue in step, queue a safe remediation, record the
 * result. The job that records a run's last result writes the run's summary line.
 * Transient failures (git, GitHub, storage) are thrown so the queue retries; a device that
 * does not answer is a result (UNREACHABLE), not a failure.
 */
import type { DeviceAccess } from "../../ports/device.js";
import type { RepoCache } from "../../ports/repo-cache.js";
import { parseRepoRef } from "../../ports/github.js";
import { parseManifestText } from "../../core/manifest/load.js";
import { resolveFileResult, textReader } from "../../core/manifest/referenced-files.js";
import type { ApplyJob } from "../../core/messages/apply.js";
import type { DeviceDriftReport } from "../../core/drift/assess.js";
import { checkDevice } from "./check-device.js";
import { type DriftGitHub, type IssueSyncResult, syncDriftIssue } from "./drift-issue.js";
import type { DriftDeviceJob } from "../../core/messages/drift.js";
import type { DriftRuns } from "../../ports/drift-runs.js";
import { summaryLine } from "../../core/drift/summary.js";

export interface DriftJobDeps {
  repos: RepoCache;
  gitToken: () => Promise<string | undefined>;
  github: DriftGitHub;
  device: DeviceAccess;
  runs: DriftRuns;
  enqueueApply: (job: ApplyJob) => Promise<void>;
  log?: { info(message: string): void; warn(message: string): void };
}

export interface DriftJobOutcome {
  device: string;
  status: DeviceDriftReport["status"];
  codes: string[];
  issue: IssueSyncResult;
  remediation: DeviceDriftReport["remediation"]["action"];
  /** Set on the job that completed its run. */
  runSummary?: string;
}

export async function runDriftDeviceJob(deps: DriftJobDeps, job: DriftDeviceJob): Promise<DriftJobOutcome> {
  const repository = job.repository.fullName;
  const repo = await deps.repos.open(repository);
  if (!(await repo.hasCommit(job.commit))) {
    const token = await deps.gitToken();
    const branch = job.repository.defaultBranch;
    await repo.fetch({ url: job.repository.cloneUrl, refspecs: [`+refs/heads/${branch}:refs/ase/default/${branch}`], ...(token ? { token } : {}) });
  }
  const text = await repo.show(job.commit, job.file);
  const parsed = text === undefined ? undefined : parseManifestText(text, job.file, { credentialPrefix: deps.device.credentialPrefix });
  const loaded =
    parsed &&
    (await resolveFileResult(
      parsed,
      textReader((path) => repo.show(job.commit, path)),
    ));
  const device = loaded?.devices.find((d) => d.manifest.metadata.name === job.device);

  let report: DeviceDriftReport;
  if (!device) {
    const message = `${job.file} at ${job.commit.slice(0, 7)} does not define a valid device ${job.device}`;
    report = {
      device: job.device,
      file: job.file,
      status: "skipped",
      drift: [],
      remediation: { policy: "report", action: "none", reason: message },
      error: { code: "INVALID_MANIFEST", message, transient: false },
    };
  } else {
    report = await checkDevice({ manifest: device.manifest, file: job.file, lines: device.lines }, deps.device);
  }

  const issue = await syncDriftIssue(deps.github, {
    repo: parseRepoRef(repository),
    report,
    defaultBranch: job.repository.defaultBranch,
    known: job.issue,
  });

  if (report.remediation.action === "remediate") {
    await deps.enqueueApply({
      version: 1,
      kind: "apply",
      deliveryId: `drift-${job.runId}`.slice(0, 200),
      ...(job.installationId !== undefined ? { installationId: job.installationId } : {}),
      repository: job.repository,
      commit: job.commit,
      device: job.device,
      file: job.file,
      reason: "drift-remediation",
      requeues: 0,
      failures: 0,
      waits: 0,
    });
  }

  const codes = [...new Set(report.drift.map((d) => d.code))];
  deps.log?.info(
    `drift ${job.device}: ${report.status}${codes.length ? ` (${codes.join(", ")})` : ""}; issue ${issue.action}${issue.number ? ` #${issue.number}` : ""}; remediation ${report.remediation.action}`,
  );
  const recorded = await deps.runs.putResult(job.runId, {
    repository,
    device: job.device,
    file: job.file,
    status: report.status,
    codes,
    issue: { action: issue.action, ...(issue.number ? { number: issue.number } : {}) },
    remediation: { action: report.remediation.action, reason: report.remediation.reason },
    ...(report.error ? { message: `${report.error.code}: ${report.error.message}` } : {}),
  });
  let runSummary: string | undefined;
  if (recorded.completed && recorded.run) {
    const c = recorded.run.counts;
    runSummary = summaryLine({ checked: c.converged + c.drifted + c.unreachable, ...c }, `run ${job.runId} (${recorded.run.trigger})`);
    deps.log?.info(runSummary);
  }
  return { device: job.device, status: report.status, codes, issue, remediation: report.remediation.action, ...(runSummary ? { runSummary } : {}) };
}
