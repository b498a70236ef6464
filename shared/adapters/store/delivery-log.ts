/**
 * Remembers webhook delivery ids so a redelivered event is not processed twice. The insert
 * is the check: Tables refuse a second entity with the same keys (409), atomically, so two
 * instances racing on one delivery cannot both win. Old rows are swept by age.
 */
import { odata, type TableClient } from "@azure/data-tables";
import { once, statusOf, tableKey } from "./storage-clients.js";
import type { DeliveryLog } from "../../ports/delivery-log.js";

export type { DeliveryLog } from "../../ports/delivery-log.js";

export const DELIVERIES_TABLE = "githubdeliveries";

// Spread rows over partitions by the id's first characters (delivery ids are GUIDs).
const partitionOf = (deliveryId: string) => tableKey(deliveryId.slice(0, 2).toLowerCase() || "_");

export function createDeliveryLog(table: TableClient): DeliveryLog {
  const ensure = once(async () => {
    await table.createTable();
  });
  return {
    async claim(deliveryId, event) {
      await ensure();
      try {
        await table.createEntity({
          partitionKey: partitionOf(deliveryId),
          rowKey: tableKey(deliveryId),
          event,
          receivedAt: new Date().toISOString(),
        });
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw error;
      }
    },
    async release(deliveryId) {
      await ensure();
      await table.deleteEntity(partitionOf(deliveryId), tableKey(deliveryId)).catch((error: unknown) => {
        if (statusOf(error) !== 404) throw error;
      });
    },
    async sweep(olderThan) {
      await ensure();
      let deleted = 0;
      const rows = table.listEntities<{ receivedAt?: string }>({
        queryOptions: { filter: odata`receivedAt lt ${olderThan.toISOString()}`, select: ["PartitionKey", "RowKey"] },
      });
      for await (const row of rows) {
        await table.deleteEntity(row.partitionKey!, row.rowKey!).catch((error: unknown) => {
          if (statusOf(error) !== 404) throw error;
        });
        deleted++;
      }
      return deleted;
    },
  };
}
