/**
 * The project's own ARM templates (shared/core/device/templates/) and their parameters:
 * CreateVM.json's parameters (domain.md §5, §9) for NIC + VM, with SSH keys, a named password
 * credential and customData, and the GPU driver extension with
 * the publisher, type and typeHandlerVersion for the OS and release (domain.md §4).
 */
import { randomBytes } from "node:crypto";
import { compareReleases } from "../claims/model.js";
import { DEFAULT_CREDENTIAL_PREFIX, credentialNameProblem } from "../manifest/credential-name.js";
import { referencedFilesOf, vmFilesOf } from "../manifest/referenced-files.js";
import type { EdgeDevice, VirtualMachineSpec } from "../manifest/schema.js";
import type { PlanStep } from "../plan/types.js";
import { vmNetwork } from "../plan/vm-checks.js";
import { DeviceError } from "../errors/device-error.js";
import createVmTemplate from "./templates/create-vm.json" with { type: "json" };
import gpuExtensionTemplate from "./templates/add-gpu-extension.json" with { type: "json" };
import { CUSTOM_DATA_TAG, GPU_EXTENSION_NAME, MANAGED_TAG, MANAGED_TAG_VALUE, PRIVATE_IP_TAG } from "./names.js";

export { createVmTemplate, gpuExtensionTemplate };

/** Deterministic names: a re-run finds the same deployment instead of creating a twin. */
export const vmDeploymentName = (vm: string) => `ase-gitops-${vm}-vm`.slice(0, 64);
export const extensionDeploymentName = (vm: string) => `ase-gitops-${vm}-gpuext`.slice(0, 64);
export const nicName = (vm: string) => `${vm}-nic`;

/** Azure's rule for adminPassword: 12 to 123 characters. */
export const MIN_ADMIN_PASSWORD_LENGTH = 12;
export const DEFAULT_ADMIN_USERNAME = "azureuser";

/**
 * Where a VM's login comes from at apply time: the admin password is read from the setting the
 * manifest names (inside the device credential namespace) and nowhere else. A VM with only SSH
 * keys, or `login: none`, gets a random password nobody keeps, with password login disabled
 * for Linux keys; it is kept per VM for one apply so a retried deployment sends the same one.
 */
export interface VmAdmin {
  defaultUsername: string;
  credentialPrefix?: string;
  secret(name: string): string | undefined;
  throwawayPasswords: Map<string, string>;
}

export function vmAdminFrom(settings: { vmAdminUser?: string; credentialPrefix?: string; secret(name: string): string | undefined }): VmAdmin {
  return {
    defaultUsername: settings.vmAdminUser ?? DEFAULT_ADMIN_USERNAME,
    ...(settings.credentialPrefix ? { credentialPrefix: settings.credentialPrefix } : {}),
    secret: (name) => settings.secret(name),
    throwawayPasswords: new Map(),
  };
}

function throwawayPassword(admin: VmAdmin, vm: string): string {
  let password = admin.throwawayPasswords.get(vm);
  if (!password) {
    // Upper, lower, digit and symbol: Azure's complexity rule, whatever the random part holds.
    password = `Aa1!${randomBytes(24).toString("base64url")}`;
    admin.throwawayPasswords.set(vm, password);
  }
  return password;
}

/** The admin password for `vm`: the named credential, checked, or a throwaway one. Never logged. */
export function vmAdminPassword(device: string, spec: VirtualMachineSpec, admin: VmAdmin): string {
  const name = spec.adminPassword?.credential;
  if (!name) return throwawayPassword(admin, spec.name);
  const outside = credentialNameProblem(name, admin.credentialPrefix ?? DEFAULT_CREDENTIAL_PREFIX);
  if (outside) throw new DeviceError("CREDENTIAL_NOT_ALLOWED", `device ${device}: VM ${spec.name} adminPassword.credential: ${outside}`, false);
  const value = admin.secret(name);
  if (!value)
    throw new DeviceError("MISSING_CREDENTIAL", `device ${device}: the setting ${name} (VM ${spec.name} adminPassword.credential) is not set`, false);
  if (value.length < MIN_ADMIN_PASSWORD_LENGTH || value.length > 123) {
    throw new DeviceError(
      "MISSING_CREDENTIAL",
      `device ${device}: the setting ${name} (VM ${spec.name} adminPassword.credential) must hold 12 to 123 characters`,
      false,
    );
  }
  return value;
}

/** Checks every VM password the plan will need before the first step runs: no half-applied device for a missing setting. */
export function assertVmCredentials(manifest: EdgeDevice, steps: readonly PlanStep[], admin: VmAdmin): void {
  for (const step of steps) {
    if (step.action !== "createVm") continue;
    const spec = manifest.spec.virtualMachines.find((v) => v.name === step.vm);
    if (spec?.adminPassword) vmAdminPassword(manifest.metadata.name, spec, admin);
  }
}

/** CreateVM.json's parameters (domain.md §9) plus ssh keys and customData, for one manifest VM. */
export function vmParameters(manifest: EdgeDevice, vm: string, admin: VmAdmin): Record<string, unknown> {
  const index = manifest.spec.virtualMachines.findIndex((v) => v.name === vm);
  const spec = manifest.spec.virtualMachines[index];
  if (!spec) throw new DeviceError("INTERNAL", `the plan names VM ${vm}, which the manifest does not list`, false);
  if (spec.ssh?.publicKeys.some((k) => typeof k !== "string") && !referencedFilesOf(manifest)) {
    throw new DeviceError("INTERNAL", `VM ${vm}: the manifest's ssh key files were not read (resolveReferencedFiles)`, false);
  }
  if (spec.customData && !referencedFilesOf(manifest)) {
    throw new DeviceError("INTERNAL", `VM ${vm}: the manifest's customData file was not read (resolveReferencedFiles)`, false);
  }
  const files = vmFilesOf(manifest, index);
  const username = spec.adminUsername ?? admin.defaultUsername;
  const net = vmNetwork(spec);
  const linux = spec.os?.type !== "Windows";
  const keys = linux ? files.sshPublicKeys : [];
  return {
    vmName: vm,
    adminUsername: username,
    Password: vmAdminPassword(manifest.metadata.name, spec, admin),
    imageName: spec.image,
    vmSize: spec.size,
    vnetName: net.vnet,
    vnetRG: net.resourceGroup,
    subnetName: net.subnet,
    nicName: nicName(vm),
    IPConfigName: `${vm}-ipconfig`,
    privateIPAddress: net.privateIP,
    sshPublicKeys: keys.map((keyData) => ({ path: `/home/${username}/.ssh/authorized_keys`, keyData })),
    // Keys and no password credential: the throwaway password must not work either.
    disablePasswordAuthentication: keys.length > 0 && !spec.adminPassword,
    customData: files.customData?.base64 ?? "",
    tags: {
      [MANAGED_TAG]: MANAGED_TAG_VALUE,
      [PRIVATE_IP_TAG]: net.privateIP,
      [CUSTOM_DATA_TAG]: files.customData?.sha256 ?? "",
    },
  };
}

export interface ExtensionParametersInput {
  vm: string;
  osType: "Linux" | "Windows";
  /** Device release (YYMM); unknown counts as older than 2205. */
  release?: string;
  windowsDriver: { url?: string; certificateUrl: string };
}

/**
 * The NVIDIA driver Microsoft's own parameter files (addGPUExtWindowsVM*.parameters.json in
 * Azure-Samples/azure-stack-edge-deploy-vms, domain.md §9) install: 442.50 before 2205,
 * 511.65 from 2205 on. ASE_GITOPS_WINDOWS_DRIVER_URL overrides both.
 */
export const WINDOWS_GPU_DRIVER_BEFORE_2205 = "http://us.download.nvidia.com/tesla/442.50/442.50-tesla-desktop-winserver-2019-2016-international.exe";
export const WINDOWS_GPU_DRIVER_FROM_2205 =
  "http://us.download.nvidia.com/tesla/511.65/511.65-data-center-tesla-desktop-winserver-2016-2019-2022-dch-international.exe";

export function windowsDriverUrl(release: string | undefined, configured?: string): string {
  if (configured) return configured;
  return release === undefined || compareReleases(release, "2205") < 0 ? WINDOWS_GPU_DRIVER_BEFORE_2205 : WINDOWS_GPU_DRIVER_FROM_2205;
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
      ? {
          DriverURL: windowsDriverUrl(input.release, input.windowsDriver.url),
          DriverCertificateUrl: input.windowsDriver.certificateUrl,
          DriverType: "CUDA",
        }
      : {},
  };
}
