/**
 * A plan step as device operations started without waiting (the resumable apply's view of
 * apply.ts's runStep). Most steps are one operation; deleteVm is the VM's delete followed
 * by quick clean-ups (NIC, deployment records), and updateSoftware is a download then an
 * install, each an hour-scale operation of its own.
 */
import type { EdgeDevice } from "../../core/manifest/schema.js";
import type { PlanStep } from "../../core/plan/types.js";
import { DeviceError } from "../../core/errors/device-error.js";
import type { DeviceAction, DevicePort, OperationRef } from "../../ports/device.js";
import {
  type VmAdmin,
  createVmTemplate,
  extensionDeploymentName,
  extensionParameters,
  gpuExtensionTemplate,
  nicName,
  vmDeploymentName,
  vmParameters,
} from "../../core/device/templates.js";
import { vmOf } from "../../core/plan/types.js";

export interface StepContext {
  port: DevicePort;
  manifest: EdgeDevice;
  /** Logins for created VMs: default user, the credential lookup (templates.ts). */
  vmAdmin: VmAdmin;
  windowsDriver: { url?: string; certificateUrl: string };
  /** The release the device runs (the extension version depends on it). */
  release?: string;
}

/** Started: wait for `ref`; or done already (nothing was left to wait for). */
export type StepStart = { ref: OperationRef; phase?: string } | { done: true };

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new DeviceError("INTERNAL", `the device port cannot ${what} without waiting`, false);
  return value;
}

async function action(ctx: StepContext, act: DeviceAction, phase?: string): Promise<StepStart> {
  const begin = required(ctx.port.beginAction, "start an action");
  const ref = await begin.call(ctx.port, act);
  return ref ? { ref, ...(phase ? { phase } : {}) } : { done: true };
}

async function cleanUpDeletedVm(ctx: StepContext, vm: string): Promise<void> {
  // The NIC and the deployment records are ours too (ARM keeps at most 800 deployments per
  // resource group); these take seconds, so they are waited for here.
  await ctx.port.deleteNic(nicName(vm));
  await Promise.all([ctx.port.deleteDeployment(vmDeploymentName(vm)), ctx.port.deleteDeployment(extensionDeploymentName(vm))]);
}

/** Starts the step's first operation. */
export async function beginStep(ctx: StepContext, step: PlanStep): Promise<StepStart> {
  const { port, manifest } = ctx;
  const vm = vmOf(step) ?? "";
  const deploy = required(port.beginDeploy, "deploy");
  switch (step.action) {
    case "createVm": {
      const ref = await deploy.call(port, vmDeploymentName(vm), createVmTemplate, vmParameters(manifest, vm, ctx.vmAdmin));
      return { ref };
    }
    case "installGpuExtension": {
      const spec = manifest.spec.virtualMachines.find((v) => v.name === vm);
      const ref = await deploy.call(
        port,
        extensionDeploymentName(vm),
        gpuExtensionTemplate,
        extensionParameters({
          vm,
          osType: spec?.os?.type ?? "Linux",
          release: ctx.release,
          windowsDriver: ctx.windowsDriver,
        }),
      );
      return { ref };
    }
    case "deleteVm": {
      const started = await action(ctx, { kind: "deleteVm", vm }, "vm");
      if ("done" in started) await cleanUpDeletedVm(ctx, vm);
      return started;
    }
    case "deallocateVm":
    case "startVm":
      return action(ctx, { kind: step.action, vm });
    case "resizeVm":
      if (!step.size) throw new DeviceError("INTERNAL", `resizeVm ${vm} without a size`, false);
      return action(ctx, { kind: "resizeVm", vm, size: step.size });
    case "removeKubernetes":
    case "configureKubernetes":
      return action(ctx, { kind: step.action });
    case "updateSoftware": {
      const started = await action(ctx, { kind: "downloadUpdates" }, "download");
      return "done" in started ? action(ctx, { kind: "installUpdates" }, "install") : started;
    }
  }
}

/**
 * The operation of `pending` ended well: starts the step's next part, or returns done.
 * Throws a terminal DeviceError when the step ended without its effect.
 */
export async function continueStep(ctx: StepContext, pending: { action: string; vm?: string; phase?: string }): Promise<StepStart> {
  if (pending.action === "deleteVm" && pending.vm) {
    await cleanUpDeletedVm(ctx, pending.vm);
    return { done: true };
  }
  if (pending.action === "updateSoftware" && pending.phase === "download") return action(ctx, { kind: "installUpdates" }, "install");
  if (pending.action === "updateSoftware" && pending.phase === "install") {
    const now = await ctx.port.softwareVersion();
    const target = ctx.manifest.spec.softwareVersion;
    if (target && now !== target) {
      throw new DeviceError(
        "UPDATE_DID_NOT_REACH_TARGET",
        `after installing updates the device runs ${now ?? "an unknown release"}, not ${target}`,
        false,
      );
    }
  }
  return { done: true };
}
