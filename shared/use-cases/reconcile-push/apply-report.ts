/**
 * Reports a merge: the `ase-gitops/apply` check run on the merge commit (a per-device table,
 * updated as devices finish, completed when the last one does) and one comment on the merged
 * pull request linking to it. One function sends every notification.
 */
import type { CheckConclusion, CheckRunOutput, CheckRuns, IssueComments, RepoRef } from "../../ports/github.js";
import { parseRepoRef } from "../../ports/github.js";
import { cell } from "../../core/markdown/escape.js";
import { type DeviceResult, FINAL_OUTCOMES, type ReconcileRun, type ReconcileRuns } from "../../ports/reconcile-runs.js";

export const APPLY_CHECK_NAME = "ase-gitops/apply";
export const APPLY_COMMENT_MARKER = "<!-- ase-gitops:apply -->";

export interface ReportDeps {
  runs: ReconcileRuns;
  github: Pick<CheckRuns, "createCheckRun" | "updateCheckRun"> & Pick<IssueComments, "createIssueComment">;
  /** Pull requests whose merge produced the commit (GitHub's commits/{sha}/pulls). */
  pullRequestsForCommit: (repo: RepoRef, sha: string) => Promise<number[]>;
  /** Intermediate check-run updates at most this often (the last one always goes out). */
  minUpdateIntervalMs?: number;
  now?: () => number;
}

const OUTCOME_LABEL: Record<DeviceResult["outcome"], string> = {
  pending: "⏳ pending",
  running: "🔄 applying",
  converged: "✅ converged",
  failed: "❌ failed",
  refused: "⛔ refused",
  invalid: "❌ invalid manifest",
  "skipped-stale": "⏭️ skipped (stale)",
  unmanaged: "➖ no longer managed",
};

function detailOf(result: DeviceResult): string {
  switch (result.outcome) {
    case "converged":
      return result.total ? `${result.stepsDone ?? result.total} step${result.total === 1 ? "" : "s"} applied` : "already matched its manifest";
    case "failed":
    case "refused":
      return `${result.step ? `at step ${result.step} (${result.action}): ` : ""}${result.message ?? ""}`;
    case "unmanaged":
      return "manifest deleted: the device is no longer managed; nothing on it was deleted";
    default:
      return result.message ?? "";
  }
}

export function conclusionFor(results: DeviceResult[]): CheckConclusion {
  if (results.length === 0) return "neutral";
  if (results.some((r) => r.outcome === "failed" || r.outcome === "refused" || r.outcome === "invalid")) return "failure";
  return "success";
}

/**
 * The check run's title once every device is done: converged first, then failed, refused
 * (the planner or the device said no), invalid manifests, stale and unmanaged, each counted
 * apart, so a refusal is never reported as a failure.
 */
function finishedTitle(results: DeviceResult[]): string {
  const count = (outcome: DeviceResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  const others: Array<[number, string]> = [
    [count("failed"), "failed"],
    [count("refused"), "refused"],
    [count("invalid"), "invalid manifest"],
    [count("skipped-stale"), "skipped (stale)"],
    [count("unmanaged"), "no longer managed"],
  ];
  const noun = results.length === 1 ? "device" : "devices";
  return [`${count("converged")} of ${results.length} ${noun} converged`, ...others.filter(([n]) => n > 0).map(([n, label]) => `${n} ${label}`)].join(
    ", ",
  );
}

export function renderApplyReport(run: ReconcileRun, results: DeviceResult[]): CheckRunOutput {
  const done = results.filter((r) => FINAL_OUTCOMES.has(r.outcome));
  const title =
    results.length === 0
      ? "No device manifests changed"
      : done.length < results.length
        ? `Applying: ${done.length} of ${results.length} devices done`
        : finishedTitle(results);
  const rows = results.map((r) => `| ${cell(r.device)} | ${OUTCOME_LABEL[r.outcome]} | ${cell(detailOf(r))} |`);
  const summary = [
    `Merge commit \`${run.commit.slice(0, 7)}\`: ${results.length} device${results.length === 1 ? "" : "s"} affected.`,
    "",
    ...(results.length > 0 ? ["| Device | Result | Detail |", "|---|---|---|", ...rows] : []),
  ].join("\n");
  // GitHub caps a check run's summary at 65,535 characters.
  return { title, summary: summary.length > 65_000 ? `${summary.slice(0, 64_900)}\n\n…(truncated)` : summary };
}

/** The one function that reports a run: call it after every recorded device outcome. */
export function createRunReporter(deps: ReportDeps): (repository: string, commit: string) => Promise<void> {
  // Last intermediate update per run in this process: progress is best effort, the end is not.
  const lastUpdate = new Map<string, number>();
  return async (repository, commit) => {
    const run = await deps.runs.getRun(repository, commit);
    if (!run || run.completed) return;
    const results = await deps.runs.results(repository, commit);
    const repo = parseRepoRef(repository);
    const output = renderApplyReport(run, results);
    const key = `${repository}@${commit}`;
    if (!results.every((r) => FINAL_OUTCOMES.has(r.outcome))) {
      const now = (deps.now ?? Date.now)();
      if (run.checkRunId === undefined || now - (lastUpdate.get(key) ?? 0) < (deps.minUpdateIntervalMs ?? 10_000)) return;
      lastUpdate.set(key, now);
      await deps.github.updateCheckRun(repo, run.checkRunId, { status: "in_progress", output });
      // The last device may have finished (and completed the check run) while this
      // progress update was on its way: put the final state back over it.
      if ((await deps.runs.getRun(repository, commit))?.completed) {
        const final = await deps.runs.results(repository, commit);
        await deps.github.updateCheckRun(repo, run.checkRunId, {
          status: "completed",
          conclusion: conclusionFor(final),
          output: renderApplyReport(run, final),
        });
      }
      return;
    }
    if (!(await deps.runs.claimCompletion(repository, commit))) return;
    lastUpdate.delete(key);
    const conclusion = conclusionFor(results);
    const checkRunId =
      run.checkRunId ?? (await deps.github.createCheckRun(repo, { name: APPLY_CHECK_NAME, headSha: commit, status: "in_progress" })).id;
    await deps.github.updateCheckRun(repo, checkRunId, { status: "completed", conclusion, output });
    if (results.length === 0) return;
    const link = run.checkRunUrl ? `[${APPLY_CHECK_NAME}](${run.checkRunUrl})` : `the \`${APPLY_CHECK_NAME}\` check run of ${commit.slice(0, 7)}`;
    const body = [
      APPLY_COMMENT_MARKER,
      `### ase-gitops apply: ${conclusion === "success" ? "✅" : "❌"} ${output.title}`,
      "",
      `Merged as \`${commit.slice(0, 7)}\`. Per-device results: ${link}.`,
    ].join("\n");
    for (const pr of await deps.pullRequestsForCommit(repo, commit)) {
      await deps.github.createIssueComment(repo, pr, body);
    }
  };
}
