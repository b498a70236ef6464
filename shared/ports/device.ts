/**
 * DevicePort: what the controller needs from one device, in our words. The ARM
 * implementation (arm-port.ts) wraps the Azure SDK clients; observe/apply depend only on this.
 */
import type { ExtensionState } from "../core/claims/model.js";

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
  /** Configured and done: a role still Creating or Updating is not. */
  configured: boolean;
  /** Creating, Updating or Deleting: an operation on the role is still running. */
  inProgress?: boolean;
  name?: string;
  state?: string;
}

export interface DeploymentOutcome {
  state: string;
  error?: { code: string; message: string };
}

/** A device operation started and not waited for: what to check later (journaled). */
export type OperationRef =
  /** An ARM template deployment, checked by its stable name (and its status URL, which says how long to wait, when known). */
  | { kind: "deployment"; name: string; url?: string }
  /** An async operation, checked at its Azure-AsyncOperation (or Location) URL on the device. */
  | { kind: "async"; url: string; what: string };

export type OperationProgress =
  { state: "running"; retryAfterSec?: number } | { state: "succeeded" } | { state: "failed"; code: string; message: string; transient: boolean };

/** An operation the resumable apply starts without waiting (one per plan step, or part of one). */
export type DeviceAction =
  | { kind: "startVm" | "deallocateVm" | "deleteVm"; vm: string }
  | { kind: "resizeVm"; vm: string; size: string }
  | { kind: "configureKubernetes" | "removeKubernetes" | "downloadUpdates" | "installUpdates" };

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
  /**
   * Starts a deployment and returns at once. A deployment of that name still running (409
   * DeploymentActive) is the same operation: its ref is returned, nothing is started twice.
   */
  beginDeploy?(name: string, template: object, parameters: Record<string, unknown>): Promise<OperationRef>;
  /** Starts an action and returns at once; undefined when the device finished it already (or there was nothing to do). */
  beginAction?(action: DeviceAction): Promise<OperationRef | undefined>;
  /** One look at a started operation; never waits. */
  checkOperation?(ref: OperationRef): Promise<OperationProgress>;
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
