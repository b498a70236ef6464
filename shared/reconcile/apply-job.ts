/**
 * The apply job for one device at one pushed commit: the reconcile shell around the device
 * adapters' observe -> plan -> execute -> verify. Its lifecycle: lease the device (or wait,
 * or put the job back), skip a commit older than the one already applied, read the manifest
 * at the commit, apply, journal every step, record and report the outcome.
 *
 * Resuming is level-triggered: a redelivered job observes the device again and re-plans, so
 * steps that finished before a crash are no longer in the plan, and a step that was cut
 * short re-runs under its stable ARM deployment name (found, not duplicated).
 */
import type { ApplyOptions, ApplyResult, ProgressEvent } from "../device/apply.js";
import { applyDevice } from "../device/apply.js";
import type { Connected } from "../device/connect.js";
import type { DeviceSettings } from "../device/settings.js";
import { extensionDeploymentName, vmDeploymentName } from "../device/templates.js";
import { DeviceError, translateError } from "../device/errors.js";
import { isRefusal } from "../device/fleet.js";
import type { CachedRepo, RepoCache } from "../git/repo-cache.js";
import { parseManifestText } from "../manifest/load.js";
import type { EdgeDevice } from "../manifest/schema.js";
import { planDevice } from "../plan/planner.js";
import type { ApplyJournal } from "../store/apply-journal.js";
import type { DeviceLocks, DeviceLease } from "../store/device-lease.js";
import type { DeviceOutcome, ReconcileRuns } from "../store/reconcile-runs.js";
import { APPLY_QUEUE, type ApplyJob } from "./messages.js";

export interface ApplyJobDeps {
  repos: RepoCache;
  gitToken: () => Promise<string | undefined>;
  locks: DeviceLocks;
  journal: ApplyJournal;
  runs: ReconcileRuns;
  /** Puts a job back on the queue, invisible for `delaySeconds`. */
  requeue: (queue: string, message: ApplyJob, delaySeconds: number) => Promise<void>;
  connect: (manifest: EdgeDevice) => Connected;
  deviceSettings: DeviceSettings;
  /** Called after every recorded outcome: updates the check run and, at the end, the PR. */
  report: (repository: string, commit: string) => Promise<void>;
  log?: { info(message: string): void; warn(message: string): void };
  /** How long to wait for a busy device before putting the job back. */
  lockWaitMs?: number;
  lockPollMs?: number;
  requeueDelaySeconds?: number;
  maxRequeues?: number;
}

export interface ApplyAttempt {
  /** 1-based dequeue count. */
  attempt: number;
  maxAttempts: number;
}

export type ApplyJobOutcome =
  | { outcome: "requeued"; reason: string }
  | { outcome: DeviceOutcome; message?: string; retry?: boolean };

/** Thrown to make the queue deliver the job again (a transient failure). */
export class ApplyRetryError extends Error {
  readonly transient = true;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApplyRetryError";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function acquire(deps: ApplyJobDeps, job: ApplyJob): Promise<DeviceLease | undefined> {
  const deadline = Date.now() + (deps.lockWaitMs ?? 20_000);
  for (;;) {
    const lease = await deps.locks.tryAcquire(job.repository.fullName, job.device);
    if (lease || Date.now() >= deadline) return lease;
    await sleep(deps.lockPollMs ?? 1000);
  }
}

/** Whether `older` is an ancestor of `newer` (false when unrelated or unknown). */
async function isAncestor(repo: CachedRepo, older: string, newer: string): Promise<boolean> {
  if (!(await repo.hasCommit(newer))) return false;
  return (await repo.mergeBase(older, newer)) === older;
}

const deploymentOf = (event: ProgressEvent) =>
  event.vm === undefined
    ? undefined
    : event.action === "createVm"
      ? vmDeploymentName(event.vm)
      : event.action === "installGpuExtension"
        ? extensionDeploymentName(event.vm)
        : undefined;

export async function runApplyJob(deps: ApplyJobDeps, job: ApplyJob, attempt: ApplyAttempt): Promise<ApplyJobOutcome> {
  const repository = job.repository.fullName;
  const journal = (entry: { step: number; action: string; status: string; vm?: string; deployment?: string; message?: string }) =>
    deps.journal.append({ repository, device: job.device, commit: job.commit, attempt: attempt.attempt, ...entry });
  const record = async (outcome: DeviceOutcome, detail: { message?: string; step?: number; action?: string; stepsDone?: number; total?: number } = {}) => {
    await deps.runs.putResult(repository, job.commit, { device: job.device, file: job.file, outcome, attempt: attempt.attempt, ...detail });
    await journal({ step: 0, action: "outcome", status: outcome, ...(detail.message ? { message: detail.message } : {}) });
    await deps.report(repository, job.commit).catch((error: unknown) => deps.log?.warn(`report for ${repository}@${job.commit}: ${(error as Error).message}`));
  };

  const lease = await acquire(deps, job);
  if (!lease) {
    if (job.requeues >= (deps.maxRequeues ?? 360)) {
      await record("failed", { message: `the device stayed busy with other jobs; gave up after ${job.requeues} requeues` });
      return { outcome: "failed", message: "device busy" };
    }
    await deps.requeue(APPLY_QUEUE, { ...job, requeues: job.requeues + 1 }, deps.requeueDelaySeconds ?? 10);
    deps.log?.info(`${job.device}@${job.commit.slice(0, 7)}: device busy, job put back`);
    return { outcome: "requeued", reason: "device busy" };
  }
  try {
    const repo = await deps.repos.open(repository);
    if (!(await repo.hasCommit(job.commit))) {
      const token = await deps.gitToken();
      await repo.fetch({ url: job.repository.cloneUrl, refspecs: [`+refs/heads/${job.repository.defaultBranch}:refs/ase/default/${job.repository.defaultBranch}`], ...(token ? { token } : {}) });
    }
    const state = await deps.runs.deviceState(repository, job.device);
    if (state.appliedCommit && state.appliedCommit !== job.commit && (await isAncestor(repo, job.commit, state.appliedCommit))) {
      const message = `skipped: the newer commit ${state.appliedCommit.slice(0, 7)} is already applied to ${job.device}`;
      await record("skipped-stale", { message });
      return { outcome: "skipped-stale", message };
    }
    await deps.runs.putDeviceState(repository, job.device, { attemptedCommit: job.commit });
    await deps.runs.putResult(repository, job.commit, { device: job.device, file: job.file, outcome: "running", attempt: attempt.attempt });

    const text = await repo.show(job.commit, job.file);
    const loaded = text === undefined ? undefined : parseManifestText(text, job.file, { credentialPrefix: deps.deviceSettings.credentialPrefix });
    const device = loaded?.devices.find((d) => d.manifest.metadata.name === job.device);
    if (!device) {
      const problem = loaded?.invalid[0]?.errors[0];
      const message = problem ? `invalid manifest: ${problem.message} (${job.file}:${problem.line ?? 1})` : `${job.file} at ${job.commit.slice(0, 7)} does not define device ${job.device}`;
      await record("invalid", { message });
      return { outcome: "invalid", message };
    }

    let result: ApplyResult;
    try {
      const { port, password } = deps.connect(device.manifest);
      const options: ApplyOptions = {
        plan: (input, observed) => planDevice(input, observed),
        retry: deps.deviceSettings.retry,
        vmAdmin: { username: deps.deviceSettings.vmAdminUser, password: deps.deviceSettings.vmAdminPassword },
        devicePassword: password,
        windowsDriver: deps.deviceSettings.windowsDriver,
        onProgress: (event) => {
          // Lost the device's lease (a renewal failed): another job may own the device now.
          // Stop before the next step; the queue tries this job again.
          if (event.status === "started" && event.step > 0 && !lease.held) {
            throw new DeviceError("CONFLICT", `${job.device}: the device lock was lost before step ${event.step}; stopping so two jobs never apply one device`, true);
          }
          const deployment = deploymentOf(event);
          void journal({
            step: event.step,
            action: event.action,
            status: event.status,
            ...(event.vm ? { vm: event.vm } : {}),
            ...(deployment ? { deployment } : {}),
            ...(event.message ? { message: event.message } : {}),
          }).catch(() => undefined);
          if (event.status !== "retrying") deps.log?.info(`${job.device} step ${event.step}/${event.total} ${event.action}${event.vm ? ` ${event.vm}` : ""}: ${event.status}`);
        },
      };
      try {
        result = await applyDevice(port, { manifest: device.manifest, file: device.file, lines: device.lines }, options);
      } finally {
        port.dispose?.();
      }
    } catch (err) {
      const error = translateError(err, job.device);
      result = { device: job.device, file: job.file, status: isRefusal(error) ? "refused" : "failed", stepsDone: 0, error: { code: error.code, message: error.message, transient: error.transient } };
    }

    if (result.status === "converged") {
      await deps.runs.putDeviceState(repository, job.device, { appliedCommit: job.commit, attemptedCommit: job.commit, outcome: "converged" });
      await record("converged", { stepsDone: result.stepsDone, total: result.plan?.steps.length ?? 0 });
      return { outcome: "converged" };
    }
    const failedStep = result.error?.step ? result.plan?.steps.indexOf(result.error.step) : undefined;
    const detail = {
      message: result.error ? `${result.error.code}: ${result.error.message}` : result.status,
      ...(failedStep !== undefined && failedStep >= 0 ? { step: failedStep + 1, action: result.error!.step!.action } : {}),
      stepsDone: result.stepsDone,
      total: result.plan?.steps.length ?? 0,
    };
    if (result.status === "refused") {
      await deps.runs.putDeviceState(repository, job.device, { outcome: "refused" });
      await record("refused", detail);
      return { outcome: "refused", message: detail.message };
    }
    // Failed: a transient failure is tried again by the queue until its last attempt;
    // then, or for a terminal failure, the outcome is recorded and reported.
    const lastAttempt = attempt.attempt >= attempt.maxAttempts;
    if (result.error?.transient && !lastAttempt) {
      await deps.runs.putResult(repository, job.commit, { device: job.device, file: job.file, outcome: "pending", attempt: attempt.attempt, ...detail });
      throw new ApplyRetryError(result.error.code, detail.message);
    }
    await deps.runs.putDeviceState(repository, job.device, { outcome: "failed" });
    await record("failed", detail);
    if (result.error?.transient) throw new ApplyRetryError(result.error.code, `${detail.message} (last attempt)`);
    return { outcome: "failed", message: detail.message };
  } finally {
    await lease.release();
  }
}
