/** A drift run as the HTTP trigger reports it: the summary so far and each device's result. */
import type { DriftResultRow, DriftRuns } from "../../ports/drift-runs.js";
import type { DriftSummary } from "../../core/drift/summary.js";

export type DriftRunResultRow = Omit<DriftResultRow, "updatedAt">;

export interface DriftRunView {
  complete: boolean;
  summary: DriftSummary & { pending: number };
  devices: DriftRunResultRow[];
}

export async function viewRun(runs: DriftRuns, runId: string, withRows = false): Promise<DriftRunView> {
  const run = await runs.getRun(runId);
  const complete = run !== undefined && run.done >= run.total;
  // Polling reads the run row only; the per-device rows once, for the answer.
  const rows = withRows ? await runs.results(runId) : [];
  const c = run?.counts ?? { converged: 0, drifted: 0, unreachable: 0, skipped: 0 };
  return {
    complete,
    summary: { checked: c.converged + c.drifted + c.unreachable, ...c, pending: Math.max(0, (run?.total ?? 0) - (run?.done ?? 0)) },
    devices: rows.map(({ updatedAt: _updatedAt, ...row }) => row),
  };
}
