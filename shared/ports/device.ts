/**
 * DevicePort: what the controller needs from one device, in our words. The ARM
 * implementation (adapters/device/arm-port.ts) wraps the Azure SDK clients; observe/apply
 * depend only on this. Every method rejects with a DeviceError, never a provider's error.
 */
import type { ExtensionState } from "../core/claims/model.js";
import type { DeviceError } from "../core/errors/device-error.js";
import type { EdgeDevice } from "../core/manifest/schema.js";

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

export { CUSTOM_DATA_TAG, GPU_EXTENSION_NAME, KUBERNETES_ROLE_NAME, MANAGED_TAG, MANAGED_TAG_VALUE, PRIVATE_IP_TAG } from "../core/device/names.js";

/** A device's port, opened after the trust checks (its password stays inside the adapter). */
export interface Connected {
  port: DevicePort;
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (error: DeviceError, attempt: number, delayMs: number) => void;
}

/**
 * What the use cases get to reach devices: the connector (the device adapter, after the
 * allow-list and credential-namespace checks) and the settings that shape the work.
 */
export interface DeviceAccess {
  /** Throws a DeviceError (ENDPOINT_NOT_ALLOWED, MISSING_CREDENTIAL, ...) before any socket opens. */
  connect(manifest: EdgeDevice): Connected;
  retry: RetryOptions;
  vmAdminUser: string;
  /** Unset url: the published driver for the device's release (templates.ts windowsDriverUrl). */
  windowsDriver: { url?: string; certificateUrl: string };
  /** The device credential namespace (ASE_GITOPS_CREDENTIAL_PREFIX); absent: DEVICE_. */
  credentialPrefix?: string;
  /** The secret a manifest names (VM passwords); never a setting outside the namespace. */
  secret(name: string): string | undefined;
}
