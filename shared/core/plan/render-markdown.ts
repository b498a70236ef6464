/**
 * The plan for humans: it becomes the pull-request comment. A reviewer who never read the
 * claim rules must see which devices are blocked, why, and what to change instead.
 * Every name, path and message is escaped (shared/core/markdown/escape.ts): this text is posted
 * to GitHub.
 */
import { cell, code, htmlText, inline } from "../markdown/escape.js";
import { describeSeconds, type RolloutPlan } from "../rollout/rollout-plan.js";
import type { DevicePlan, GpuClaims, Plan, PlanError, PlanStep, PlanWarning } from "./types.js";
import { vmOf } from "./types.js";

export interface MarkdownOptions {
  /** Heading of the whole plan. */
  title?: string;
  /** Lines shown under the summary (e.g. "observed state not read"). */
  notes?: string[];
}

export function describeClaims(claims: GpuClaims | undefined): string {
  if (!claims) return "n/a";
  const vms = Object.entries(claims.vms).map(([name, gpus]) => `${name} ${gpus}`);
  return [`Kubernetes ${claims.kubernetes}`, ...vms, `free ${claims.free}`].join(", ");
}

export function describeStep(step: PlanStep): string {
  const name = vmOf(step);
  const vm = name ? code(name) : "";
  switch (step.action) {
    case "deleteVm":
      return `Delete VM ${vm} (no longer in the manifest)`;
    case "deallocateVm":
      return `Deallocate VM ${vm} (it releases its GPUs)`;
    case "removeKubernetes":
      return "Remove Kubernetes (it releases the GPUs it holds)";
    case "updateSoftware":
      return `Update the device software${step.version ? ` to ${inline(step.version)}` : ""}`;
    case "resizeVm":
      return `Resize VM ${vm}${step.size ? ` to ${code(step.size)}` : ""}`;
    case "startVm":
      return `Start VM ${vm}`;
    case "createVm":
      return `Create VM ${vm}`;
    case "installGpuExtension":
      return `Install the NVIDIA GPU driver extension on ${vm}`;
    case "configureKubernetes":
      return "Configure Kubernetes (it claims every GPU still free)";
  }
}

function feasibleLabel(device: DevicePlan): string {
  if (device.feasible) return "✅ yes";
  return device.errors.some((e) => e.code === "INVALID_MANIFEST" || e.code === "DUPLICATE_DEVICE") ? "❌ invalid" : "❌ no";
}

function where(p: PlanError | PlanWarning): string {
  if (!p.file) return "";
  return ` (${code(p.line ? `${p.file}:${p.line}` : p.file)})`;
}

function problemLines(icon: string, problems: ReadonlyArray<PlanError | PlanWarning>): string[] {
  return problems.flatMap((p) => [
    `- ${icon} **${inline(p.code)}**${where(p)}: ${inline(p.message)}`,
    ...(p.hint ? [`  - **What to do:** ${inline(p.hint)}`] : []),
  ]);
}

export function renderSummaryTable(plan: Plan): string {
  if (plan.devices.length === 0) return "**No device manifests** (`kind: EdgeDevice` documents in `*.yaml`/`*.yml` files): nothing to plan.";
  const rows = plan.devices.map((d) => {
    const claims = `${describeClaims(d.gpus.before)} → ${describeClaims(d.gpus.after)}`;
    return `| ${cell(d.name)} | ${feasibleLabel(d)} | ${d.steps.length} | ${cell(claims)} | ${d.warnings.length} |`;
  });
  const { summary } = plan;
  return [
    `**${summary.devices} device${summary.devices === 1 ? "" : "s"}: ${summary.feasible} feasible, ${summary.infeasible} blocked, ${summary.steps} step${summary.steps === 1 ? "" : "s"}.**`,
    "",
    "| Device | Feasible | Steps | GPU claims (before → after) | Warnings |",
    "|---|---|---:|---|---:|",
    ...rows,
  ].join("\n");
}

/** The waves of the fleet's rollout policy: who goes when, how many at once, which gates. */
export function renderRollout(rollout: RolloutPlan): string {
  const shown = (devices: string[]) => {
    const names = devices.slice(0, 20).map(code).join(", ");
    return devices.length > 20 ? `${names} and ${devices.length - 20} more` : names || "none";
  };
  const rows = rollout.waves.map(
    (w, i) =>
      `| ${i + 1}. ${cell(w.name)} | ${w.devices.length}: ${shown(w.devices)} | ${w.maxParallel} | ${w.maxFailures} | ${describeSeconds(w.soakSeconds)} | ${w.approval === "required" ? "✋ required" : "no"} |`,
  );
  const lines = [
    `#### Rollout: ${rollout.waves.length} wave${rollout.waves.length === 1 ? "" : "s"} (policy ${code(rollout.policy)} in ${code(rollout.file)})`,
    "",
    "| Wave | Devices | At once | Failures tolerated | Soak | Approval |",
    "|---|---|---:|---:|---|---|",
    ...rows,
  ];
  if (rollout.windowed.length > 0)
    lines.push(
      "",
      `🕑 ${rollout.windowed.length} device${rollout.windowed.length === 1 ? "" : "s"} start only inside a maintenance window: ${shown(rollout.windowed)}.`,
    );
  for (const w of rollout.warnings) lines.push("", `⚠️ \`${w.code}\` ${inline(w.message)}`);
  return lines.join("\n");
}

export function renderDeviceDetails(device: DevicePlan): string {
  const status = device.feasible ? "✅ feasible" : "❌ blocked";
  const lines = [
    `<details${device.feasible ? "" : " open"}><summary><b>${htmlText(device.name)}</b>: ${status}, ${device.steps.length} step${device.steps.length === 1 ? "" : "s"}</summary>`,
    "",
    `Manifest ${code(device.file)}${device.gpus.total ? `, ${device.gpus.total} GPU${device.gpus.total === 1 ? "" : "s"}` : ""}.`,
    "",
  ];
  if (device.steps.length > 0) {
    lines.push(device.feasible ? "**Steps, in order:**" : "**Steps it would take:**", "");
    device.steps.forEach((step, i) => lines.push(`${i + 1}. ${describeStep(step)}`));
    lines.push("");
  } else if (device.feasible) {
    lines.push("Nothing to do: the device matches its manifest.", "");
  }
  if (device.gpus.total > 0) {
    lines.push(
      "| GPU claims | Kubernetes | VMs | Free |",
      "|---|---:|---|---:|",
      ...(device.gpus.before ? [claimsRow("before", device.gpus.before)] : []),
      claimsRow("after", device.gpus.after),
      "",
    );
  }
  if (device.errors.length > 0) lines.push("**Why it is blocked:**", "", ...problemLines("❌", device.errors), "");
  if (device.warnings.length > 0) lines.push("**Warnings:**", "", ...problemLines("⚠️", device.warnings), "");
  lines.push("</details>");
  return lines.join("\n");
}

function claimsRow(label: string, claims: GpuClaims): string {
  const vms =
    Object.entries(claims.vms)
      .map(([name, gpus]) => `${name}: ${gpus}`)
      .join(", ") || "none";
  return `| ${label} | ${claims.kubernetes} | ${cell(vms)} | ${claims.free} |`;
}

export const CLAIM_RULES_NOTE =
  "<sub>Why the order matters: configuring Kubernetes claims every GPU that is free at that moment, and a GPU VM can only be created or started with a free GPU. So GPU VMs come first and Kubernetes last; a device where Kubernetes already holds the GPUs needs `kubernetes.allowReconfigure: true` to make room.</sub>";

export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const parts = [`### ${options.title ?? "ase-gitops plan"}`, "", renderSummaryTable(plan)];
  if (options.notes?.length) parts.push("", ...options.notes.map((n) => `> ${inline(n)}`));
  if (plan.rollout) parts.push("", renderRollout(plan.rollout));
  for (const device of plan.devices) parts.push("", renderDeviceDetails(device));
  parts.push("", CLAIM_RULES_NOTE, "");
  return parts.join("\n");
}
