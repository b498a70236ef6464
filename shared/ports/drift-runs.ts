/** Drift runs: one record per run and one result per device (adapters/store/drift-runs.ts). */
import type { DriftStatus } from "../core/drift/assess.js";
import type { DriftSummary } from "../core/drift/summary.js";
import type { DriftTrigger } from "../core/messages/drift.js";

export interface DriftRun {
  runId: string;
  trigger: DriftTrigger;
  repositories: string[];
  total: number;
  done: number;
  counts: Omit<DriftSummary, "checked">;
  startedAt: string;
  completedAt?: string;
}

export interface DriftResultRow {
  repository: string;
  device: string;
  file: string;
  status: DriftStatus;
  codes: string[];
  issue?: { number?: number; action: string };
  remediation: { action: string; reason: string };
  message?: string;
  updatedAt: string;
}

export interface DriftRuns {
  /** Creates the run, or keeps an existing one (a redelivered fan-out). */
  createRun(run: Pick<DriftRun, "runId" | "trigger" | "repositories" | "total">): Promise<DriftRun>;
  getRun(runId: string): Promise<DriftRun | undefined>;
  /** Records a device's result; `completed` is true for the one call that finished the run. */
  putResult(runId: string, result: Omit<DriftResultRow, "updatedAt">): Promise<{ run?: DriftRun; completed: boolean }>;
  results(runId: string): Promise<DriftResultRow[]>;
}
