/**
 * What a merge did, per device: one run per pushed commit (the devices it touched, its
 * check run) and one result per device in it; and per device the commit last applied and
 * last attempted, kept apart so a stale commit is never applied after a newer one.
 */
import type { TableClient } from "@azure/data-tables";
import { findEntity, once, statusOf, tableKey } from "./storage-clients.js";
import { type DeviceResult, type DeviceState, type ReconcileRun, type ReconcileRuns } from "../../ports/reconcile-runs.js";

export {
  type DeviceOutcome,
  type DeviceResult,
  type DeviceState,
  type ReconcileRun,
  type ReconcileRuns,
  FINAL_OUTCOMES,
} from "../../ports/reconcile-runs.js";

export const RECONCILE_RUNS_TABLE = "reconcileruns";
export const DEVICE_STATE_TABLE = "devicestate";

interface RunRow {
  partitionKey: string;
  rowKey: string;
  repository: string;
  commit: string;
  deliveryId: string;
  checkRunId?: number;
  checkRunUrl?: string;
  devices: string;
  completed: boolean;
  createdAt: string;
  etag?: string;
}

const runKey = (repository: string, commit: string) => tableKey(`${repository.toLowerCase()}:${commit}`);

function toRun(row: RunRow): ReconcileRun {
  return {
    repository: row.repository,
    commit: row.commit,
    deliveryId: row.deliveryId,
    ...(row.checkRunId !== undefined ? { checkRunId: row.checkRunId } : {}),
    ...(row.checkRunUrl ? { checkRunUrl: row.checkRunUrl } : {}),
    devices: JSON.parse(row.devices) as ReconcileRun["devices"],
    completed: row.completed,
    createdAt: row.createdAt,
  };
}

const defined = (value: object) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

export function createReconcileRuns(runs: TableClient, states: TableClient): ReconcileRuns {
  const ensure = once(async () => {
    await Promise.all([runs.createTable(), states.createTable()]);
  });
  const readRun = (repository: string, commit: string): Promise<RunRow | undefined> => findEntity<RunRow>(runs, runKey(repository, commit), "run");
  return {
    async createRun(run) {
      await ensure();
      const existing = await readRun(run.repository, run.commit);
      // A redelivered push finds its run and keeps it (and its check run).
      if (existing) return toRun(existing);
      const row = {
        partitionKey: runKey(run.repository, run.commit),
        rowKey: "run",
        ...defined({ ...run, devices: JSON.stringify(run.devices) }),
        completed: false,
        createdAt: new Date().toISOString(),
      };
      try {
        await runs.createEntity(row);
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        return toRun((await readRun(run.repository, run.commit))!);
      }
      return toRun(row as RunRow);
    },
    async getRun(repository, commit) {
      await ensure();
      const row = await readRun(repository, commit);
      return row ? toRun(row) : undefined;
    },
    async setCheckRun(repository, commit, checkRun) {
      await ensure();
      await runs.updateEntity(
        { partitionKey: runKey(repository, commit), rowKey: "run", ...defined({ checkRunId: checkRun.id, checkRunUrl: checkRun.url }) },
        "Merge",
      );
    },
    async claimCompletion(repository, commit) {
      await ensure();
      const row = await readRun(repository, commit);
      if (!row || row.completed) return false;
      try {
        await runs.updateEntity({ partitionKey: row.partitionKey, rowKey: "run", completed: true }, "Merge", { etag: row.etag! });
        return true;
      } catch (error) {
        if (statusOf(error) === 412) return false;
        throw error;
      }
    },
    async putResult(repository, commit, result) {
      await ensure();
      await runs.upsertEntity(
        {
          partitionKey: runKey(repository, commit),
          rowKey: `device:${tableKey(result.device)}`,
          ...defined({ ...result, updatedAt: new Date().toISOString() }),
        },
        "Replace",
      );
    },
    async results(repository, commit) {
      await ensure();
      const out: DeviceResult[] = [];
      const filter = `PartitionKey eq '${runKey(repository, commit).replace(/'/g, "''")}' and RowKey ge 'device:' and RowKey lt 'device;'`;
      for await (const row of runs.listEntities<DeviceResult>({ queryOptions: { filter } })) {
        out.push({
          device: row.device,
          file: row.file,
          outcome: row.outcome,
          ...defined({ step: row.step, action: row.action, stepsDone: row.stepsDone, total: row.total, message: row.message, attempt: row.attempt }),
          updatedAt: row.updatedAt,
        } as DeviceResult);
      }
      return out.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
    },
    async deviceState(repository, device) {
      await ensure();
      const row = await findEntity<DeviceState>(states, tableKey(repository.toLowerCase()), tableKey(device));
      return row
        ? (defined({
            appliedCommit: row.appliedCommit,
            attemptedCommit: row.attemptedCommit,
            pushedCommit: row.pushedCommit,
            outcome: row.outcome,
            updatedAt: row.updatedAt,
          }) as DeviceState)
        : {};
    },
    async putDeviceState(repository, device, state) {
      await ensure();
      await states.upsertEntity(
        { partitionKey: tableKey(repository.toLowerCase()), rowKey: tableKey(device), ...defined({ ...state, updatedAt: new Date().toISOString() }) },
        "Merge",
      );
    },
  };
}
