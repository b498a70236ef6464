/**
 * The sticky plan comment: found again by a hidden marker, carrying the head SHA it was
 * planned at and a hash of its content (so an unchanged plan costs no API call), and never
 * longer than GitHub's 65,536 characters. When the full plan does not fit, blocked devices
 * come first and the details that do not fit move to the check run.
 */
import { createHash } from "node:crypto";
import { inline } from "../markdown/escape.js";
import { CLAIM_RULES_NOTE, renderDeviceDetails, renderMarkdown, renderRollout, renderSummaryTable } from "../plan/render-markdown.js";
import type { DevicePlan, Plan } from "../plan/types.js";

export const PLAN_MARKER = "<!-- ase-gitops:plan -->";
/** GitHub refuses issue comments longer than this. */
export const COMMENT_LIMIT = 65_536;
/** Check run output `summary` and `text` are each limited to this. */
export const CHECK_TEXT_LIMIT = 65_535;

export interface CommentMeta {
  sha: string;
  /** The pull request's updated_at when the plan was made; orders competing jobs. */
  updatedAt?: string;
  hash: string;
}

export interface PlanComment {
  body: string;
  hash: string;
  /** Devices whose details did not fit (rendered for the check run text). */
  omitted: DevicePlan[];
}

export interface CommentContext {
  headSha: string;
  updatedAt?: string;
  pullRequest: number;
  notes: string[];
}

const META = /<!-- ase-gitops:meta (\{.*?\}) -->/;

export function readCommentMeta(body: string): CommentMeta | undefined {
  const match = META.exec(body);
  if (!match) return undefined;
  try {
    const value = JSON.parse(match[1]!) as Partial<CommentMeta>;
    return typeof value.sha === "string" && typeof value.hash === "string" ? (value as CommentMeta) : undefined;
  } catch {
    return undefined;
  }
}

/** Devices a reviewer must see first: blocked, then with warnings, then the rest, by name. */
export function byAttention(devices: readonly DevicePlan[]): DevicePlan[] {
  const rank = (d: DevicePlan) => (!d.feasible ? 0 : d.warnings.length > 0 ? 1 : 2);
  return [...devices].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function finish(content: string, context: CommentContext, omitted: DevicePlan[]): PlanComment {
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 32);
  const meta: CommentMeta = { sha: context.headSha, ...(context.updatedAt ? { updatedAt: context.updatedAt } : {}), hash };
  return { body: `${PLAN_MARKER}\n<!-- ase-gitops:meta ${JSON.stringify(meta)} -->\n${content}`, hash, omitted };
}

const headLine = (context: CommentContext) => `Planned at \`${context.headSha}\` (head of #${context.pullRequest}).`;
/** Room for the marker, the meta line and rounding. */
const RESERVED = 400;

export function buildPlanComment(plan: Plan, context: CommentContext, limit = COMMENT_LIMIT): PlanComment {
  const notes = [headLine(context), ...context.notes];
  const full = renderMarkdown(plan, { notes });
  if (full.length + RESERVED <= limit) return finish(full, context, []);

  // Too long: title, totals, the table rows that fit, then device details while room is left.
  const budget = limit - RESERVED;
  const ordered = byAttention(plan.devices);
  const header = [`### ase-gitops plan`, ""].join("\n");
  const noteText = notes.map((n) => `> ${inline(n)}`).join("\n");
  const footerRoom = 400;
  const table = fitTable(plan, ordered, Math.floor(budget * 0.35));
  const rollout = plan.rollout ? ["", renderRollout(plan.rollout)] : [];
  let used = header.length + table.length + noteText.length + CLAIM_RULES_NOTE.length + footerRoom + 8 + (rollout[1]?.length ?? 0);
  const shown: string[] = [];
  const omitted: DevicePlan[] = [];
  for (const device of ordered) {
    const details = renderDeviceDetails(device);
    if (omitted.length === 0 && used + details.length + 2 <= budget) {
      shown.push(details);
      used += details.length + 2;
    } else {
      omitted.push(device); // keep the order: once one is left out, the rest follow it
    }
  }
  const footer =
    `> **${omitted.length} of ${plan.devices.length} devices left out of this comment** (GitHub limits a comment to ${COMMENT_LIMIT.toLocaleString("en-US")} characters): ` +
    "their details are in the `ase-gitops/plan` check run. Run `ase-gitops plan` locally for the whole plan.";
  const content = [header, table, "", noteText, ...rollout, "", footer, ...shown.flatMap((d) => ["", d]), "", CLAIM_RULES_NOTE, ""].join("\n");
  return finish(content, context, omitted);
}

/** The summary table cut to `budget` characters, rows by attention, with a line for the rest. */
export function fitTable(plan: Plan, ordered: readonly DevicePlan[], budget: number): string {
  const full = renderSummaryTable(plan);
  if (full.length <= budget) return full;
  const lines = renderSummaryTable({ ...plan, devices: [...ordered] }).split("\n");
  const headerEnd = lines.findIndex((line) => line.startsWith("|---"));
  const head = lines.slice(0, headerEnd + 1);
  const rows = lines.slice(headerEnd + 1);
  let used = head.join("\n").length + 200;
  let kept = 0;
  for (const row of rows) {
    if (used + row.length + 1 > budget) break;
    used += row.length + 1;
    kept++;
  }
  const rest = rows.length - kept;
  return [
    ...head,
    ...rows.slice(0, kept),
    "",
    rest > 0 ? `_…and ${rest} more device${rest === 1 ? "" : "s"} not listed in this table (blocked devices are listed first)._` : "",
  ].join("\n");
}

/** Per-device details for the check run text, cut to GitHub's limit with a count of the rest. */
export function detailsText(devices: readonly DevicePlan[], limit = CHECK_TEXT_LIMIT): string | undefined {
  if (devices.length === 0) return undefined;
  const parts: string[] = [];
  let used = 300;
  let shown = 0;
  for (const device of devices) {
    const details = renderDeviceDetails(device);
    if (used + details.length + 2 > limit) break;
    parts.push(details);
    used += details.length + 2;
    shown++;
  }
  const rest = devices.length - shown;
  const tail =
    rest > 0
      ? [
          `_${rest} more device${rest === 1 ? "" : "s"} not shown here either (GitHub limits check run text to ${CHECK_TEXT_LIMIT.toLocaleString("en-US")} characters). Run \`ase-gitops plan\` locally for the whole plan._`,
        ]
      : [];
  return [`Details of ${devices.length} device${devices.length === 1 ? "" : "s"} left out of the pull-request comment:`, ...parts, ...tail].join(
    "\n\n",
  );
}

export function nothingToPlanComment(context: CommentContext): PlanComment {
  const content = [
    "### ase-gitops plan",
    "",
    "No device manifests changed in this pull request: nothing to plan.",
    "",
    ...[headLine(context), ...context.notes].map((n) => `> ${inline(n)}`),
    "",
  ].join("\n");
  return finish(content, context, []);
}
