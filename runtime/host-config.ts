/** The parts of host.json the local runtime honours, with the Functions host's defaults. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const TimeSpan = z
  .string()
  .regex(/^\d{2}:\d{2}:\d{2}$/)
  .transform((text) => {
    const [h, m, s] = text.split(":").map(Number) as [number, number, number];
    return ((h * 60 + m) * 60 + s) * 1000;
  });

const HostJson = z.object({
  version: z.literal("2.0"),
  /** The Functions host's default on the Consumption plan: 5 minutes. */
  functionTimeout: TimeSpan.default(5 * 60_000),
  extensions: z
    .object({
      http: z.object({ routePrefix: z.string().default("api") }).default({ routePrefix: "api" }),
      queues: z
        .object({
          maxDequeueCount: z.number().int().min(1).default(5),
          batchSize: z.number().int().min(1).max(32).default(16),
          newBatchThreshold: z.number().int().min(0).optional(),
          visibilityTimeout: TimeSpan.default(0),
          maxPollingInterval: TimeSpan.default(60_000),
          messageEncoding: z.enum(["base64", "none"]).default("base64"),
        })
        .default({ maxDequeueCount: 5, batchSize: 16, visibilityTimeout: 0, maxPollingInterval: 60_000, messageEncoding: "base64" }),
    })
    .default({} as never),
});

export interface HostConfig {
  routePrefix: string;
  /** host.json functionTimeout: an invocation past it is abandoned. */
  functionTimeoutMs: number;
  queues: {
    maxDequeueCount: number;
    /** Messages in flight per queue (batchSize + newBatchThreshold, as the host does). */
    concurrency: number;
    batchSize: number;
    /** How long a failed message stays invisible before its next try. */
    retryDelayMs: number;
    maxPollingIntervalMs: number;
    base64: boolean;
  };
}

export async function readHostConfig(root: string): Promise<HostConfig> {
  const parsed = HostJson.parse(JSON.parse(await readFile(join(root, "host.json"), "utf8")));
  const queues = parsed.extensions.queues;
  const batchSize = queues.batchSize;
  return {
    routePrefix: parsed.extensions.http.routePrefix,
    functionTimeoutMs: parsed.functionTimeout,
    queues: {
      maxDequeueCount: queues.maxDequeueCount,
      batchSize,
      concurrency: batchSize + (queues.newBatchThreshold ?? Math.floor(batchSize / 2)),
      retryDelayMs: queues.visibilityTimeout,
      maxPollingIntervalMs: queues.maxPollingInterval,
      base64: queues.messageEncoding === "base64",
    },
  };
}
