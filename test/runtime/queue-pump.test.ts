/** The local runtime's queue rules against a real Azurite: what the Functions host does. */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Azurite, startAzurite } from "../../runtime/azurite.js";
import type { RegisteredFunction } from "../../runtime/functions-core-shim.js";
import type { HostConfig } from "../../runtime/host-config.js";
import { startQueuePump } from "../../runtime/queue-pump.js";
import { silentLog } from "../../runtime/runtime-log.js";
import { waitFor } from "../helpers/wait.js";

let azurite: Azurite;
let service: QueueServiceClient;
beforeAll(async () => {
  azurite = await startAzurite();
  service = QueueServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await azurite?.stop();
});

const config: HostConfig["queues"] = {
  maxDequeueCount: 5,
  batchSize: 4,
  concurrency: 6,
  retryDelayMs: 0,
  maxPollingIntervalMs: 200,
  base64: true,
};

function fn(handler: (payload: unknown, context: { triggerMetadata?: Record<string, unknown> }) => unknown): RegisteredFunction {
  return {
    metadata: { name: "testJob", bindings: {} },
    trigger: { type: "queueTrigger", direction: "in", queueName: "q" },
    handler: handler as RegisteredFunction["handler"],
  };
}

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

describe("queue pump", () => {
  it("hands a base64 JSON message over parsed, then deletes it", async () => {
    const queue = service.getQueueClient("pump-ok");
    await queue.create();
    const seen: unknown[] = [];
    const pump = await startQueuePump({ fn: fn((p) => void seen.push(p)), queueName: "pump-ok", service, config, log: silentLog, minPollMs: 20 });
    await queue.sendMessage(base64({ hello: "world" }));
    await waitFor(async () => (seen.length === 1 ? true : undefined));
    await pump.stop();
    expect(seen).toEqual([{ hello: "world" }]);
    const left = await queue.peekMessages({ numberOfMessages: 32 });
    expect(left.peekedMessageItems).toHaveLength(0);
  });

  it("retries a failing message and moves it to <queue>-poison after 5 tries", async () => {
    const queue = service.getQueueClient("pump-fail");
    await queue.create();
    const tries: number[] = [];
    const pump = await startQueuePump({
      fn: fn((_, context) => {
        tries.push(Number(context.triggerMetadata?.dequeueCount));
        throw new Error("always fails");
      }),
      queueName: "pump-fail",
      service,
      config,
      log: silentLog,
      minPollMs: 20,
    });
    await queue.sendMessage(base64({ job: 1 }));
    const poison = service.getQueueClient("pump-fail-poison");
    const poisoned = await waitFor(async () => {
      const peek = await poison.peekMessages();
      return peek.peekedMessageItems[0];
    });
    await pump.stop();
    expect(tries).toEqual([1, 2, 3, 4, 5]);
    expect(JSON.parse(Buffer.from(poisoned.messageText, "base64").toString())).toEqual({ job: 1 });
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
  });

  it("gives the message of a killed worker back to the queue after its lease", async () => {
    const queue = service.getQueueClient("pump-killed");
    await queue.create();
    await queue.sendMessage(base64({ job: "resume" }));
    const worker = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./fixtures/stuck-worker.ts", import.meta.url)), azurite.connectionString, "pump-killed"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      worker.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("handler started") && resolve());
      worker.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
    });
    worker.kill("SIGKILL");
    // While the lease (2 s) runs the message is invisible; afterwards it is delivered again.
    expect((await queue.receiveMessages()).receivedMessageItems).toHaveLength(0);
    const seen: number[] = [];
    const pump = await startQueuePump({
      fn: fn((_, context) => void seen.push(Number(context.triggerMetadata?.dequeueCount))),
      queueName: "pump-killed",
      service,
      config,
      log: silentLog,
      minPollMs: 20,
    });
    await waitFor(async () => (seen.length > 0 ? true : undefined));
    await pump.stop();
    expect(seen).toEqual([2]);
  });
});

describe("queue pump: functionTimeout and lost queues", () => {
  it("abandons an invocation past functionTimeout: its result is ignored and the message comes back after its lease", async () => {
    const queue = service.getQueueClient("pump-timeout");
    await queue.create();
    const lines: string[] = [];
    const log = { info: () => undefined, error: (m: string) => void lines.push(m) };
    const tries: number[] = [];
    const pump = await startQueuePump({
      fn: fn(async (_, context) => {
        const attempt = Number(context.triggerMetadata?.dequeueCount);
        tries.push(attempt);
        // The first try outlives the 300 ms limit; the second one is quick.
        if (attempt === 1) await new Promise((resolve) => setTimeout(resolve, 1_500));
      }),
      queueName: "pump-timeout",
      service,
      config,
      log,
      minPollMs: 20,
      leaseSeconds: 1,
      functionTimeoutMs: 300,
    });
    const started = Date.now();
    await queue.sendMessage(base64({ job: "slow" }));
    await waitFor(async () => (tries.length === 2 ? true : undefined), 10_000, "the second try");
    const elapsed = Date.now() - started;
    await waitFor(async () => ((await queue.peekMessages()).peekedMessageItems.length === 0 ? true : undefined), 5_000, "the message to be deleted");
    await pump.stop();
    expect(tries).toEqual([1, 2]);
    expect(pump.timeouts).toBe(1);
    expect(lines.some((l) => /try 1 of message .* timed out after 0\.\d s \(functionTimeout 0\.3 s\)/.test(l))).toBe(true);
    // Not retried at once: the abandoned message waited out its lease (1 s).
    expect(elapsed).toBeGreaterThanOrEqual(900);
  });

  it("creates its queue again when storage lost it (QueueNotFound), and keeps pumping", async () => {
    const queue = service.getQueueClient("pump-lost");
    await queue.create();
    const seen: unknown[] = [];
    const pump = await startQueuePump({ fn: fn((p) => void seen.push(p)), queueName: "pump-lost", service, config, log: silentLog, minPollMs: 20 });
    await queue.delete();
    await waitFor(async () => ((await queue.exists()) ? true : undefined), 10_000, "the queue to be created again");
    await queue.sendMessage(base64({ after: "reset" }));
    await waitFor(async () => (seen.length === 1 ? true : undefined), 10_000, "the message after the reset");
    await pump.stop();
    expect(seen).toEqual([{ after: "reset" }]);
  });
});

describe("Azurite under the local runtime", () => {
  it("stops when the process that started it is killed outright", async () => {
    // A parent that starts Azurite and is then SIGKILLed (no chance to clean up).
    const parent = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./fixtures/azurite-parent.ts", import.meta.url))], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      parent.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve((JSON.parse(line) as { queuePort: number }).queuePort);
      });
      parent.once("exit", (code) => reject(new Error(`parent exited early (${code})`)));
    });
    const answers = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port });
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      });
    expect(await answers()).toBe(true);
    parent.kill("SIGKILL");
    expect(await waitFor(async () => ((await answers()) ? undefined : true), 10_000, "Azurite to stop")).toBe(true);
  });
});
