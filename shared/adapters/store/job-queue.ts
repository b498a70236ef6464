/**
 * Sends job messages to Azure Storage queues in the encoding the Functions host expects
 * for queue triggers: base64 of the UTF-8 JSON.
 */
import type { StorageClients } from "./storage-clients.js";
import { once } from "./storage-clients.js";
import { ControllerError } from "../../core/errors/controller-error.js";
import type { JobQueue } from "../../ports/job-queue.js";

export type { JobQueue, SendOptions } from "../../ports/job-queue.js";

/** Azure queue messages are at most 64 KiB; base64 makes 48 KiB of JSON the ceiling. */
export const MAX_MESSAGE_JSON_BYTES = 48 * 1024;

export class MessageTooLargeError extends ControllerError {
  readonly code = "QUEUE_MESSAGE_TOO_LARGE";
  /** The same message never fits: sending it again cannot help. */
  readonly transient = false;
  constructor(
    readonly queue: string,
    readonly bytes: number,
  ) {
    super(`message for ${queue} is ${bytes} bytes of JSON; the limit is ${MAX_MESSAGE_JSON_BYTES}`);
  }
}

export function createJobQueue(storage: StorageClients): JobQueue {
  const clients = new Map<string, { send: (text: string, delaySeconds?: number) => Promise<unknown> }>();
  const clientFor = (name: string) => {
    let entry = clients.get(name);
    if (!entry) {
      const client = storage.queue(name);
      const ensure = once(() => client.createIfNotExists());
      entry = {
        send: async (text, delaySeconds) => {
          await ensure();
          return client.sendMessage(text, delaySeconds ? { visibilityTimeout: delaySeconds } : {});
        },
      };
      clients.set(name, entry);
    }
    return entry;
  };
  return {
    async send(queue, message, options = {}) {
      const json = JSON.stringify(message);
      const bytes = Buffer.byteLength(json, "utf8");
      if (bytes > MAX_MESSAGE_JSON_BYTES) throw new MessageTooLargeError(queue, bytes);
      await clientFor(queue).send(Buffer.from(json, "utf8").toString("base64"), options.delaySeconds);
    },
  };
}
