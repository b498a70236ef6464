/**
 * Azure Storage clients for one account: from a connection string (AzureWebJobsStorage;
 * Azurite speaks plain http, which the Tables SDK refuses unless told), or from the
 * identity-based settings with a token credential (shared/adapters/store/storage-connection.ts).
 * A table or queue that disappeared (a restarted in-memory Azurite, a recreated account) is
 * created again when a call says TableNotFound / QueueNotFound, and the call is made once
 * more: "created once per process" is not enough.
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
      table: (name) => recreatingTable(new TableClient(resolved.tableUrl, name, credential)),
      queue: (name) => recreatingQueue(queues.getQueueClient(name)),
    };
  }
  const allowInsecureConnection = isHttpEndpoint(resolved.connectionString);
  return {
    table: (name) => recreatingTable(TableClient.fromConnectionString(resolved.connectionString, name, { allowInsecureConnection })),
    queue: (name) => recreatingQueue(queues.getQueueClient(name)),
  };
}

/** The storage error codes that mean "the table / queue / container is gone". */
export function isMissingStore(error: unknown): boolean {
  // Queues and blobs put the storage error code on `code`; tables on `details.errorCode`.
  const e = error as { code?: unknown; details?: { errorCode?: unknown } } | undefined;
  const code = e?.code ?? e?.details?.errorCode;
  return code === "TableNotFound" || code === "QueueNotFound" || code === "ContainerNotFound";
}

async function again<T>(run: () => Promise<T>, recreate: () => Promise<unknown>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isMissingStore(error)) throw error;
    await recreate();
    return run();
  }
}

const TABLE_CALLS = new Set(["createEntity", "upsertEntity", "updateEntity", "getEntity", "deleteEntity", "submitTransaction"]);

/** The table client, with every entity call retried once after re-creating a missing table. */
export function recreatingTable(table: TableClient): TableClient {
  const recreate = () => table.createTable();
  return new Proxy(table, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "listEntities") {
        return (...args: Parameters<TableClient["listEntities"]>) => listRecreating(target, args, recreate);
      }
      if (typeof property === "string" && TABLE_CALLS.has(property)) {
        return (...args: unknown[]) => again(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args), recreate);
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** A missing table lists as empty (and is created); the iterator keeps its paging shape. */
function listRecreating(table: TableClient, args: Parameters<TableClient["listEntities"]>, recreate: () => Promise<unknown>) {
  const inner = table.listEntities(...args);
  async function* rows() {
    try {
      for await (const row of inner) yield row;
    } catch (error) {
      if (!isMissingStore(error)) throw error;
      await recreate();
    }
  }
  const iterator = rows();
  return Object.assign(iterator, { byPage: inner.byPage.bind(inner) }) as unknown as ReturnType<TableClient["listEntities"]>;
}

const QUEUE_CALLS = new Set(["sendMessage", "receiveMessages", "peekMessages", "updateMessage", "deleteMessage"]);

/** The queue client, with message calls retried once after re-creating a missing queue. */
export function recreatingQueue(queue: QueueClient): QueueClient {
  const recreate = () => queue.createIfNotExists();
  return new Proxy(queue, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (typeof property === "string" && QUEUE_CALLS.has(property)) {
        return (...args: unknown[]) => again(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args), recreate);
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
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
export async function findEntity<T extends object>(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<TableEntityResult<T> | undefined> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
