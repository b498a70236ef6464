/**
 * The project's own ARM templates (shared/device/templates/) and their parameters:
 * CreateVM.json's parameters (domain.md §5) for NIC + VM, and the GPU driver extension with
 * the publisher, type and typeHandlerVersion for the OS and release (domain.md §4).
 */
import { createHmac } from "node:crypto";
import { compareReleases } from "../claims/model.js";
import createVmTemplate from "./templates/create-vm.json" with { type: "json" };
import gpuExtensionTemplate from "./templates/add-gpu-extension.json" with { type: "json" };
import { GPU_EXTENSION_NAME, MANAGED_TAG, MANAGED_TAG_VALUE } from "./port.js";

export { createVmTemplate, gpuExtensionTemplate };

/** Deterministic names: a re-run finds the same deployment instead of creating a twin. */
export const vmDeploymentName = (vm: string) => `ase-gitops-${vm}-vm`.slice(0, 64);
export const extensionDeploymentName = (vm: string) => `ase-gitops-${vm}-gpuext`.slice(0, 64);
export const nicName = (vm: string) => `${vm}-nic`;

export interface VmParametersInput {
  vm: string;
  size: string;
  image: string;
  adminUsername: string;
  /** Explicit admin password, or derived from the device password (stable across re-runs). */
  adminPassword?: string;
  devicePassword: string;
  device: string;
}

/**
 * A redeployment must send the same osProfile (ARM refuses a changed adminPassword), so a
 * missing explicit password is derived, not random: HMAC(device password, device/vm).
 */
export function derivedAdminPassword(devicePassword: string, device: string, vm: string): string {
  const digest = createHmac("sha256", devicePassword).update(`vm-admin:${device}/${vm}`).digest("base64url").slice(0, 20);
  return `Ag1!${digest}`;
}

export function vmParameters(input: VmParametersInput): Record<string, unknown> {
  return {
    vmName: input.vm,
    adminUsername: input.adminUsername,
    Password: input.adminPassword ?? derivedAdminPassword(input.devicePassword, input.device, input.vm),
    imageName: input.image,
    vmSize: input.size,
    vnetName: "ASEVNET",
    vnetRG: "ASERG",
    subnetName: "ASEVNETsubNet",
    nicName: nicName(input.vm),
    IPConfigName: `${input.vm}-ipconfig`,
    privateIPAddress: "",
    tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE },
  };
}

export interface ExtensionParametersInput {
  vm: string;
  osType: "Linux" | "Windows";
  /** Device release (YYMM); unknown counts as older than 2205. */
  release?: string;
  windowsDriver: { url: string; certificateUrl: string };
}

export function gpuExtensionVersion(osType: "Linux" | "Windows", release: string | undefined): string {
  if (release === undefined || compareReleases(release, "2205") < 0) return "1.3";
  return osType === "Windows" ? "1.5" : "1.8";
}

export function extensionParameters(input: ExtensionParametersInput): Record<string, unknown> {
  const windows = input.osType === "Windows";
  return {
    vmName: input.vm,
    extensionName: GPU_EXTENSION_NAME,
    publisher: "Microsoft.HpcCompute",
    type: windows ? "NvidiaGpuDriverWindows" : "NvidiaGpuDriverLinux",
    typeHandlerVersion: gpuExtensionVersion(input.osType, input.release),
    settings: windows
      ? { DriverURL: input.windowsDriver.url, DriverCertificateUrl: input.windowsDriver.certificateUrl, DriverType: "CUDA" }
      : {},
  };
}
