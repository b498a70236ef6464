/**
 * The plan job for one pull request head: fetch, find the changed manifests, observe (only
 * trusted endpoints), plan, then report: one sticky comment and the `ase-gitops/plan` check
 * run. At most three GitHub writes per update (check run create, check run complete,
 * comment) plus one per extra batch of 50 annotations.
 *
 * Superseding: the newest head per pull request is recorded in a table; a job whose head is
 * no longer the newest skips its work, and never writes the comment over a newer plan.
 */
import { join } from "node:path";
import { code, codeBlock } from "../../core/markdown/escape.js";
import { manifestChanges } from "../../core/changes/changed-files.js";
import { fetchPullRequest } from "./pull-request-fetch.js";
import type { RepoCache, Worktree } from "../../ports/repo-cache.js";
import { type FleetLoad, type LoadedDevice, parseManifestText } from "../../core/manifest/load.js";
import { planFleet, rolloutOf, summarize } from "../../core/plan/planner.js";
import type { Plan } from "../../core/plan/types.js";
import type { PrHeadStore } from "../../ports/pr-heads.js";
import { checkOutputs, conclusionOf } from "../../core/report/check-output.js";
import { decideObservation, trustNotes } from "../../core/trust/endpoint-trust.js";
import type { PlanJob } from "../../core/messages/jobs.js";
import type { ObservePort } from "../../ports/observe.js";
import {
  buildPlanComment,
  detailsText,
  nothingToPlanComment,
  PLAN_MARKER,
  type PlanComment,
  readCommentMeta,
} from "../../core/report/plan-comment.js";
import { type CheckConclusion, type CheckRunOutput, type CheckRuns, type IssueComments, parseRepoRef, type RepoRef } from "../../ports/github.js";
import { PLAN_CHECK_NAME } from "../accept-webhook/webhook-router.js";

export interface PlanJobDeps {
  github: IssueComments & CheckRuns;
  /** Token for https clone URLs (installation token with App auth). */
  gitToken: () => Promise<string>;
  repos: RepoCache;
  heads: PrHeadStore;
  observe: ObservePort;
  allowedEndpoints: readonly string[];
  /** Folder of the fleet inside the repository ("" = the whole repository). */
  fleetPath: string;
  /** The device credential namespace (ASE_GITOPS_CREDENTIAL_PREFIX): names outside it are INVALID_MANIFEST. */
  credentialPrefix?: string;
  log?: { info(message: string): void; warn(message: string): void };
}

export type PlanJobOutcome =
  | { outcome: "superseded"; by: string }
  | {
      outcome: "planned";
      conclusion: string;
      devices: number;
      comment: "created" | "updated" | "unchanged" | "skipped-superseded" | "none";
      writes: number;
      omittedFromComment: number;
    };

export interface PlanJobAttempt {
  /** 1-based; the queue's dequeue count. */
  attempt: number;
  /** After this many the message goes to the poison queue. */
  maxAttempts: number;
}

interface Planned {
  plan: Plan;
  notes: string[];
}

export async function runPlanJob(deps: PlanJobDeps, job: PlanJob, attempt: PlanJobAttempt = { attempt: 1, maxAttempts: 1 }): Promise<PlanJobOutcome> {
  const repo = parseRepoRef(job.repository.fullName);
  const pr = job.pullRequest;
  const tag = `${job.repository.fullName}#${pr.number}@${pr.headSha.slice(0, 7)}`;

  const newest = await newestHead(deps, job);
  if (newest && newest !== pr.headSha) {
    deps.log?.info(`${tag}: superseded by ${newest.slice(0, 7)}; nothing to do`);
    return { outcome: "superseded", by: newest };
  }

  let writes = 0;
  const counted = async <T>(call: () => Promise<T>) => {
    writes++;
    return call();
  };
  // A retry of this job picks up the check run its earlier attempt left in progress.
  const resumed =
    attempt.attempt > 1
      ? (await deps.github.listCheckRuns(repo, pr.headSha, PLAN_CHECK_NAME)).find(
          (run) => run.status !== "completed" && run.externalId === job.deliveryId,
        )
      : undefined;
  // Check runs need a GitHub App token; with a personal access token GitHub answers 403.
  // Then the comment alone carries the plan (and the log says why there is no check).
  let check: { id: number } | undefined = resumed;
  if (!check) {
    try {
      check = await counted(() =>
        deps.github.createCheckRun(repo, {
          name: PLAN_CHECK_NAME,
          headSha: pr.headSha,
          status: "in_progress",
          externalId: job.deliveryId,
          output: { title: "Planning…", summary: `Planning the device manifests changed in #${pr.number} at \`${pr.headSha}\`.` },
        }),
      );
    } catch (error) {
      if ((error as { code?: unknown }).code !== "GITHUB_FORBIDDEN") throw error;
      deps.log?.warn(`${tag}: cannot create check runs (${(error as Error).message}); posting the comment only. Use GitHub App auth for check runs.`);
    }
  }
  const updateCheck = async (update: Parameters<CheckRuns["updateCheckRun"]>[2]) => {
    if (check) await counted(() => deps.github.updateCheckRun(repo, check.id, update));
  };

  let conclusion: string;
  let commentResult: Extract<PlanJobOutcome, { outcome: "planned" }>["comment"] = "skipped-superseded";
  let devices = 0;
  let omitted = 0;
  try {
    const { plan, notes } = await planChanges(deps, job);
    devices = plan.devices.length;
    const context = { headSha: pr.headSha, pullRequest: pr.number, notes, ...(pr.updatedAt ? { updatedAt: pr.updatedAt } : {}) };
    const comment = plan.devices.length === 0 ? nothingToPlanComment(context) : buildPlanComment(plan, context);
    omitted = comment.omitted.length;

    // Re-check just before writing: a newer push may have arrived while we planned.
    const newer = await newestHead(deps, job, true);
    if (!newer || newer === pr.headSha) {
      commentResult = await upsertComment(deps.github, repo, pr.number, comment, context, plan.devices.length === 0, counted);
    }

    const { outputs } = checkOutputs(plan, { notes, text: detailsText(comment.omitted), folder: deps.fleetPath });
    conclusion = conclusionOf(plan);
    const [first, ...more] = outputs as [CheckRunOutput, ...CheckRunOutput[]];
    await updateCheck({ conclusion: conclusion as CheckConclusion, output: first });
    for (const output of more) await updateCheck({ output });
  } catch (error) {
    // Only a failure known to be terminal stops here; an unknown one (a storage hiccup)
    // is tried again by the queue like a transient one.
    const transient = (error as { transient?: unknown }).transient !== false;
    if (!transient || attempt.attempt >= attempt.maxAttempts) {
      // Terminal (or out of retries): say so on the check run, so the PR is not left waiting.
      const message = (error as Error).message ?? String(error);
      await updateCheck({
        conclusion: "failure",
        output: {
          title: "Could not plan",
          summary: `ase-gitops could not plan this commit${transient ? ` after ${attempt.attempt} attempts` : ""}:\n\n${codeBlock(message.slice(0, 2000))}`,
        },
      }).catch(() => undefined);
    }
    throw error;
  }

  deps.log?.info(`${tag}: ${conclusion}, ${devices} devices, comment ${commentResult}, ${writes} GitHub writes`);
  return { outcome: "planned", conclusion, devices, comment: commentResult, writes, omittedFromComment: omitted };
}

/** The newest head recorded for the PR (recording ours first when the job knows its time). */
async function newestHead(deps: PlanJobDeps, job: PlanJob, readOnly = false): Promise<string | undefined> {
  const { fullName } = job.repository;
  const pr = job.pullRequest;
  if (pr.updatedAt && !readOnly) return (await deps.heads.advance(fullName, pr.number, { headSha: pr.headSha, updatedAt: pr.updatedAt })).headSha;
  return (await deps.heads.get(fullName, pr.number))?.headSha;
}

async function upsertComment(
  github: IssueComments & CheckRuns,
  repo: RepoRef,
  number: number,
  comment: PlanComment,
  context: { headSha: string; updatedAt?: string },
  nothingToPlan: boolean,
  counted: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<"created" | "updated" | "unchanged" | "skipped-superseded" | "none"> {
  const existing = await github.findIssueComment(repo, number, PLAN_MARKER);
  if (!existing) {
    // A PR that never touched manifests gets no comment at all.
    if (nothingToPlan) return "none";
    await counted(() => github.createIssueComment(repo, number, comment.body));
    return "created";
  }
  const meta = readCommentMeta(existing.body);
  if (meta?.hash === comment.hash && meta.sha === context.headSha) return "unchanged";
  // A newer plan is already there (its job ran first): leave it.
  if (meta && meta.sha !== context.headSha && meta.updatedAt && context.updatedAt && meta.updatedAt > context.updatedAt) return "skipped-superseded";
  await counted(() => github.updateIssueComment(repo, existing.id, comment.body));
  return "updated";
}

async function planChanges(deps: PlanJobDeps, job: PlanJob): Promise<Planned> {
  const pr = job.pullRequest;
  const cache = await deps.repos.open(job.repository.fullName);
  const needsToken = [job.repository.cloneUrl, pr.headCloneUrl].some((url) => url.startsWith("https://"));
  const token = needsToken ? await deps.gitToken() : undefined;
  const fetched = await fetchPullRequest(
    cache,
    {
      cloneUrl: job.repository.cloneUrl,
      headCloneUrl: pr.headCloneUrl,
      defaultBranch: job.repository.defaultBranch,
      baseRef: pr.baseRef,
      headRef: pr.headRef,
      headSha: pr.headSha,
      number: pr.number,
    },
    token,
  );
  const folder = deps.fleetPath;
  const changes = manifestChanges(fetched.changes, folder);
  const notes: string[] = [];
  if (changes.length === 0) return { plan: { devices: [], summary: summarize([]) }, notes };

  const rel = (path: string) => (folder ? path.slice(folder.length + 1) : path);
  const inFleet = (path: string | undefined) => path !== undefined && (folder === "" || path.startsWith(`${folder}/`));
  const changedNow = new Set(changes.filter((c) => c.status !== "deleted" && inFleet(c.path)).map((c) => rel(c.path)));

  const worktrees: Worktree[] = [];
  try {
    const head = await cache.worktree(pr.headSha);
    worktrees.push(head);
    const headFleet = await loadFleetAt(deps.repos, head.path, folder, deps.credentialPrefix);
    const touched = (file: string | undefined) => file !== undefined && changedNow.has(file);
    const changedDevices: LoadedDevice[] = headFleet.devices.filter((d) => touched(d.file));

    let defaultFleet: FleetLoad = { devices: [], invalid: [] };
    if (changedDevices.length > 0) {
      const trusted = await cache.worktree(fetched.defaultTip);
      worktrees.push(trusted);
      defaultFleet = await loadFleetAt(deps.repos, trusted.path, folder, deps.credentialPrefix);
    }
    const decision = decideObservation(changedDevices, defaultFleet, deps.allowedEndpoints);
    notes.push(...trustNotes(decision.unobserved));
    const observed = await deps.observe(decision.targets);
    notes.push(...observed.notes);

    // Plan the whole head fleet (duplicates across files need it), report the changed part.
    const full = planFleet(headFleet, observed.observed);
    const devices = full.devices.filter((d) => touched(d.file) || [...d.errors, ...d.warnings].some((p) => touched(p.file)));

    const removed = await removedDevices(cache, fetched.mergeBase, changes, headFleet, folder);
    if (removed.length > 0) {
      const names = removed.slice(0, 8).map(code).join(", ");
      notes.push(
        `Removed from the fleet: ${names}${removed.length > 8 ? ` and ${removed.length - 8} more` : ""}. Their manifests are deleted in this pull request, so ase-gitops stops planning and reconciling them; nothing on the devices is deleted.`,
      );
    }
    const rollout = devices.length > 0 ? rolloutOf(headFleet, new Set(devices.map((d) => d.name))) : undefined;
    return { plan: { devices, summary: summarize(devices), ...(rollout ? { rollout } : {}) }, notes };
  } finally {
    await Promise.all(worktrees.map((w) => w.dispose().catch(() => undefined)));
  }
}

async function loadFleetAt(repos: RepoCache, checkout: string, folder: string, credentialPrefix: string | undefined): Promise<FleetLoad> {
  try {
    return await repos.loadFleet(folder ? join(checkout, folder) : checkout, { credentialPrefix });
  } catch (error) {
    // The fleet folder does not exist at this commit: an empty fleet, not a failure.
    if ((error as { code?: unknown }).code === "FLEET_PATH_NOT_FOUND") return { devices: [], invalid: [] };
    throw error;
  }
}

/** Names of devices whose manifests the PR deleted (or renamed away) and that are gone at head. */
async function removedDevices(
  cache: Awaited<ReturnType<RepoCache["open"]>>,
  mergeBase: string,
  changes: ReturnType<typeof manifestChanges>,
  headFleet: FleetLoad,
  folder: string,
): Promise<string[]> {
  // A manifest that is invalid at head still names its device (or at least its file): it is
  // reported as invalid in the plan, not as removed (issue 9, item 8).
  const atHead = new Set([...headFleet.devices.map((d) => d.manifest.metadata.name), ...headFleet.invalid.map((i) => i.name)]);
  const rel = (path: string) => (folder ? path.slice(folder.length + 1) : path);
  const brokenAtHead = new Set(headFleet.invalid.map((i) => i.file));
  const oldPaths = changes.flatMap((c) =>
    c.status === "deleted" ? [c.path] : c.status === "renamed" && c.previousPath && !brokenAtHead.has(rel(c.path)) ? [c.previousPath] : [],
  );
  const names = new Set<string>();
  for (const path of oldPaths) {
    if (folder && !path.startsWith(`${folder}/`)) continue;
    const text = await cache.show(mergeBase, path);
    if (text === undefined) continue;
    for (const device of parseManifestText(text, path).devices) {
      const name = device.manifest.metadata.name;
      if (!atHead.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}
