/**
 * What the Functions host does around our handlers, for tests: HTTP requests and
 * invocation contexts from @azure/functions (test mode), and a queue pump that decodes
 * base64 JSON messages the way the host's queue trigger does.
 */
import { createRequire } from "node:module";
import type { HttpRequest as HttpRequestType, InvocationContext as InvocationContextType } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import type { Delivery } from "./webhook-fixtures.js";

// The package is a CommonJS bundle whose classes Node's ESM loader does not see as named
// exports; require() works under vitest and tsx alike.
const { HttpRequest, InvocationContext } = createRequire(import.meta.url)("@azure/functions") as typeof import("@azure/functions");
type HttpRequest = HttpRequestType;
type InvocationContext = InvocationContextType;

export function httpRequest(delivery: Delivery, url = "http://localhost:7071/api/github/webhook"): HttpRequest {
  return new HttpRequest({ method: "POST", url, headers: delivery.headers, body: { string: delivery.body } });
}

export interface CapturedLog {
  level: string;
  message: string;
}

export function invocationContext(functionName: string, triggerMetadata: Record<string, unknown> = {}, logs: CapturedLog[] = []): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: `test-${Math.random().toString(16).slice(2)}`,
    triggerMetadata,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
}

export function queueClient(connectionString: string, name: string): QueueClient {
  return new QueueClient(connectionString, name);
}

/** Messages currently on a queue, decoded (peek: they stay there). */
export async function peekJobs(client: QueueClient): Promise<unknown[]> {
  if (!(await client.exists())) return [];
  const peeked = await client.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")));
}

/**
 * Receives each message and calls the handler as the host would: the decoded JSON, the
 * dequeue count in triggerMetadata; deleted on success, left for a retry on a throw.
 */
export async function pumpQueue(
  client: QueueClient,
  handler: (message: unknown, context: InvocationContext) => Promise<void>,
  logs: CapturedLog[] = [],
): Promise<{ handled: number; failed: number }> {
  let handled = 0;
  let failed = 0;
  if (!(await client.exists())) return { handled, failed };
  for (;;) {
    const received = await client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 300 });
    const item = received.receivedMessageItems[0];
    if (!item) return { handled, failed };
    const message = JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8"));
    try {
      await handler(message, invocationContext("planJob", { dequeueCount: item.dequeueCount, id: item.messageId }, logs));
      await client.deleteMessage(item.messageId, item.popReceipt);
      handled++;
    } catch {
      failed++;
      await client.deleteMessage(item.messageId, item.popReceipt); // tests look at one attempt
    }
  }
}
