/** What a merge did, per device, and each device's last applied and attempted commit (adapters/store/reconcile-runs.ts keeps them in Table storage). */

export type DeviceOutcome = "pending" | "running" | "converged" | "failed" | "refused" | "invalid" | "skipped-stale" | "unmanaged";

export const FINAL_OUTCOMES: ReadonlySet<DeviceOutcome> = new Set(["converged", "failed", "refused", "invalid", "skipped-stale", "unmanaged"]);

export interface DeviceResult {
  device: string;
  file: string;
  outcome: DeviceOutcome;
  /** 1-based step the device failed at, with its action. */
  step?: number;
  action?: string;
  stepsDone?: number;
  total?: number;
  message?: string;
  attempt?: number;
  updatedAt: string;
}

export interface ReconcileRun {
  repository: string;
  commit: string;
  deliveryId: string;
  checkRunId?: number;
  checkRunUrl?: string;
  devices: Array<{ device: string; file: string }>;
  completed: boolean;
  createdAt: string;
}

export interface DeviceState {
  appliedCommit?: string;
  attemptedCommit?: string;
  /** The newest commit pushed for the device (its apply job queued): older jobs stop at a step boundary. */
  pushedCommit?: string;
  outcome?: DeviceOutcome;
  updatedAt?: string;
}

export interface ReconcileRuns {
  createRun(run: Omit<ReconcileRun, "completed" | "createdAt">): Promise<ReconcileRun>;
  getRun(repository: string, commit: string): Promise<ReconcileRun | undefined>;
  setCheckRun(repository: string, commit: string, checkRun: { id: number; url?: string }): Promise<void>;
  /** Marks the run completed; true only for the one caller that did it. */
  claimCompletion(repository: string, commit: string): Promise<boolean>;
  putResult(repository: string, commit: string, result: Omit<DeviceResult, "updatedAt">): Promise<void>;
  results(repository: string, commit: string): Promise<DeviceResult[]>;
  deviceState(repository: string, device: string): Promise<DeviceState>;
  putDeviceState(repository: string, device: string, state: DeviceState): Promise<void>;
}
