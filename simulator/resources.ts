/**
 * Resource changes a template deployment makes (NIC, VM, VM extension). GPU effects go
 * through the claim model; everything else is ARM bookkeeping. Errors carry ARM-style codes.
 */
import { randomUUID } from "node:crypto";
import { compareReleases, createVm, findVm, installGpuExtension, resizeVm } from "../shared/core/claims/model.js";
import { sameSize } from "../shared/core/claims/sizes.js";
import { ArmHttpError, armError } from "./arm-errors.js";
import { ipInPrefix } from "../shared/core/plan/vm-checks.js";
import {
  ASE_SUBNET,
  ASE_SUBNET_PREFIX,
  ASE_VNET,
  ASE_VNET_RG,
  ClaimRefused,
  MANAGED_TAG,
  type SimDevice,
  type SimOsProfile,
  type SimVm,
  commitClaim,
  key,
} from "./device-state.js";

/** ARM-style codes the simulator uses for the claim model's refusals (a real device's wording is unknown). */
export const CLAIM_ERROR_CODES: Record<string, string> = {
  NO_GPU_AVAILABLE: "NoGpuAvailable",
  UNSUPPORTED_VM_SIZE: "VMSizeNotSupported",
  GPU_MODEL_MISMATCH: "VMSizeNotSupported",
  VM_ALLOCATED: "OperationNotAllowed",
  VM_EXISTS: "Conflict",
  VM_NOT_FOUND: "ResourceNotFound",
  GPU_VMS_ALLOCATED: "GpuVmsMustBeStopped",
  KUBERNETES_NOT_CONFIGURED: "Conflict",
  KUBERNETES_ALREADY_CONFIGURED: "Conflict",
};

export class ResourceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs a claim transition, turning the model's refusal into a ResourceError. */
export function claim(device: SimDevice, run: () => Parameters<typeof commitClaim>[1]): void {
  try {
    commitClaim(device, run());
  } catch (err) {
    if (err instanceof ClaimRefused) throw new ResourceError(CLAIM_ERROR_CODES[err.code] ?? "Conflict", err.message);
    throw err;
  }
}

export function requireResourceGroup(device: SimDevice, rg: string): string {
  const group = device.resourceGroups.get(key(rg));
  if (!group) throw new ResourceError("ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
  return group.name;
}

/** Splits `/subscriptions/s/resourceGroups/rg/providers/ns/type/name` into rg and name. */
function parseId(id: unknown, type: string): { resourceGroup: string; name: string } | undefined {
  if (typeof id !== "string") return undefined;
  const m = new RegExp(`/resourceGroups/([^/]+)/providers/${type.replace("/", "\\/")}/([^/]+)$`, "i").exec(id);
  return m ? { resourceGroup: m[1]!, name: m[2]! } : undefined;
}

type Props = Record<string, any>;

export function putNic(device: SimDevice, rg: string, name: string, properties: Props): void {
  const group = requireResourceGroup(device, rg);
  const ipConfig = properties?.ipConfigurations?.[0];
  const subnet = String(ipConfig?.properties?.subnet?.id ?? "");
  const expected = new RegExp(`/resourceGroups/${ASE_VNET_RG}/providers/Microsoft.Network/virtualNetworks/${ASE_VNET}/subnets/${ASE_SUBNET}$`, "i");
  if (!expected.test(subnet)) {
    throw new ResourceError(
      "InvalidResourceReference",
      `Subnet '${subnet}' referenced by network interface '${name}' was not found; use ${ASE_VNET}/${ASE_SUBNET} in ${ASE_VNET_RG}.`,
    );
  }
  const privateIPAddress = String(ipConfig?.properties?.privateIPAddress ?? "");
  if (privateIPAddress) {
    if (!ipInPrefix(privateIPAddress, ASE_SUBNET_PREFIX)) {
      throw new ResourceError(
        "PrivateIPAddressNotInSubnet",
        `IP address ${privateIPAddress} does not belong to subnet ${ASE_SUBNET} (${ASE_SUBNET_PREFIX}).`,
      );
    }
    const holder = [...device.nics.values()].find(
      (n) =>
        n.privateIPAddress === privateIPAddress &&
        !(n.name.toLowerCase() === name.toLowerCase() && n.resourceGroup.toLowerCase() === group.toLowerCase()),
    );
    if (holder)
      throw new ResourceError("PrivateIPAddressInUse", `IP address ${privateIPAddress} is already used by network interface '${holder.name}'.`);
  }
  device.nics.set(key(group, name), {
    name,
    resourceGroup: group,
    ipConfigName: String(ipConfig?.name ?? "ipconfig1"),
    privateIPAddress,
    subnetId: subnet,
  });
}

export function putVm(device: SimDevice, rg: string, name: string, properties: Props, tags: Record<string, string>): void {
  const group = requireResourceGroup(device, rg);
  const size = String(properties?.hardwareProfile?.vmSize ?? "");
  const existing = device.vms.get(key(name));
  if (existing && existing.resourceGroup.toLowerCase() !== group.toLowerCase()) {
    throw new ResourceError("Conflict", `A VM named '${name}' already exists in resource group '${existing.resourceGroup}'.`);
  }
  if (existing) {
    // An incremental redeployment of an existing VM: only a size change has a GPU effect.
    const vm = findVm(device.claims, name)!;
    if (size && !sameSize(size, vm.size)) claim(device, () => resizeVm(device.claims, name, size));
    existing.tags = { ...existing.tags, ...tags };
    return;
  }
  const image = parseId(properties?.storageProfile?.imageReference?.id, "Microsoft.Compute/images");
  const imageRecord = image && device.images.get(key(image.resourceGroup, image.name));
  if (!image || !imageRecord) {
    throw new ResourceError("ImageNotFound", `The image '${properties?.storageProfile?.imageReference?.id ?? ""}' was not found.`);
  }
  if (image.resourceGroup.toLowerCase() !== group.toLowerCase()) {
    throw new ResourceError("InvalidParameter", "The image must be in the same resource group as the VM.");
  }
  const nic = parseId(properties?.networkProfile?.networkInterfaces?.[0]?.id, "Microsoft.Network/networkInterfaces");
  if (!nic || !device.nics.get(key(nic.resourceGroup, nic.name))) {
    throw new ResourceError("NotFound", `Network interface for VM '${name}' was not found.`);
  }
  const osProfile = readOsProfile(properties?.osProfile);
  if (osProfile instanceof ResourceError) throw osProfile;
  claim(device, () => createVm(device.claims, { name, size, managed: MANAGED_TAG in tags }));
  const vm: SimVm = {
    osProfile,
    name,
    resourceGroup: group,
    vmId: randomUUID(),
    osType: imageRecord.osType,
    imageName: imageRecord.name,
    nicName: nic.name,
    tags,
    extensions: new Map(),
  };
  device.vms.set(key(name), vm);
}

/** osProfile as Compute 2017-12-01 takes it; refused like Azure when nobody could log in or customData is too big. */
function readOsProfile(raw: Props | undefined): SimOsProfile | ResourceError {
  const adminUsername = String(raw?.adminUsername ?? "");
  if (!adminUsername) return new ResourceError("InvalidParameter", "Required parameter 'adminUsername' is missing (null).");
  const linux = raw?.linuxConfiguration ?? undefined;
  const keys: { path: string; keyData: string }[] = Array.isArray(linux?.ssh?.publicKeys)
    ? linux.ssh.publicKeys.map((k: Props) => ({ path: String(k?.path ?? ""), keyData: String(k?.keyData ?? "") }))
    : [];
  const disablePasswordAuthentication = linux?.disablePasswordAuthentication === true;
  const passwordSet = typeof raw?.adminPassword === "string" && raw.adminPassword.length > 0;
  if (disablePasswordAuthentication && keys.length === 0) {
    return new ResourceError("InvalidParameter", "Password authentication is disabled but no SSH public key was given.");
  }
  if (!passwordSet && keys.length === 0) return new ResourceError("InvalidParameter", "Required parameter 'adminPassword' is missing (null).");
  const customData = typeof raw?.customData === "string" && raw.customData ? raw.customData : undefined;
  if (customData && Buffer.from(customData, "base64").length > 65_535) {
    return new ResourceError(
      "InvalidParameter",
      "Custom data in OSProfile must be in Base64 encoding and with a maximum length of 87380 characters.",
    );
  }
  return { adminUsername, passwordSet, disablePasswordAuthentication, sshPublicKeys: keys, ...(customData ? { customData } : {}) };
}

/** The driver extension version the release expects (domain.md §4). */
export function expectedGpuExtensionVersion(release: string | undefined, type: string): string[] {
  if (!release) return ["1.3", "1.5", "1.8"];
  if (compareReleases(release, "2205") < 0) return ["1.3"];
  return [/windows/i.test(type) ? "1.5" : "1.8"];
}

export function putExtension(device: SimDevice, rg: string, vmName: string, extName: string, properties: Props): void {
  requireResourceGroup(device, rg);
  const vm = device.vms.get(key(vmName));
  if (!vm || vm.resourceGroup.toLowerCase() !== rg.toLowerCase()) {
    throw new ResourceError(
      "ParentResourceNotFound",
      `Can not perform requested operation on nested resource. Parent resource '${vmName}' not found.`,
    );
  }
  const publisher = String(properties?.publisher ?? "");
  const type = String(properties?.type ?? "");
  const version = String(properties?.typeHandlerVersion ?? "");
  const isGpuDriver = /^Microsoft\.HpcCompute$/i.test(publisher);
  if (isGpuDriver) {
    const wanted = vm.osType === "Windows" ? "NvidiaGpuDriverWindows" : "NvidiaGpuDriverLinux";
    if (type.toLowerCase() !== wanted.toLowerCase()) {
      throw new ResourceError(
        "VMExtensionProvisioningError",
        `Extension type '${type}' does not match the ${vm.osType} VM '${vmName}'; use ${wanted}.`,
      );
    }
    const versions = expectedGpuExtensionVersion(device.claims.softwareVersion, type);
    if (!versions.includes(version)) {
      throw new ResourceError(
        "VMExtensionHandlerNotFound",
        `Extension ${publisher}.${type} version '${version}' is not available on release ${device.claims.softwareVersion}; expected ${versions.join(" or ")}.`,
      );
    }
    claim(device, () => installGpuExtension(device.claims, vm.name));
  }
  vm.extensions.set(extName.toLowerCase(), {
    name: extName,
    publisher,
    type,
    typeHandlerVersion: version,
    settings: properties?.settings ?? {},
    provisioningState: "Succeeded",
  });
}

export function asHttpError(err: unknown): ArmHttpError {
  if (err instanceof ArmHttpError) return err;
  if (err instanceof ResourceError) {
    const status = err.code.endsWith("NotFound") ? 404 : err.code === "Conflict" || err.code === "OperationNotAllowed" ? 409 : 400;
    return armError(status, err.code, err.message);
  }
  return armError(500, "InternalServerError", (err as Error).message ?? String(err));
}
