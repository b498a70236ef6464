/**
 * Azure Storage clients from one connection string (AzureWebJobsStorage). Azurite speaks
 * plain http, which the Tables SDK refuses unless told; real accounts use https.
 */
import { TableClient, type TableEntityResult } from "@azure/data-tables";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";

export interface StorageClients {
  table(name: string): TableClient;
  queue(name: string): QueueClient;
}

const isHttpEndpoint = (connection: string) =>
  /usedevelopmentstorage=true/i.test(connection) || /(TableEndpoint|DefaultEndpointsProtocol)=http(;|:)/i.test(connection);

export function createStorageClients(connection: string): StorageClients {
  const queues = QueueServiceClient.fromConnectionString(connection);
  const allowInsecureConnection = isHttpEndpoint(connection);
  return {
    table: (name) => TableClient.fromConnectionString(connection, name, { allowInsecureConnection }),
    queue: (name) => queues.getQueueClient(name),
  };
}

/** `createIfNotExists` once per client and process; later calls reuse the promise. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((error: unknown) => {
      pending = undefined; // let the next call try again
      throw error;
    });
    return pending;
  };
}

/** Table keys may not contain / \ # ? or control characters. */
export function tableKey(value: string): string {
  return value.replace(/[/\\#?\u0000-\u001f\u007f-\u009f%]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** One table row, or undefined when there is none (every other failure is thrown). */
export async function findEntity<T extends object>(table: TableClient, partitionKey: string, rowKey: string): Promise<TableEntityResult<T> | undefined> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
