/**
 * The newest head commit known for each pull request. Plan jobs record their head here and
 * re-read it before writing: a job whose head is no longer the newest was superseded by a
 * later push and must not overwrite the newer plan comment. "Newer" is decided by the
 * pull request's `updated_at` carried in the job, so out-of-order deliveries cannot move
 * the record backwards; the update is conditional on the ETag read, so racing instances
 * cannot either.
 */
import type { TableClient } from "@azure/data-tables";
import { findEntity, once, statusOf, tableKey } from "./storage-clients.js";
import type { PrHeadStore } from "../../ports/pr-heads.js";

export type { PrHead, PrHeadStore } from "../../ports/pr-heads.js";

export const PR_HEADS_TABLE = "pullrequestheads";

interface Row {
  partitionKey: string;
  rowKey: string;
  headSha: string;
  updatedAt: string;
  etag?: string;
}

export function createPrHeadStore(table: TableClient): PrHeadStore {
  const ensure = once(async () => {
    await table.createTable();
  });
  const keys = (repository: string, pr: number) => ({ partitionKey: tableKey(repository.toLowerCase()), rowKey: String(pr) });
  const read = (repository: string, pr: number): Promise<Row | undefined> => {
    const { partitionKey, rowKey } = keys(repository, pr);
    return findEntity<Row>(table, partitionKey, rowKey);
  };
  return {
    async get(repository, pr) {
      await ensure();
      const row = await read(repository, pr);
      return row ? { headSha: row.headSha, updatedAt: row.updatedAt } : undefined;
    },
    async advance(repository, pr, head) {
      await ensure();
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = await read(repository, pr);
        if (row && (row.updatedAt > head.updatedAt || (row.updatedAt === head.updatedAt && row.headSha === head.headSha))) {
          return { headSha: row.headSha, updatedAt: row.updatedAt };
        }
        try {
          const entity = { ...keys(repository, pr), headSha: head.headSha, updatedAt: head.updatedAt };
          if (row) await table.updateEntity(entity, "Replace", { etag: row.etag! });
          else await table.createEntity(entity);
          return head;
        } catch (error) {
          // Someone else wrote in between: read again and decide again.
          if (statusOf(error) === 409 || statusOf(error) === 412) continue;
          throw error;
        }
      }
      throw new Error(`could not record the head of ${repository}#${pr}: too much contention`);
    },
  };
}
