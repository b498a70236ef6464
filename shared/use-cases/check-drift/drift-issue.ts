/**
 * The drift issue of one device: found by a hidden marker (label `drift`), created once,
 * edited in place, reopened when the device drifts again, closed with a comment when a
 * check finds it converged. The body carries a hash of its content, so an unchanged drift
 * costs no GitHub write at all.
 */
import { createHash } from "node:crypto";
import type { IssueComments, IssueInfo, LabelledIssues, RepoRef } from "../../ports/github.js";
import { code, inline } from "../../core/markdown/escape.js";
import { CLAIM_RULES_NOTE, renderDeviceDetails } from "../../core/plan/render-markdown.js";
import type { DeviceDriftReport } from "../../core/drift/assess.js";
import type { KnownIssue } from "../../core/messages/drift.js";
import { renderDriftTable } from "../../core/drift/render-report.js";

export const DRIFT_LABEL = "drift";
const HASH_MARKER = /<!-- ase-gitops:drift-hash ([0-9a-f]{16,64}) -->/;
const DEVICE_MARKER = /<!-- ase-gitops:drift device=([a-z0-9-]+) -->/;

export const driftMarker = (device: string) => `<!-- ase-gitops:drift device=${device} -->`;

/** The GitHub calls drift issues need. */
export type DriftGitHub = LabelledIssues & Pick<IssueComments, "createIssueComment">;

export interface RenderedIssue {
  title: string;
  body: string;
  hash: string;
}

export function renderDriftIssue(report: DeviceDriftReport, defaultBranch: string): RenderedIssue {
  const codes = [...new Set(report.drift.map((d) => d.code))];
  const title = `Drift on ${report.device}: ${codes.join(", ")}`;
  const lines = [
    driftMarker(report.device),
    `### ${report.status === "unreachable" ? "❌ Device unreachable" : "⚠️ Drift"}: ${code(report.device)}`,
    "",
    report.status === "unreachable"
      ? `The drift check could not observe the device, so whether it matches ${code(report.file)} on ${code(defaultBranch)} is unknown.`
      : `The device differs from its manifest ${code(report.file)} on ${code(defaultBranch)}.`,
    "",
    renderDriftTable(report.drift),
    "",
  ];
  if (report.plan) {
    lines.push(
      `**Remediation plan:** ${report.plan.feasible ? "✅ feasible" : "❌ not feasible"}, ${report.plan.steps.length} step${report.plan.steps.length === 1 ? "" : "s"}.`,
      "",
      renderDeviceDetails({ ...report.plan }),
      "",
    );
  }
  const action = report.remediation.action === "remediate" ? "🔧 **Auto-remediation:** an apply job was queued" : "📝 **Reported only:**";
  lines.push(
    `${action} ${inline(report.remediation.reason)}.`,
    "",
    CLAIM_RULES_NOTE,
    "",
    "<sub>Kept up to date by ase-gitops drift checks; closed automatically when a check finds the device converged.</sub>",
  );
  const content = `${title}\n${lines.join("\n")}`;
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 32);
  return { title, body: `${lines.join("\n")}\n<!-- ase-gitops:drift-hash ${hash} -->\n`, hash };
}

/** Reads what the fan-out needs from the listed issues: device -> issue. */
export function indexDriftIssues(issues: readonly IssueInfo[]): Map<string, KnownIssue> {
  const byDevice = new Map<string, KnownIssue>();
  // Oldest first wins, so a stray duplicate never displaces the device's first issue.
  for (const issue of [...issues].sort((a, b) => a.number - b.number)) {
    const device = DEVICE_MARKER.exec(issue.body)?.[1];
    if (!device || byDevice.has(device)) continue;
    const hash = HASH_MARKER.exec(issue.body)?.[1];
    byDevice.set(device, { number: issue.number, state: issue.state, title: issue.title, ...(hash ? { hash } : {}) });
  }
  return byDevice;
}

export type IssueAction = "created" | "updated" | "reopened" | "unchanged" | "closed" | "none";

export interface IssueSyncResult {
  action: IssueAction;
  number?: number;
}

export interface IssueSyncInput {
  repo: RepoRef;
  report: DeviceDriftReport;
  defaultBranch: string;
  /** From the fan-out: null = known to have none, undefined = search for it. */
  known?: KnownIssue | null;
}

const asKnown = (issue: IssueInfo): KnownIssue => {
  const hash = HASH_MARKER.exec(issue.body)?.[1];
  return { number: issue.number, state: issue.state, title: issue.title, ...(hash ? { hash } : {}) };
};

export async function syncDriftIssue(github: DriftGitHub, input: IssueSyncInput): Promise<IssueSyncResult> {
  const { repo, report } = input;
  const find = async () => {
    const found = await github.findIssueByMarker(repo, DRIFT_LABEL, driftMarker(report.device));
    return found ? asKnown(found) : undefined;
  };
  if (report.status === "skipped") return { action: "none" };
  if (report.status === "converged") {
    // Only a device known to have an open issue costs a call; converged ones without are free.
    const known = input.known === undefined ? await find() : (input.known ?? undefined);
    if (!known || known.state === "closed") return { action: "none", ...(known ? { number: known.number } : {}) };
    await github.closeIssue(
      repo,
      known.number,
      `✅ A drift check found ${code(report.device)} converged with ${code(report.file)} on ${code(input.defaultBranch)}: closing.`,
    );
    return { action: "closed", number: known.number };
  }
  const rendered = renderDriftIssue(report, input.defaultBranch);
  // Before creating, always search: the fan-out's "none" may be stale, and a duplicate is worse than a read.
  const known = input.known ?? (await find());
  if (!known) {
    const created = await github.createIssue(repo, { title: rendered.title, body: rendered.body, labels: [DRIFT_LABEL] });
    return { action: "created", number: created.number };
  }
  if (known.state === "closed") {
    await github.updateIssue(repo, known.number, { title: rendered.title, body: rendered.body, state: "open" });
    return { action: "reopened", number: known.number };
  }
  if (known.hash === rendered.hash && known.title === rendered.title) return { action: "unchanged", number: known.number };
  await github.updateIssue(repo, known.number, { title: rendered.title, body: rendered.body });
  return { action: "updated", number: known.number };
}
