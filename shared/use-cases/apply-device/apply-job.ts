/**
 * The apply job for one device at one pushed commit: the reconcile shell around one
 * bounded turn (advance-device.ts). Its lifecycle, every branch ending in `finish`:
 *
 * 1. take the device lock (apply-locks.ts); busy -> requeue, which is not a try;
 * 2. skip a commit older than the one applied, or than the newest one pushed;
 * 3. read the manifest at the commit;
 * 4. turn: check the running operation or start the next step, for at most the budget;
 * 5. one status object, finalised in one place: record the result, journal it (awaited),
 *    report it, requeue the job when it waits or has more to do, release the lock.
 *
 * Tries are failures: a transient failure requeues the job with `failures + 1` (backoff);
 * waiting for a lock or for an operation is free. The queue's own dequeue count only grows
 * when a worker died or timed out mid-turn, and the next turn simply observes again.
 */
import { randomUUID } from "node:crypto";
import { asDeviceError } from "../../core/errors/device-error.js";
import { isRefusal } from "./fleet.js";
import { observe } from "../observe-device/observe.js";
import type { Connected, DeviceAccess } from "../../ports/device.js";
import { beginStep, continueStep, type StepContext } from "./step-operations.js";
import { assertVmCredentials, vmAdminFrom } from "../../core/device/templates.js";
import type { CachedRepo, RepoCache } from "../../ports/repo-cache.js";
import { parseManifestText } from "../../core/manifest/load.js";
import { customDataHashOf, resolveFileResult, textReader } from "../../core/manifest/referenced-files.js";
import type { EdgeDevice } from "../../core/manifest/schema.js";
import { planDevice } from "../../core/plan/planner.js";
import type { ApplyJournal } from "../../ports/apply-journal.js";
import type { ApplyLocks, HeldLock } from "../../ports/apply-locks.js";
import type { DeviceOutcome, ReconcileRuns } from "../../ports/reconcile-runs.js";
import { advanceDevice, type TurnEvent, type TurnResult } from "./advance-device.js";
import { type ApplySettings, DEFAULT_APPLY_SETTINGS } from "./apply-settings.js";
import { APPLY_QUEUE, type ApplyJob } from "../../core/messages/apply.js";
import { runningStepMessage } from "./typical-durations.js";

export interface ApplyJobDeps {
  repos: RepoCache;
  gitToken: () => Promise<string | undefined>;
  locks: ApplyLocks;
  journal: ApplyJournal;
  runs: ReconcileRuns;
  /** Puts a job back on the queue, invisible for `delaySeconds`. */
  requeue: (queue: string, message: ApplyJob, delaySeconds: number) => Promise<void>;
  connect: (manifest: EdgeDevice) => Connected;
  deviceSettings: DeviceAccess;
  /** Called after every recorded outcome: updates the check run and, at the end, the PR. */
  report: (repository: string, commit: string) => Promise<void>;
  log?: { info(message: string): void; warn(message: string): void };
  settings?: Partial<ApplySettings>;
  /** Cancels the turn (the host shutting down); the budget is added to it. */
  signal?: AbortSignal;
  now?: () => number;
}

export interface ApplyAttempt {
  /** 1-based dequeue count (grows only when a worker died or timed out). */
  attempt: number;
  maxAttempts: number;
}

export type ApplyJobOutcome = { outcome: "requeued"; reason: string; delaySeconds: number } | { outcome: DeviceOutcome; message?: string };

/** Whether `older` is an ancestor of `newer` (false when unrelated or unknown). */
async function isAncestor(repo: CachedRepo, older: string, newer: string): Promise<boolean> {
  if (older === newer || !(await repo.hasCommit(newer))) return false;
  return (await repo.mergeBase(older, newer)) === older;
}

const sleepFor = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** The one status object of a turn: filled in by the lifecycle, written by `finish`. */
interface Status {
  outcome: DeviceOutcome | "requeued";
  message?: string;
  /** Requeue: after how long, and the message to send. */
  requeue?: { delaySeconds: number; job: ApplyJob; reason: string };
  step?: number;
  action?: string;
  stepsDone?: number;
  total?: number;
  /** Device state to merge (applied/attempted commit, outcome). */
  deviceState?: { appliedCommit?: string; attemptedCommit?: string; outcome?: DeviceOutcome };
  /** Written as a result row and reported (false for a job that only waited for the lock). */
  report: boolean;
  /** Whether the job keeps owning the device (it comes back). */
  keepOwner: boolean;
  /** The step a waiting job waits for (shown while it runs). */
  pendingStep?: { action: string; vm?: string; startedAt: Date };
}

export async function runApplyJob(deps: ApplyJobDeps, job: ApplyJob, attempt: ApplyAttempt): Promise<ApplyJobOutcome> {
  const settings = { ...DEFAULT_APPLY_SETTINGS, ...deps.settings };
  const now = deps.now ?? Date.now;
  const repository = job.repository.fullName;
  const invocation = randomUUID();
  const tries = job.failures + 1;
  const journal = (entry: {
    step: number;
    action: string;
    status: string;
    vm?: string;
    deployment?: string;
    customDataSha256?: string;
    message?: string;
  }) => deps.journal.append({ repository, device: job.device, commit: job.commit, attempt: tries, ...entry });
  const turnStarted = now();
  const budget = AbortSignal.timeout(settings.budgetMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, budget]) : budget;

  const acquired = await deps.locks.acquire(repository, job.device, {
    commit: job.commit,
    invocation,
    holdMs: settings.budgetMs + settings.holdMarginMs,
    ownerMs: settings.ownerLeaseMs,
  });
  let lock: HeldLock | undefined = "lock" in acquired ? acquired.lock : undefined;
  let repo: CachedRepo | undefined;
  const openRepo = async () => {
    if (repo) return repo;
    const opened = await deps.repos.open(repository);
    if (!(await opened.hasCommit(job.commit))) {
      const token = await deps.gitToken();
      await opened.fetch({
        url: job.repository.cloneUrl,
        refspecs: [`+refs/heads/${job.repository.defaultBranch}:refs/ase/default/${job.repository.defaultBranch}`],
        ...(token ? { token } : {}),
      });
    }
    repo = opened;
    return opened;
  };
  if ("busy" in acquired && acquired.busy.owner && !acquired.busy.working && acquired.busy.owner !== job.commit) {
    // The owner is an older commit and between turns, and this job's commit is the newest
    // pushed for the device: it takes over now (the older one stops at its next turn).
    const pushed = (await deps.runs.deviceState(repository, job.device)).pushedCommit;
    const mine = pushed === job.commit ? await openRepo().catch(() => undefined) : undefined;
    if (mine && (await isAncestor(mine, acquired.busy.owner, job.commit))) {
      const again = await deps.locks.acquire(repository, job.device, {
        commit: job.commit,
        invocation,
        holdMs: settings.budgetMs + settings.holdMarginMs,
        ownerMs: settings.ownerLeaseMs,
        takeOver: true,
      });
      if ("lock" in again) {
        lock = again.lock;
        deps.log?.info(`${job.device}@${job.commit.slice(0, 7)}: took the device over from the older ${acquired.busy.owner.slice(0, 7)}`);
      }
    }
  }

  const status: Status = { outcome: "failed", report: true, keepOwner: false };
  const requeueAfter = (delayMs: number, reason: string, next: Partial<ApplyJob> = {}) => {
    status.outcome = "requeued";
    status.keepOwner = true;
    status.requeue = { delaySeconds: Math.max(0, Math.ceil(delayMs / 1000)), job: { ...job, ...next }, reason };
  };

  try {
    if (!lock) {
      status.report = false;
      status.keepOwner = false;
      if (job.requeues >= settings.maxRequeues) {
        status.report = true;
        status.outcome = "failed";
        status.message = `the device stayed busy with other jobs; gave up after ${job.requeues} requeues`;
      } else {
        requeueAfter(settings.lockRetryMs, "device busy", { requeues: job.requeues + 1 });
        status.keepOwner = false;
      }
      return await finish();
    }

    const opened = await openRepo();
    const state = await deps.runs.deviceState(repository, job.device);
    const newer =
      state.appliedCommit && state.appliedCommit !== job.commit && (await isAncestor(opened, job.commit, state.appliedCommit))
        ? `the newer commit ${state.appliedCommit.slice(0, 7)} is already applied to ${job.device}`
        : state.pushedCommit && (await isAncestor(opened, job.commit, state.pushedCommit))
          ? `the newer commit ${state.pushedCommit.slice(0, 7)} was pushed for ${job.device}`
          : undefined;
    if (newer && !lock.record.pending) {
      status.outcome = "skipped-stale";
      status.message = `skipped: ${newer}`;
      return await finish();
    }

    const text = await opened.show(job.commit, job.file);
    const parsed = text === undefined ? undefined : parseManifestText(text, job.file, { credentialPrefix: deps.deviceSettings.credentialPrefix });
    // ssh key and customData files from the same commit as the manifest.
    const loaded =
      parsed &&
      (await resolveFileResult(
        parsed,
        textReader((path) => repo!.show(job.commit, path)),
      ));
    const device = loaded?.devices.find((d) => d.manifest.metadata.name === job.device);
    if (!device) {
      const problem = loaded?.invalid[0]?.errors[0];
      status.outcome = "invalid";
      status.message = problem
        ? `invalid manifest: ${problem.message} (${job.file}:${problem.line ?? 1})`
        : `${job.file} at ${job.commit.slice(0, 7)} does not define device ${job.device}`;
      return await finish();
    }
    if (state.attemptedCommit !== job.commit) await deps.runs.putDeviceState(repository, job.device, { attemptedCommit: job.commit });

    let turn: TurnResult;
    let connected: Connected | undefined;
    try {
      connected = deps.connect(device.manifest);
      const { port } = connected;
      const held = lock;
      const input = { manifest: device.manifest, file: device.file, lines: device.lines };
      const ctx: StepContext = {
        port,
        manifest: device.manifest,
        windowsDriver: deps.deviceSettings.windowsDriver,
        vmAdmin: vmAdminFrom(deps.deviceSettings),
      };
      let stepNumber = 0;
      turn = await advanceDevice(
        {
          observe: async () => {
            const observed = await observe(port, deps.deviceSettings.retry);
            ctx.release = observed.softwareVersion;
            return observed;
          },
          plan: (observed) => {
            const plan = planDevice(input, observed);
            // A Windows VM's password setting must be there before anything is deployed.
            if (plan.feasible) assertVmCredentials(device.manifest, plan.steps, ctx.vmAdmin);
            return plan;
          },
          begin: (step) => beginStep(ctx, step),
          continueStep: (pending) => continueStep(ctx, pending),
          check: (ref) => port.checkOperation!(ref),
          record: (pending) => held.update({ pending }),
          journal: async (event: TurnEvent) => {
            if (event.status === "started") stepNumber++;
            await journal({
              step: stepNumber,
              action: event.action,
              status: event.status,
              ...(event.vm ? { vm: event.vm } : {}),
              ...(event.deployment ? { deployment: event.deployment } : {}),
              ...(event.action === "createVm" && event.vm ? customDataHashOf(device.manifest, event.vm) : {}),
              ...(event.operation || event.message ? { message: [event.message, event.operation].filter(Boolean).join(" ") } : {}),
            });
            if (event.status === "started") {
              deps.log?.info(`${job.device} ${event.action}${event.vm ? ` ${event.vm}` : ""}: started`);
              // Progress a person can follow: one result write and one report per started step.
              await deps.runs.putResult(repository, job.commit, {
                device: job.device,
                file: job.file,
                outcome: "running",
                attempt: tries,
                action: event.action,
                message: runningStepMessage(event.action, event.vm, new Date(now())),
              });
              await deps.report(repository, job.commit).catch((error: unknown) => deps.log?.warn(`report: ${(error as Error).message}`));
            }
          },
          supersededBy: async () => {
            const current = await deps.runs.deviceState(repository, job.device);
            return current.pushedCommit && (await isAncestor(opened, job.commit, current.pushedCommit)) ? current.pushedCommit : undefined;
          },
          signal,
          now,
          sleep: sleepFor,
        },
        {
          commit: job.commit,
          ...(lock.record.pending ? { pending: lock.record.pending } : {}),
          pollMs: settings.pollMs,
          maxDelayMs: settings.maxDelayMs,
          inlineWaitMs: settings.inlineWaitMs,
          deadline: turnStarted + settings.budgetMs,
        },
      );
    } catch (err) {
      const error = asDeviceError(err, job.device);
      turn = isRefusal(error)
        ? { status: "failed", code: error.code, message: error.message, transient: false, stepsDone: 0 }
        : { status: "failed", code: error.code, message: error.message, transient: error.transient, stepsDone: 0 };
      if (isRefusal(error)) {
        status.outcome = "refused";
        status.message = `${error.code}: ${error.message}`;
        status.deviceState = { outcome: "refused" };
        return await finish();
      }
    } finally {
      connected?.port.dispose?.();
    }

    switch (turn.status) {
      case "converged":
        status.outcome = "converged";
        status.stepsDone = turn.stepsDone;
        status.deviceState = { appliedCommit: job.commit, attemptedCommit: job.commit, outcome: "converged" };
        break;
      case "waiting":
        if (job.waits >= settings.maxWaits) {
          status.outcome = "failed";
          status.message = `still waiting for ${turn.pending.action} after ${job.waits} checks; giving up`;
          status.deviceState = { outcome: "failed" };
        } else {
          requeueAfter(turn.delayMs, `waiting for ${turn.pending.action}${turn.pending.vm ? ` ${turn.pending.vm}` : ""}`, { waits: job.waits + 1 });
          status.pendingStep = {
            action: turn.pending.action,
            ...(turn.pending.vm ? { vm: turn.pending.vm } : {}),
            startedAt: new Date(turn.pending.startedAt),
          };
        }
        break;
      case "continue":
        requeueAfter(0, "budget spent", { waits: job.waits + 1 });
        break;
      case "superseded":
        status.outcome = "skipped-stale";
        status.message = `stopped: the newer commit ${turn.by.slice(0, 7)} was pushed for ${job.device}`;
        break;
      case "lost-lock":
        // Another invocation owns the device now: it records the outcome, not us.
        status.outcome = "requeued";
        status.report = false;
        status.keepOwner = false;
        lock = undefined;
        deps.log?.warn(`${job.device}@${job.commit.slice(0, 7)}: the device lock was lost; stopping so two jobs never apply one device`);
        break;
      case "refused": {
        const first = turn.plan.errors[0];
        status.outcome = "refused";
        status.message = first ? `PLAN_INFEASIBLE: ${first.code}: ${first.message}` : "PLAN_INFEASIBLE: the plan is infeasible";
        status.deviceState = { outcome: "refused" };
        break;
      }
      case "failed": {
        status.message = `${turn.code}: ${turn.message}`;
        status.action = turn.action;
        status.stepsDone = turn.stepsDone;
        if (turn.transient && tries < attempt.maxAttempts) {
          requeueAfter(Math.min(settings.maxDelayMs, settings.failureBackoffMs * 2 ** job.failures), `try ${tries} failed: ${turn.code}`, {
            failures: tries,
          });
          status.report = true;
        } else {
          status.outcome = "failed";
          status.deviceState = { outcome: "failed" };
          if (turn.transient) status.message += ` (gave up after ${tries} tries)`;
        }
        break;
      }
    }
    return await finish();
  } catch (err) {
    // Storage or git failing under us: a failure of this try, requeued like any other.
    const error = asDeviceError(err, job.device);
    status.message = `${error.code}: ${error.message}`;
    if (tries < attempt.maxAttempts && lock)
      requeueAfter(Math.min(settings.maxDelayMs, settings.failureBackoffMs * 2 ** job.failures), `try ${tries} failed`, { failures: tries });
    else {
      status.outcome = "failed";
      status.deviceState = { outcome: "failed" };
    }
    return await finish();
  }

  /** The one place a turn's status is written: result, device state, journal, report, requeue, lock. */
  async function finish(): Promise<ApplyJobOutcome> {
    try {
      if (status.outcome === "failed" && lock) {
        // Never "failed" when the device is in fact converged at this commit.
        status.outcome = await convergedAnyway().then(
          (yes) => (yes ? "converged" : "failed"),
          () => "failed" as const,
        );
        if (status.outcome === "converged") status.deviceState = { appliedCommit: job.commit, attemptedCommit: job.commit, outcome: "converged" };
      }
      if (status.deviceState) await deps.runs.putDeviceState(repository, job.device, status.deviceState);
      if (status.requeue) {
        // A failed try is history too: `history DEVICE` shows every one.
        if (status.requeue.job.failures > job.failures)
          await journal({ step: 0, action: "try", status: "failed", ...(status.message ? { message: status.message } : {}) });
        await deps.requeue(APPLY_QUEUE, status.requeue.job, status.requeue.delaySeconds);
        if (status.report) {
          await deps.runs.putResult(repository, job.commit, {
            device: job.device,
            file: job.file,
            outcome: status.requeue.reason.startsWith("try") ? "pending" : "running",
            attempt: tries,
            message:
              status.message ??
              (status.pendingStep
                ? runningStepMessage(status.pendingStep.action, status.pendingStep.vm, status.pendingStep.startedAt)
                : status.requeue.reason),
          });
        }
        deps.log?.info(`${job.device}@${job.commit.slice(0, 7)}: ${status.requeue.reason}; back in ${status.requeue.delaySeconds} s`);
        return { outcome: "requeued", reason: status.requeue.reason, delaySeconds: status.requeue.delaySeconds };
      }
      if (status.outcome === "requeued") return { outcome: "requeued", reason: "lock lost", delaySeconds: 0 };
      await deps.runs.putResult(repository, job.commit, {
        device: job.device,
        file: job.file,
        outcome: status.outcome,
        attempt: tries,
        ...(status.message ? { message: status.message } : {}),
        ...(status.action ? { action: status.action } : {}),
        ...(status.stepsDone !== undefined ? { stepsDone: status.stepsDone } : {}),
      });
      await journal({ step: 0, action: "outcome", status: status.outcome, ...(status.message ? { message: status.message } : {}) });
      await deps
        .report(repository, job.commit)
        .catch((error: unknown) => deps.log?.warn(`report for ${repository}@${job.commit}: ${(error as Error).message}`));
      return { outcome: status.outcome, ...(status.message ? { message: status.message } : {}) };
    } finally {
      await lock?.release({ keepOwner: status.keepOwner });
    }
  }

  async function convergedAnyway(): Promise<boolean> {
    if (!repo) return false;
    const text = await repo.show(job.commit, job.file);
    const device =
      text === undefined
        ? undefined
        : parseManifestText(text, job.file, { credentialPrefix: deps.deviceSettings.credentialPrefix }).devices.find(
            (d) => d.manifest.metadata.name === job.device,
          );
    if (!device) return false;
    const { port } = deps.connect(device.manifest);
    try {
      const plan = planDevice({ manifest: device.manifest, file: device.file, lines: device.lines }, await observe(port, deps.deviceSettings.retry));
      return plan.feasible && plan.steps.length === 0;
    } finally {
      port.dispose?.();
    }
  }
}
