/**
 * DevicePort: what the controller needs from one device, in our words. The ARM
 * implementation (arm-port.ts) wraps the Azure SDK clients; observe/apply depend only on this.
 */
import type { ExtensionState } from "../claims/model.js";

export type VmPower = "running" | "stopped" | "deallocated" | "starting" | "stopping" | "deallocating" | "unknown";

export interface VmRecord {
  name: string;
  size: string;
  power: VmPower;
  osType?: "Linux" | "Windows";
  /** Tagged `managed-by: ase-gitops` when the controller created it. */
  managed: boolean;
  gpuExtension: ExtensionState;
  /** From the controller's tags on VMs it created: the static IP asked for ("" = dynamic), customData sha256 ("" = none). */
  privateIP?: string;
  customDataSha256?: string;
}

export interface GpuCapacity {
  total: number;
  used: number;
  free: number;
}

export interface KubernetesRoleInfo {
  configured: boolean;
  name?: string;
  state?: string;
}

export interface DeploymentOutcome {
  state: string;
  error?: { code: string; message: string };
}

export interface DevicePort {
  readonly name: string;
  listVms(): Promise<VmRecord[]>;
  kubernetesRole(): Promise<KubernetesRoleInfo>;
  gpuCapacity(): Promise<GpuCapacity>;
  /** YYMM release, undefined when the device does not say. */
  softwareVersion(): Promise<string | undefined>;
  /** PUT the deployment and wait; throws a DeviceError when it ends Failed. */
  deploy(name: string, template: object, parameters: Record<string, unknown>): Promise<void>;
  deleteDeployment(name: string): Promise<void>;
  startVm(vm: string): Promise<void>;
  deallocateVm(vm: string): Promise<void>;
  powerOffVm(vm: string): Promise<void>;
  deleteVm(vm: string): Promise<void>;
  resizeVm(vm: string, size: string): Promise<void>;
  deleteNic(nic: string): Promise<void>;
  configureKubernetes(): Promise<void>;
  removeKubernetes(): Promise<void>;
  downloadUpdates(): Promise<void>;
  installUpdates(): Promise<void>;
  /** Closes the port's idle connections; call it when done with the device. */
  dispose?(): void;
}

export const MANAGED_TAG = "managed-by";
export const MANAGED_TAG_VALUE = "ase-gitops";
/** Tags the controller writes on the VMs it creates: what it asked for, read back by observe. */
export const PRIVATE_IP_TAG = "ase-gitops-private-ip";
export const CUSTOM_DATA_TAG = "ase-gitops-custom-data-sha256";
export const KUBERNETES_ROLE_NAME = "kubernetes";
export const GPU_EXTENSION_NAME = "gpu-driver";
