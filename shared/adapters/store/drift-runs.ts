/**
 * Drift runs in Azure Tables: one row per run (how many device checks it fanned out, and
 * counters per status) and one row per device result. The first write of a device's result
 * counts it (a redelivered message overwrites its row without counting twice); the run row
 * is updated under its ETag, so the one job that completes the run knows it and writes the
 * run's summary line.
 */
import type { TableClient, TableEntity } from "@azure/data-tables";
import { findEntity, once, statusOf, tableKey } from "./storage-clients.js";
import type { DriftStatus } from "../../core/drift/assess.js";

import type { DriftTrigger } from "../../core/messages/drift.js";
import type { DriftResultRow, DriftRun, DriftRuns } from "../../ports/drift-runs.js";

export type { DriftResultRow, DriftRun, DriftRuns } from "../../ports/drift-runs.js";

export const DRIFT_RUNS_TABLE = "driftruns";
const RUN_ROW = "run";

interface RunEntity {
  partitionKey: string;
  rowKey: string;
  trigger: string;
  repositories: string;
  total: number;
  done: number;
  converged: number;
  drifted: number;
  unreachable: number;
  skipped: number;
  startedAt: string;
  completedAt?: string;
}

const toRun = (e: RunEntity): DriftRun => ({
  runId: e.partitionKey,
  trigger: e.trigger as DriftTrigger,
  repositories: JSON.parse(e.repositories) as string[],
  total: e.total,
  done: e.done,
  counts: { converged: e.converged, drifted: e.drifted, unreachable: e.unreachable, skipped: e.skipped },
  startedAt: e.startedAt,
  ...(e.completedAt ? { completedAt: e.completedAt } : {}),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createDriftRuns(table: TableClient, now: () => Date = () => new Date()): DriftRuns {
  const ensure = once(async () => {
    await table.createTable();
  });
  const pk = (runId: string) => tableKey(runId);
  const getRun = async (runId: string) => {
    await ensure();
    return findEntity<RunEntity>(table, pk(runId), RUN_ROW);
  };
  return {
    async createRun(run) {
      await ensure();
      const entity: RunEntity = {
        partitionKey: pk(run.runId),
        rowKey: RUN_ROW,
        trigger: run.trigger,
        repositories: JSON.stringify(run.repositories),
        total: run.total,
        done: 0,
        converged: 0,
        drifted: 0,
        unreachable: 0,
        skipped: 0,
        startedAt: now().toISOString(),
      };
      try {
        await table.createEntity(entity);
        return toRun(entity);
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        return toRun((await getRun(run.runId))!);
      }
    },
    async getRun(runId) {
      const entity = await getRun(runId);
      return entity ? toRun(entity) : undefined;
    },
    async putResult(runId, result) {
      await ensure();
      const row = {
        partitionKey: pk(runId),
        rowKey: tableKey(`${result.repository}~${result.device}`),
        repository: result.repository,
        device: result.device,
        file: result.file,
        status: result.status,
        codes: result.codes.join(","),
        issue: result.issue ? JSON.stringify(result.issue) : "",
        remediation: JSON.stringify(result.remediation),
        message: (result.message ?? "").slice(0, 4000),
        updatedAt: now().toISOString(),
      };
      // The result row and the run's counters change in one transaction (same partition):
      // a worker dying in between can never leave a result counted zero or two times.
      for (let attempt = 0; ; attempt++) {
        if (await findEntity(table, row.partitionKey, row.rowKey)) {
          await table.upsertEntity(row, "Replace");
          return { completed: false }; // a redelivery: counted the first time
        }
        const found = await getRun(runId);
        if (!found) return { completed: false };
        const { etag, timestamp: _timestamp, ...entity } = found as RunEntity & { etag?: string; timestamp?: string };
        const next: RunEntity = { ...entity, done: entity.done + 1, [result.status]: (entity[result.status] as number) + 1 };
        const completes = next.done >= next.total && !entity.completedAt;
        if (completes) next.completedAt = now().toISOString();
        try {
          await table.submitTransaction([
            ["create", row],
            ["update", { ...next } as TableEntity<Record<string, unknown>>, "Replace", { etag }],
          ]);
          return { run: toRun(next), completed: completes };
        } catch (error) {
          // Another device's result got in first (stale ETag), or this one was just written.
          const status = statusOf(error);
          if ((status !== 412 && status !== 409 && status !== 400) || attempt >= 50) throw error;
          await sleep(5 + Math.random() * 20 * Math.min(attempt + 1, 5));
        }
      }
    },
    async results(runId) {
      await ensure();
      const rows: DriftResultRow[] = [];
      for await (const e of table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: `PartitionKey eq '${pk(runId).replace(/'/g, "''")}'` },
      })) {
        if (e.rowKey === RUN_ROW) continue;
        rows.push({
          repository: String(e.repository),
          device: String(e.device),
          file: String(e.file),
          status: e.status as DriftStatus,
          codes: String(e.codes ?? "")
            .split(",")
            .filter(Boolean),
          ...(e.issue ? { issue: JSON.parse(String(e.issue)) as DriftResultRow["issue"] } : {}),
          remediation: JSON.parse(String(e.remediation)) as DriftResultRow["remediation"],
          ...(e.message ? { message: String(e.message) } : {}),
          updatedAt: String(e.updatedAt),
        });
      }
      return rows.sort((a, b) => a.repository.localeCompare(b.repository) || a.device.localeCompare(b.device));
    },
  };
}
