/**
 * apply(device): observe, plan, refuse an infeasible plan without touching anything, run
 * the steps in order (each retried while its failure is transient), then observe and
 * re-plan: anything left to do means the apply failed, naming the first diverging step.
 */
import type { ManifestLines } from "../../core/manifest/load.js";
import type { EdgeDevice } from "../../core/manifest/schema.js";
import type { ObservedDevice } from "../../core/plan/observed.js";
import type { DevicePlan, PlanStep } from "../../core/plan/types.js";
import { DeviceError, asDeviceError } from "../../core/errors/device-error.js";
import { observe } from "../observe-device/observe.js";
import type { DevicePort } from "../../ports/device.js";
import { type RetryOptions, withRetry } from "../observe-device/retry.js";
import {
  type VmAdmin,
  assertVmCredentials,
  createVmTemplate,
  extensionDeploymentName,
  extensionParameters,
  gpuExtensionTemplate,
  nicName,
  vmDeploymentName,
  vmParameters,
} from "../../core/device/templates.js";
import { describeStep, vmOf } from "../../core/plan/types.js";

export type PlanFn = (input: { manifest: EdgeDevice; file: string; lines?: ManifestLines }, observed: ObservedDevice) => DevicePlan;

export type StepStatus = "started" | "retrying" | "succeeded" | "failed";

export interface ProgressEvent {
  device: string;
  /** 1-based index in the plan; 0 for observe/verify. */
  step: number;
  total: number;
  action: PlanStep["action"] | "observe" | "verify" | "deallocateAfterCreate";
  vm?: string;
  status: StepStatus;
  message?: string;
}

export interface ApplyOptions {
  plan: PlanFn;
  retry: RetryOptions;
  onProgress?: (event: ProgressEvent) => void;
  /** Logins for created VMs: default user, the credential lookup (templates.ts). */
  vmAdmin: VmAdmin;
  windowsDriver: { url?: string; certificateUrl: string };
}

export type ApplyStatus = "converged" | "refused" | "failed";

export interface ApplyResult {
  device: string;
  file: string;
  status: ApplyStatus;
  plan?: DevicePlan;
  stepsDone: number;
  error?: { code: string; message: string; step?: PlanStep; transient?: boolean };
  observed?: ObservedDevice;
}

interface StepContext {
  port: DevicePort;
  manifest: EdgeDevice;
  options: ApplyOptions;
  /** Release the device runs, for the extension version; refreshed after updates. */
  release?: string;
}

async function runStep(ctx: StepContext, step: PlanStep, observed: ObservedDevice): Promise<void> {
  const { port, manifest, options } = ctx;
  const vm = vmOf(step) ?? "";
  switch (step.action) {
    case "createVm": {
      await port.deploy(vmDeploymentName(vm), createVmTemplate, vmParameters(manifest, vm, options.vmAdmin));
      return;
    }
    case "installGpuExtension": {
      const spec = manifest.spec.virtualMachines.find((v) => v.name === vm);
      const osType = spec?.os?.type ?? "Linux";
      await port.deploy(
        extensionDeploymentName(vm),
        gpuExtensionTemplate,
        extensionParameters({
          vm,
          osType,
          release: ctx.release ?? observed.softwareVersion,
          windowsDriver: options.windowsDriver,
        }),
      );
      return;
    }
    case "deleteVm":
      await port.deleteVm(vm);
      // The NIC and the deployment records are ours too: leave nothing behind (ARM keeps at
      // most 800 deployments per resource group).
      await port.deleteNic(nicName(vm));
      await Promise.all([port.deleteDeployment(vmDeploymentName(vm)), port.deleteDeployment(extensionDeploymentName(vm))]);
      return;
    case "deallocateVm":
      return port.deallocateVm(vm);
    case "startVm":
      return port.startVm(vm);
    case "resizeVm":
      if (!step.size) throw new DeviceError("INTERNAL", `resizeVm ${vm} without a size`, false);
      return port.resizeVm(vm, step.size);
    case "removeKubernetes":
      return port.removeKubernetes();
    case "configureKubernetes":
      return port.configureKubernetes();
    case "updateSoftware": {
      await port.downloadUpdates();
      await port.installUpdates();
      const now = await port.softwareVersion();
      if (step.version && now !== step.version) {
        throw new DeviceError(
          "UPDATE_DID_NOT_REACH_TARGET",
          `after installing updates the device runs ${now ?? "an unknown release"}, not ${step.version}`,
          false,
        );
      }
      ctx.release = now;
      return;
    }
  }
}

export async function applyDevice(
  port: DevicePort,
  input: { manifest: EdgeDevice; file: string; lines?: ManifestLines },
  options: ApplyOptions,
): Promise<ApplyResult> {
  const device = input.manifest.metadata.name;
  const base = { device, file: input.file };
  const report = (event: Omit<ProgressEvent, "device">) => options.onProgress?.({ device, ...event });
  let plan: DevicePlan | undefined;
  let done = 0;
  let current: PlanStep | undefined;
  let position: Omit<ProgressEvent, "device" | "status"> | undefined;
  try {
    report({ step: 0, total: 0, action: "observe", status: "started" });
    const observed = await observe(port, options.retry);
    plan = options.plan(input, observed);
    const total = plan.steps.length;
    if (!plan.feasible) {
      const first = plan.errors[0];
      return {
        ...base,
        status: "refused",
        plan,
        stepsDone: 0,
        observed,
        error: { code: "PLAN_INFEASIBLE", message: first ? `${first.code}: ${first.message}` : "the plan is infeasible" },
      };
    }
    assertVmCredentials(input.manifest, plan.steps, options.vmAdmin);
    const ctx: StepContext = { port, manifest: input.manifest, options, release: observed.softwareVersion };
    // VMs the manifest wants deallocated are created running (creating boots them), then
    // deallocated once their extension step, if any, is done.
    const deallocateAfter = new Set(
      plan.steps
        .filter((s) => s.action === "createVm" && input.manifest.spec.virtualMachines.find((v) => v.name === s.vm)?.powerState === "deallocated")
        .map((s) => vmOf(s) ?? ""),
    );
    for (const [index, step] of plan.steps.entries()) {
      current = step;
      const at = { step: index + 1, total, action: step.action, ...(vmOf(step) ? { vm: vmOf(step) } : {}) };
      position = at;
      report({ ...at, status: "started" });
      await withRetry(describeStep(step), () => runStep(ctx, step, observed), {
        ...options.retry,
        onRetry: (error, attempt) => report({ ...at, status: "retrying", message: `attempt ${attempt} failed: ${error.code}` }),
      });
      done++;
      report({ ...at, status: "succeeded" });
      const next = plan.steps[index + 1];
      const vm = vmOf(step);
      if (
        vm &&
        deallocateAfter.has(vm) &&
        (step.action === "createVm" || step.action === "installGpuExtension") &&
        !(next?.action === "installGpuExtension" && next.vm === vm)
      ) {
        deallocateAfter.delete(vm);
        position = { ...at, action: "deallocateAfterCreate" };
        report({ ...at, action: "deallocateAfterCreate", status: "started" });
        await withRetry(`deallocate ${vm}`, () => port.deallocateVm(vm), options.retry);
        report({ ...at, action: "deallocateAfterCreate", status: "succeeded" });
      }
    }
    current = undefined;
    position = undefined;
    report({ step: 0, total, action: "verify", status: "started" });
    const after = await observe(port, options.retry);
    const replan = options.plan(input, after);
    if (replan.steps.length > 0) {
      const diverging = replan.steps[0]!;
      return {
        ...base,
        status: "failed",
        plan,
        stepsDone: done,
        observed: after,
        error: {
          code: "NOT_CONVERGED",
          message: `the device did not converge: a new plan still has ${replan.steps.length} step(s), first ${describeStep(diverging)}`,
          step: diverging,
        },
      };
    }
    report({ step: 0, total, action: "verify", status: "succeeded" });
    return { ...base, status: "converged", plan, stepsDone: done, observed: after };
  } catch (err) {
    const error = asDeviceError(err);
    if (position) report({ ...position, status: "failed", message: `${error.code}: ${error.message}` });
    return {
      ...base,
      status: "failed",
      ...(plan ? { plan } : {}),
      stepsDone: done,
      error: { code: error.code, message: error.message, ...(current ? { step: current } : {}), transient: error.transient },
    };
  }
}
