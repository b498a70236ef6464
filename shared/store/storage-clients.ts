/**
 * Azure Storage clients for one account: from a connection string (AzureWebJobsStorage;
 * Azurite speaks plain http, which the Tables SDK refuses unless told), or from the
 * identity-based settings with a token credential (shared/store/storage-connection.ts).
 */
import { TableClient, type TableEntityResult } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { type StorageConnection, storageCredential } from "./storage-connection.js";

export interface StorageClients {
  table(name: string): TableClient;
  queue(name: string): QueueClient;
}

const isHttpEndpoint = (connection: string) =>
  /usedevelopmentstorage=true/i.test(connection) || /(TableEndpoint|DefaultEndpointsProtocol)=http(;|:)/i.test(connection);

const asConnection = (connection: string | StorageConnection): StorageConnection =>
  typeof connection === "string" ? { kind: "connectionString", connectionString: connection } : connection;

export function createStorageClients(connection: string | StorageConnection): StorageClients {
  const resolved = asConnection(connection);
  const queues = createQueueServiceClient(resolved);
  if (resolved.kind === "identity") {
    const credential = storageCredential(resolved.identity);
    return {
      table: (name) => new TableClient(resolved.tableUrl, name, credential),
      queue: (name) => queues.getQueueClient(name),
    };
  }
  const allowInsecureConnection = isHttpEndpoint(resolved.connectionString);
  return {
    table: (name) => TableClient.fromConnectionString(resolved.connectionString, name, { allowInsecureConnection }),
    queue: (name) => queues.getQueueClient(name),
  };
}

export function createQueueServiceClient(connection: string | StorageConnection): QueueServiceClient {
  const resolved = asConnection(connection);
  return resolved.kind === "identity"
    ? new QueueServiceClient(resolved.queueUrl, storageCredential(resolved.identity))
    : QueueServiceClient.fromConnectionString(resolved.connectionString);
}

export function createBlobServiceClient(connection: string | StorageConnection): BlobServiceClient {
  const resolved = asConnection(connection);
  return resolved.kind === "identity"
    ? new BlobServiceClient(resolved.blobUrl, storageCredential(resolved.identity))
    : BlobServiceClient.fromConnectionString(resolved.connectionString);
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
