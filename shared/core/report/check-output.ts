/**
 * The `ase-gitops/plan` check run's conclusion, output and annotations. Annotations point at
 * the manifest lines of every error (failure) and warning (warning); GitHub takes at most 50
 * per request, so they are split into batches.
 */
import type { DevicePlan, Plan } from "../plan/types.js";
import { inline } from "../markdown/escape.js";
import { CHECK_TEXT_LIMIT, byAttention, fitTable } from "./plan-comment.js";
import type { CheckAnnotation, CheckConclusion, CheckRunOutput } from "./check-types.js";

export const ANNOTATIONS_PER_REQUEST = 50;
/** More than this would mean dozens of extra write calls; the rest are counted in the summary. */
export const MAX_ANNOTATIONS = 1000;

export function conclusionOf(plan: Plan): CheckConclusion {
  if (plan.devices.length === 0) return "neutral";
  return plan.devices.some((device) => !device.feasible) ? "failure" : "success";
}

export function titleOf(plan: Plan): string {
  const { summary } = plan;
  if (summary.devices === 0) return "No device manifests changed";
  if (summary.infeasible > 0) return `${summary.infeasible} of ${summary.devices} device${summary.devices === 1 ? "" : "s"} blocked`;
  return `${summary.devices} device${summary.devices === 1 ? "" : "s"} feasible, ${summary.steps} step${summary.steps === 1 ? "" : "s"}`;
}

/** `folder` is where the fleet root sits in the repository ("" = the root). */
export function annotationsOf(devices: readonly DevicePlan[], folder: string): CheckAnnotation[] {
  const seen = new Set<string>();
  const annotations: CheckAnnotation[] = [];
  for (const device of devices) {
    const problems = [
      ...device.errors.map((p) => ({ ...p, level: "failure" as const })),
      ...device.warnings.map((p) => ({ ...p, level: "warning" as const })),
    ];
    for (const problem of problems) {
      const file = problem.file ?? device.file;
      if (!file || !/\.ya?ml$/i.test(file)) continue; // annotations need a file in the repository
      const line = problem.line && problem.line > 0 ? problem.line : 1;
      const message = problem.hint ? `${problem.message}\n\nWhat to do: ${problem.hint}` : problem.message;
      const path = folder ? `${folder}/${file}` : file;
      const key = `${path}:${line}:${problem.code}:${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      annotations.push({
        path,
        start_line: line,
        end_line: line,
        annotation_level: problem.level,
        title: `${problem.code} (${device.name})`,
        message: message.slice(0, 60_000),
      });
    }
  }
  return annotations;
}

export function batches<T>(items: readonly T[], size = ANNOTATIONS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function checkSummary(plan: Plan, notes: readonly string[], droppedAnnotations: number): string {
  const extra = [...notes.map((n) => `> ${inline(n)}`)];
  if (droppedAnnotations > 0) extra.push(`> ${droppedAnnotations} more annotations were not attached (at most ${MAX_ANNOTATIONS} per run).`);
  const tail = extra.length ? `\n\n${extra.join("\n")}` : "";
  if (plan.devices.length === 0) return `No device manifests changed: nothing to plan.${tail}`.slice(0, CHECK_TEXT_LIMIT);
  const table = fitTable(plan, byAttention(plan.devices), CHECK_TEXT_LIMIT - tail.length - 100);
  return `${table}${tail}`.slice(0, CHECK_TEXT_LIMIT);
}

export function checkOutputs(plan: Plan, input: { notes: string[]; text?: string; folder: string }): { title: string; outputs: CheckRunOutput[] } {
  const all = annotationsOf(plan.devices, input.folder);
  const kept = all.slice(0, MAX_ANNOTATIONS);
  const title = titleOf(plan);
  const summary = checkSummary(plan, input.notes, all.length - kept.length);
  const groups = batches(kept);
  const base = { title, summary, ...(input.text ? { text: input.text } : {}) };
  // The first request completes the run; later ones only add annotations (title and
  // summary are required on every output, so they are repeated).
  const outputs: CheckRunOutput[] = groups.length === 0 ? [base] : groups.map((annotations) => ({ ...base, annotations }));
  return { title, outputs };
}
