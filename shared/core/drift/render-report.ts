/**
 * Drift for humans: the drift table (issue body and CLI) and the CLI's Markdown report.
 */
import { cell, codeCell, inline } from "../markdown/escape.js";
import { renderDeviceDetails } from "../plan/render-markdown.js";
import type { DeviceDriftReport } from "./assess.js";
import type { DriftItem } from "./codes.js";
import { type DriftSummary, summaryLine } from "./summary.js";

export function renderDriftTable(items: readonly DriftItem[]): string {
  return [
    "| Code | VM | Expected | Found | Why |",
    "|---|---|---|---|---|",
    ...items.map((d) => `| ${codeCell(d.code)} | ${d.vm ? codeCell(d.vm) : "—"} | ${cell(d.expected)} | ${cell(d.found)} | ${cell(d.message)} |`),
  ].join("\n");
}

const STATUS_LABEL: Record<DeviceDriftReport["status"], string> = {
  converged: "✅ converged",
  drifted: "⚠️ drifted",
  unreachable: "❌ unreachable",
  skipped: "➖ skipped",
};

export function renderDriftMarkdown(reports: readonly DeviceDriftReport[], summary: DriftSummary): string {
  const lines = [`### ase-gitops drift`, "", `**${summaryLine(summary).replace(/^drift check: /, "")}.**`, ""];
  lines.push("| Device | Status | Drift | Remediation |", "|---|---|---|---|");
  for (const r of reports) {
    const codes = [...new Set(r.drift.map((d) => d.code))].join(", ") || "—";
    lines.push(
      `| ${cell(r.device)} | ${STATUS_LABEL[r.status]} | ${codes} | ${cell(r.remediation.action === "none" ? "—" : `${r.remediation.action}: ${r.remediation.reason}`)} |`,
    );
  }
  for (const r of reports.filter((x) => x.drift.length > 0)) {
    lines.push("", `#### ${inline(r.device)}`, "", renderDriftTable(r.drift));
    if (r.plan) lines.push("", renderDeviceDetails(r.plan));
  }
  for (const r of reports.filter((x) => x.status === "skipped"))
    lines.push("", `> ${inline(`${r.device}: skipped: ${r.error?.message ?? r.remediation.reason}`)}`);
  return `${lines.join("\n")}\n`;
}
