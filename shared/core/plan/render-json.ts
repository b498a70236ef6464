/**
 * The plan as contract.md §3 JSON: exactly the contract's fields, in its order. The planner's
 * richer data (hints, claims before, step sizes) stays in the Markdown and the API.
 */
import type { DevicePlan, Plan, PlanError, PlanStep, PlanWarning } from "./types.js";

function step(s: PlanStep) {
  // updateSoftware names its hop: with mandatory intermediate releases there may be several.
  if (s.action === "updateSoftware") return { action: s.action, version: s.version };
  return "vm" in s ? { action: s.action, vm: s.vm } : { action: s.action };
}

function error(p: PlanError) {
  return {
    code: p.code,
    message: p.message,
    ...(p.file !== undefined ? { file: p.file } : {}),
    ...(p.line !== undefined ? { line: p.line } : {}),
  };
}

export function deviceToJson(device: DevicePlan) {
  return {
    name: device.name,
    file: device.file,
    feasible: device.feasible,
    steps: device.steps.map(step),
    errors: device.errors.map(error),
    warnings: device.warnings.map((w: PlanWarning) => ({ code: w.code, message: w.message })),
    gpus: {
      total: device.gpus.total,
      after: { kubernetes: device.gpus.after.kubernetes, vms: device.gpus.after.vms, free: device.gpus.after.free },
    },
  };
}

export function planToJson(plan: Plan) {
  return { devices: plan.devices.map(deviceToJson), summary: { ...plan.summary }, ...(plan.rollout ? { rollout: plan.rollout } : {}) };
}

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(planToJson(plan), null, 2)}\n`;
}
