/**
 * The apply journal: one row per step transition (device, commit, step, status, attempt,
 * ARM deployment name, time), append-only in Azure Table storage. It is the device's
 * history (`ase-gitops history DEVICE`) and tells a resumed job where the last one stopped.
 */
import type { TableClient } from "@azure/data-tables";
import { once, tableKey } from "./storage-clients.js";
import type { ApplyJournal, JournalEntry } from "../../ports/apply-journal.js";

export type { ApplyJournal, JournalEntry } from "../../ports/apply-journal.js";

export const APPLY_JOURNAL_TABLE = "applyjournal";

const partition = (repository: string, device: string) => tableKey(`${repository.toLowerCase()}:${device}`);

export function createApplyJournal(table: TableClient): ApplyJournal {
  const ensure = once(async () => {
    await table.createTable();
  });
  let sequence = 0;
  return {
    async append(entry) {
      await ensure();
      const at = entry.at ?? new Date().toISOString();
      // Time first so a partition reads in order; the sequence keeps same-millisecond rows apart.
      const rowKey = `${at}-${String(process.pid).padStart(7, "0")}-${String(sequence++).padStart(6, "0")}`;
      await table.createEntity({
        partitionKey: partition(entry.repository, entry.device),
        rowKey,
        ...Object.fromEntries(Object.entries({ ...entry, at }).filter(([, v]) => v !== undefined)),
      });
    },
    async history(repository, device) {
      await ensure();
      const entries: JournalEntry[] = [];
      const filter = `PartitionKey eq '${partition(repository, device).replace(/'/g, "''")}'`;
      for await (const row of table.listEntities<JournalEntry>({ queryOptions: { filter } })) {
        entries.push({
          repository: row.repository,
          device: row.device,
          commit: row.commit,
          attempt: row.attempt,
          step: row.step,
          action: row.action,
          ...(row.vm ? { vm: row.vm } : {}),
          status: row.status,
          ...(row.deployment ? { deployment: row.deployment } : {}),
          ...(row.customDataSha256 ? { customDataSha256: row.customDataSha256 } : {}),
          ...(row.message ? { message: row.message } : {}),
          at: row.at,
        });
      }
      return entries;
    },
    async devices() {
      await ensure();
      const seen = new Map<string, { repository: string; device: string }>();
      for await (const row of table.listEntities<JournalEntry>({ queryOptions: { select: ["repository", "device"] } })) {
        seen.set(`${row.repository}:${row.device}`, { repository: row.repository, device: row.device });
      }
      return [...seen.values()];
    },
  };
}
