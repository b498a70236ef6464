/**
 * The apply journal for the CLI's `history`: a connection string given on the command line,
 * or the app's storage settings (AzureWebJobsStorage or its identity-based settings).
 */
import { APPLY_JOURNAL_TABLE, createApplyJournal } from "../adapters/store/apply-journal.js";
import { createStorageClients } from "../adapters/store/storage-clients.js";
import { resolveStorageConnection } from "../adapters/store/storage-connection.js";
import type { ApplyJournal } from "../ports/apply-journal.js";

export function openApplyJournal(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { journal: ApplyJournal } | { problem: string } {
  const resolved = explicit ? undefined : resolveStorageConnection(env);
  const connection = explicit ?? resolved?.connection;
  if (!connection) {
    const partial = resolved?.problems.filter((p) => !/^AzureWebJobsStorage is required/.test(p)) ?? [];
    return {
      problem:
        partial.length > 0 ? `storage settings: ${partial.join("; ")}` : "no storage account: pass --storage CONNECTION or set AzureWebJobsStorage",
    };
  }
  return { journal: createApplyJournal(createStorageClients(connection).table(APPLY_JOURNAL_TABLE)) };
}
