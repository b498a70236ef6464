/**
 * One simulated device: its GPU claim state (shared/core/claims/model.ts, the only place GPU
 * rules live) plus the ARM resources around it. Every claim change goes through the pure
 * model functions; this module only keeps ARM metadata beside them.
 */
import { randomUUID } from "node:crypto";
import { type ClaimResult, type ClaimState, stateFromObserved } from "../shared/core/claims/model.js";
import type { GpuModel } from "../shared/core/claims/sizes.js";
import type { ObservedDevice } from "../shared/core/plan/observed.js";
import { CUSTOM_DATA_TAG, MANAGED_TAG, MANAGED_TAG_VALUE, PRIVATE_IP_TAG } from "../shared/core/device/names.js";

/** The tags the controller writes (seeded from an observed state's VMs): the controller's own names. */
export { CUSTOM_DATA_TAG, MANAGED_TAG, MANAGED_TAG_VALUE, PRIVATE_IP_TAG } from "../shared/core/device/names.js";

export const ASE_VNET_RG = "ASERG";
export const ASE_VNET = "ASEVNET";
export const ASE_SUBNET = "ASEVNETsubNet";
export const DEFAULT_RELEASE = "2303";
/** The address range the simulated ASEVNETsubNet has (a real device's is set when compute is enabled). */
export const ASE_SUBNET_PREFIX = "10.0.0.0/24";

/** What a VM's osProfile asked for, kept so tests can check what reached the device (never the password). */
export interface SimOsProfile {
  adminUsername: string;
  passwordSet: boolean;
  disablePasswordAuthentication: boolean;
  sshPublicKeys: { path: string; keyData: string }[];
  /** base64, as sent. */
  customData?: string;
}

/** A deployment as the device received it (PUT body's template and parameters), in arrival order. */
export interface ReceivedDeployment {
  name: string;
  resourceGroup: string;
  template: unknown;
  parameters: Record<string, unknown>;
}

export interface SimExtension {
  name: string;
  publisher: string;
  type: string;
  typeHandlerVersion: string;
  settings: unknown;
  provisioningState: "Creating" | "Succeeded" | "Failed";
}

export interface SimVm {
  name: string;
  resourceGroup: string;
  vmId: string;
  osType: "Linux" | "Windows";
  imageName: string;
  nicName: string;
  tags: Record<string, string>;
  extensions: Map<string, SimExtension>;
  osProfile?: SimOsProfile;
  /** Transitional power state shown while a power operation runs. */
  pendingPower?: "starting" | "stopping" | "deallocating";
}

export interface SimNic {
  name: string;
  resourceGroup: string;
  ipConfigName: string;
  privateIPAddress: string;
  subnetId: string;
}

export interface SimDeployment {
  name: string;
  resourceGroup: string;
  provisioningState: "Accepted" | "Running" | "Succeeded" | "Failed";
  templateHash: string;
  parameters: Record<string, unknown>;
  timestamp: string;
  correlationId: string;
  error?: { code: string; message: string; details?: { code: string; message: string }[] };
  outputResources: string[];
  /** Async operation id of the run in progress. */
  operationId?: string;
}

export interface SimRole {
  name: string;
  provisioningState: "Creating" | "Created" | "Deleting" | "Failed";
  hostPlatform: string;
  /** Operation of the create in progress, to re-attach a retried PUT. */
  operationId?: string;
}

export interface SimDevice {
  readonly name: string;
  readonly subscriptionId: string;
  readonly location: string;
  claims: ClaimState;
  /** Keys are lower-case names (ARM names are case-insensitive). */
  resourceGroups: Map<string, { name: string; location: string }>;
  images: Map<string, { name: string; resourceGroup: string; osType: "Linux" | "Windows" }>;
  nics: Map<string, SimNic>;
  vms: Map<string, SimVm>;
  deployments: Map<string, SimDeployment>;
  /** Every deployment PUT the device accepted for validation, in order (tests read what reached the device). */
  receivedDeployments: ReceivedDeployment[];
  role?: SimRole;
  /** Release installUpdates moves the device to. */
  targetRelease?: string;
  updatesDownloaded: boolean;
  /** Bearer tokens issued for this device, with their expiry (ms since epoch). */
  tokens: Map<string, number>;
}

export const key = (...parts: string[]) => parts.map((p) => p.toLowerCase()).join("/");

export interface DeviceSeed {
  name: string;
  gpuCount: number;
  gpuModel: GpuModel;
  subscriptionId: string;
  resourceGroup?: string;
  location: string;
  softwareVersion?: string;
  targetRelease?: string;
  /** Image names to create in the resource group (the manifests' images). */
  images: { name: string; osType: "Linux" | "Windows" }[];
  observed?: ObservedDevice;
}

export function createDevice(seed: DeviceSeed): SimDevice {
  const observed = seed.observed;
  const claims = stateFromObserved({
    totalGpus: seed.gpuCount,
    gpuModel: seed.gpuModel,
    softwareVersion: observed?.softwareVersion ?? seed.softwareVersion ?? DEFAULT_RELEASE,
    kubernetes: observed?.kubernetes,
    virtualMachines: observed?.virtualMachines ?? [],
  });
  const device: SimDevice = {
    name: seed.name,
    subscriptionId: seed.subscriptionId,
    location: seed.location,
    claims,
    resourceGroups: new Map(),
    images: new Map(),
    nics: new Map(),
    vms: new Map(),
    deployments: new Map(),
    receivedDeployments: [],
    targetRelease: seed.targetRelease,
    updatesDownloaded: false,
    tokens: new Map(),
  };
  // What enabling compute on the device created (domain.md §5).
  device.resourceGroups.set(key(ASE_VNET_RG), { name: ASE_VNET_RG, location: seed.location });
  const rg = seed.resourceGroup;
  if (rg) {
    device.resourceGroups.set(key(rg), { name: rg, location: seed.location });
    for (const image of seed.images) {
      device.images.set(key(rg, image.name), { name: image.name, resourceGroup: rg, osType: image.osType });
    }
    for (const vm of claims.vms) {
      const nicName = `${vm.name}-nic`;
      device.nics.set(key(rg, nicName), {
        name: nicName,
        resourceGroup: rg,
        ipConfigName: `${vm.name}-ipconfig`,
        privateIPAddress: observed?.virtualMachines.find((o) => o.name === vm.name)?.privateIP ?? "",
        subnetId: subnetId(device),
      });
      const extensions = new Map<string, SimExtension>();
      if (vm.gpuExtension !== "none") {
        extensions.set("gpu-driver", {
          name: "gpu-driver",
          publisher: "Microsoft.HpcCompute",
          type: "NvidiaGpuDriverLinux",
          typeHandlerVersion: "1.3",
          settings: {},
          provisioningState: ({ succeeded: "Succeeded", failed: "Failed", creating: "Creating" } as const)[vm.gpuExtension],
        });
      }
      device.vms.set(key(vm.name), {
        name: vm.name,
        resourceGroup: rg,
        vmId: randomUUID(),
        osType: "Linux",
        imageName: seed.images[0]?.name ?? "image",
        nicName,
        tags: seededTags(
          vm.managed,
          observed?.virtualMachines.find((o) => o.name === vm.name),
        ),
        extensions,
      });
    }
  }
  if (claims.kubernetes.configured) {
    device.role = { name: "kubernetes", provisioningState: "Created", hostPlatform: "Linux" };
  }
  return device;
}

function seededTags(managed: boolean, observed: ObservedDevice["virtualMachines"][number] | undefined): Record<string, string> {
  return {
    ...(managed ? { [MANAGED_TAG]: MANAGED_TAG_VALUE } : {}),
    ...(observed?.privateIP !== undefined ? { [PRIVATE_IP_TAG]: observed.privateIP } : {}),
    ...(observed?.customDataSha256 !== undefined ? { [CUSTOM_DATA_TAG]: observed.customDataSha256 } : {}),
  };
}

export function subnetId(device: SimDevice): string {
  return `/subscriptions/${device.subscriptionId}/resourceGroups/${ASE_VNET_RG}/providers/Microsoft.Network/virtualNetworks/${ASE_VNET}/subnets/${ASE_SUBNET}`;
}

export class ClaimRefused extends Error {
  constructor(
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** Applies a model transition or throws ClaimRefused with the model's reason. */
export function commitClaim(device: SimDevice, result: ClaimResult): void {
  if (!result.ok) throw new ClaimRefused(result.code, result.reason);
  device.claims = result.state;
}

/** GPU counts as the capacity view reports them. */
export function gpuCounts(device: SimDevice): { total: number; used: number; free: number } {
  const state = device.claims;
  const used = state.kubernetes.gpus + state.vms.reduce((sum, vm) => sum + vm.heldGpus, 0);
  return { total: state.totalGpus, used, free: Math.max(0, state.totalGpus - used) };
}
