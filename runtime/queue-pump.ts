/**
 * Pumps a storage queue into its registered function with the Functions host's rules:
 * base64 message text, JSON payloads handed over parsed, a message invisible while it is
 * processed (renewed as long as the handler runs, so a killed worker's message comes back
 * after one lease), deleted on success, made visible again after host.json's
 * visibilityTimeout on failure, and moved to `<queue>-poison` after maxDequeueCount tries.
 * An invocation that runs past functionTimeout is abandoned as the host does: its result
 * is ignored, its lease is no longer renewed, and the message comes back after the lease.
 * A queue that disappeared (a restarted Azurite) is created again when a read says so.
 */
import { randomUUID } from "node:crypto";
import functions from "@azure/functions";
import type { DequeuedMessageItem, QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { RegisteredFunction } from "./functions-core-shim.js";
import type { HostConfig } from "./host-config.js";
import { logHandlerFor, type RuntimeLog } from "./runtime-log.js";

// The library is CommonJS: its classes are reached through the default export.
const { InvocationContext } = functions;

export interface QueuePumpOptions {
  fn: RegisteredFunction;
  queueName: string;
  service: QueueServiceClient;
  config: HostConfig["queues"];
  log: RuntimeLog;
  /** How long a message stays invisible while processed before it must be renewed. */
  leaseSeconds?: number;
  /** First poll interval when the queue is empty; doubles up to maxPollingInterval. */
  minPollMs?: number;
  /** host.json functionTimeout (already scaled); undefined = no limit. */
  functionTimeoutMs?: number;
}

export interface QueuePump {
  queueName: string;
  /** Resolves when every message in flight has finished. */
  stop(): Promise<void>;
  /** Messages handled so far (any outcome). */
  readonly handled: number;
  /** Invocations abandoned at functionTimeout. */
  readonly timeouts: number;
}

const isQueueNotFound = (error: unknown) => (error as { code?: unknown } | undefined)?.code === "QueueNotFound";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startQueuePump(options: QueuePumpOptions): Promise<QueuePump> {
  const { fn, config, log } = options;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const queue = options.service.getQueueClient(options.queueName);
  const poison = options.service.getQueueClient(`${options.queueName}-poison`);
  await queue.createIfNotExists();
  await poison.createIfNotExists();
  const inFlight = new Set<Promise<void>>();
  let running = true;
  let handled = 0;
  let timeouts = 0;
  let wake: (() => void) | undefined;

  const ensureQueues = async () => {
    await queue.createIfNotExists();
    await poison.createIfNotExists();
  };
  const moveToPoison = async (message: DequeuedMessageItem) => {
    await poison.sendMessage(message.messageText).catch(async (error: unknown) => {
      if (!isQueueNotFound(error)) throw error;
      await ensureQueues();
      await poison.sendMessage(message.messageText);
    });
    await queue.deleteMessage(message.messageId, message.popReceipt);
    log.error(`[${fn.metadata.name}] message ${message.messageId} moved to ${options.queueName}-poison after ${message.dequeueCount} tries`);
  };

  const process = async (message: DequeuedMessageItem) => {
    if (message.dequeueCount > config.maxDequeueCount) return moveToPoison(message);
    const text = config.base64 ? Buffer.from(message.messageText, "base64").toString("utf8") : message.messageText;
    let payload: unknown = text;
    try {
      payload = JSON.parse(text);
    } catch {
      // Not JSON: the function gets the text, as the host does.
    }
    let popReceipt = message.popReceipt;
    // Each renewal changes the pop receipt: the last one must land before the message is
    // deleted or released with it.
    let renewing: Promise<void> = Promise.resolve();
    const renewal = setInterval(
      () => {
        renewing = renewing.then(() =>
          queue.updateMessage(message.messageId, popReceipt, undefined, leaseSeconds).then(
            (r) => {
              popReceipt = r.popReceipt ?? popReceipt;
            },
            (error: unknown) =>
              log.error(`[${fn.metadata.name}] could not extend the lease of message ${message.messageId}: ${(error as Error).message}`),
          ),
        );
      },
      (leaseSeconds * 1000) / 3,
    );
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: fn.metadata.name,
      logHandler: logHandlerFor(log, fn.metadata.name),
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn,
        expirationTime: message.expiresOn,
        nextVisibleTime: message.nextVisibleOn,
        popReceipt: message.popReceipt,
        queueTrigger: text,
      },
    });
    let failure: unknown;
    let timedOut = false;
    const started = Date.now();
    let timeout: NodeJS.Timeout | undefined;
    const limit = options.functionTimeoutMs;
    try {
      const invocation = Promise.resolve().then(() => fn.handler(payload, context));
      if (limit === undefined) await invocation;
      else {
        await Promise.race([
          invocation,
          new Promise<void>((resolve) => {
            timeout = setTimeout(() => {
              timedOut = true;
              resolve();
            }, limit);
          }),
        ]);
        // The abandoned invocation may still finish (or fail) later: nobody listens.
        if (timedOut) invocation.catch(() => undefined);
      }
    } catch (error) {
      failure = error;
    } finally {
      if (timeout) clearTimeout(timeout);
      clearInterval(renewal);
      await renewing;
    }
    handled++;
    if (timedOut) {
      log.error(
        `[${fn.metadata.name}] try ${message.dequeueCount} of message ${message.messageId} timed out after ${((Date.now() - started) / 1000).toFixed(1)} s (functionTimeout ${(limit! / 1000).toFixed(1)} s): abandoned; the message is visible again after its lease`,
      );
      timeouts++;
      return;
    }
    if (failure === undefined) {
      await queue.deleteMessage(message.messageId, popReceipt).catch((error: unknown) => {
        // It will be delivered again: handlers are idempotent, but say so.
        log.error(`[${fn.metadata.name}] could not delete message ${message.messageId} after success: ${(error as Error).message}`);
      });
      return;
    }
    log.error(
      `[${fn.metadata.name}] try ${message.dequeueCount} of message ${message.messageId} failed: ${(failure as Error).message ?? String(failure)}`,
    );
    if (message.dequeueCount >= config.maxDequeueCount) {
      await moveToPoison({ ...message, popReceipt });
    } else {
      await queue.updateMessage(message.messageId, popReceipt, undefined, Math.ceil(config.retryDelayMs / 1000)).catch(() => undefined);
    }
  };

  const loop = async () => {
    let pollMs = options.minPollMs ?? 100;
    while (running) {
      const free = config.concurrency - inFlight.size;
      if (free <= 0) {
        await Promise.race(inFlight);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const response = await queue.receiveMessages({ numberOfMessages: Math.min(32, config.batchSize, free), visibilityTimeout: leaseSeconds });
        messages = response.receivedMessageItems;
      } catch (error) {
        if (running && isQueueNotFound(error)) {
          log.error(`[${fn.metadata.name}] ${options.queueName} does not exist (storage was reset?): creating it again`);
          await ensureQueues().catch((e: unknown) => log.error(`[${fn.metadata.name}] cannot create ${options.queueName}: ${(e as Error).message}`));
        } else if (running) log.error(`[${fn.metadata.name}] cannot read ${options.queueName}: ${(error as Error).message}`);
      }
      if (messages.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollMs);
        });
        pollMs = Math.min(pollMs * 2, config.maxPollingIntervalMs);
        continue;
      }
      pollMs = options.minPollMs ?? 100;
      for (const message of messages) {
        const work = process(message).catch((error: unknown) => log.error(`[${fn.metadata.name}] ${(error as Error).message}`));
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      }
    }
  };
  const looping = loop();

  return {
    queueName: options.queueName,
    get handled() {
      return handled;
    },
    get timeouts() {
      return timeouts;
    },
    async stop() {
      running = false;
      wake?.();
      await looping;
      await Promise.allSettled([...inFlight]);
      await sleep(0);
    },
  };
}

/** `%NAME%` in a binding is an app setting, as in function.json. */
export function resolveSetting(value: string, settings: Record<string, string>): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined) throw new Error(`app setting ${name} is not set`);
    return resolved;
  });
}

export type { QueueClient };
