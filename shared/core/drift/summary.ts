/**
 * Drift results for machines (JSON: CLI `--format json`, the HTTP trigger) and the one-line
 * run summary. A device that could not be observed counts as unreachable, never converged.
 */
import { deviceToJson } from "../plan/render-json.js";
import type { DeviceDriftReport } from "./assess.js";

export interface DriftSummary {
  /** Devices a check was attempted on (converged + drifted + unreachable). */
  checked: number;
  converged: number;
  drifted: number;
  unreachable: number;
  /** Not checkable: no spec.arm, or an invalid manifest. */
  skipped: number;
}

export function summarizeReports(reports: ReadonlyArray<Pick<DeviceDriftReport, "status">>): DriftSummary {
  const count = (status: DeviceDriftReport["status"]) => reports.filter((r) => r.status === status).length;
  const converged = count("converged");
  const drifted = count("drifted");
  const unreachable = count("unreachable");
  return { checked: converged + drifted + unreachable, converged, drifted, unreachable, skipped: count("skipped") };
}

export function reportToJson(report: DeviceDriftReport) {
  return {
    name: report.device,
    file: report.file,
    status: report.status,
    drift: report.drift.map((d) => ({ code: d.code, ...(d.vm ? { vm: d.vm } : {}), expected: d.expected, found: d.found, message: d.message })),
    ...(report.plan ? { plan: deviceToJson(report.plan) } : {}),
    remediation: report.remediation,
    ...(report.error ? { error: { code: report.error.code, message: report.error.message } } : {}),
  };
}

/** The run summary as one log line (timer runs write exactly this). */
export function summaryLine(summary: DriftSummary, context = ""): string {
  return `drift check${context ? ` ${context}` : ""}: ${summary.checked} checked, ${summary.drifted} drifted, ${summary.unreachable} unreachable, ${summary.converged} converged, ${summary.skipped} skipped`;
}

/** True when the result needs attention (the CLI exits 2). */
export function needsAttention(summary: DriftSummary): boolean {
  return summary.drifted > 0 || summary.unreachable > 0;
}
