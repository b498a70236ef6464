/**
 * Webhook acknowledgement latency and GitHub write calls per PR update.
 *
 * 1. 2,000 signed pull_request deliveries through the githubWebhook handler into a real
 *    Azurite (dedupe insert + queue send each): p50/p95/p99/max of the time to the answer.
 * 2. Plan jobs for changes of 1, 100 and 1,000 devices against the loopback GitHub API:
 *    write calls per update (check run create/complete + comment; annotation batches apart).
 *
 * Run: npx tsx bench/webhook.bench.ts   (no assertions; prints a report)
 */
import { performance } from "node:perf_hooks";
import { createWebhookHandler } from "../functions/githubWebhook.js";
import { createDeliveryLog, DELIVERIES_TABLE } from "../shared/adapters/store/delivery-log.js";
import { createJobQueue } from "../shared/adapters/store/job-queue.js";
import { createStorageClients } from "../shared/adapters/store/storage-clients.js";
import { startAzurite } from "../test/helpers/azurite.js";
import { httpRequest, invocationContext } from "../test/helpers/functions-host.js";
import { fleetRepo, PullRequestDriver, startHarness } from "../test/helpers/plan-harness.js";
import { delivery, deviceManifest, pullRequestPayload, REPO, WEBHOOK_SECRET } from "../test/helpers/webhook-fixtures.js";

const DELIVERIES = 2000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function webhookLatency(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const storage = createStorageClients(azurite.connectionString);
    const deps = {
      secrets: [WEBHOOK_SECRET],
      repositories: [REPO],
      cloneUrls: { githubServerUrl: "https://github.com", allowLocalRepositories: false },
      deliveries: createDeliveryLog(storage.table(DELIVERIES_TABLE)),
      queue: createJobQueue(storage),
    };
    const handler = createWebhookHandler(() => deps);
    const context = invocationContext("githubWebhook");
    const make = (i: number) =>
      delivery(
        "pull_request",
        pullRequestPayload({
          action: "synchronize",
          number: 1 + (i % 50),
          cloneUrl: "https://github.com/contoso/edge-fleet.git",
          headSha: i.toString(16).padStart(40, "0"),
          headRef: "feature",
          baseSha: "f".repeat(40),
          installationId: 424242,
        }),
      );
    // Warm-up: creates the table and queue, JIT-compiles the path.
    for (let i = 0; i < 50; i++) await handler(httpRequest(make(1_000_000 + i)), context);

    const requests = Array.from({ length: DELIVERIES }, (_, i) => make(i));
    const times: number[] = [];
    const statuses = new Map<number, number>();
    const started = performance.now();
    for (const d of requests) {
      const t0 = performance.now();
      const response = await handler(httpRequest(d), context);
      times.push(performance.now() - t0);
      statuses.set(response.status ?? 200, (statuses.get(response.status ?? 200) ?? 0) + 1);
    }
    const total = performance.now() - started;
    times.sort((a, b) => a - b);
    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    console.log(`webhook ack over ${DELIVERIES} signed deliveries into Azurite (sequential):`);
    console.log(
      `  p50 ${fmt(percentile(times, 50))}  p95 ${fmt(percentile(times, 95))}  p99 ${fmt(percentile(times, 99))}  max ${fmt(times[times.length - 1]!)}`,
    );
    console.log(`  throughput ${(DELIVERIES / (total / 1000)).toFixed(0)} deliveries/s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  } finally {
    await azurite.stop();
  }
}

async function writesPerUpdate(): Promise<void> {
  const harness = await startHarness();
  try {
    console.log("GitHub write calls per PR update (comment, check run create/complete; annotation batches listed apart):");
    let number = 1;
    for (const size of [1, 100, 1000]) {
      const repo = await fleetRepo({ "devices/seed.yaml": deviceManifest("seed") });
      const pr = new PullRequestDriver(harness, repo, harness.runtime(), number++);
      const files: Record<string, string> = {};
      for (let i = 0; i < size; i++) {
        const name = `dev-${String(i).padStart(4, "0")}`;
        // One in ten over-committed, so annotations appear.
        files[`devices/${name}.yaml`] = deviceManifest(
          name,
          i % 10 === 9
            ? {
                vms: [
                  { name: "a", size: "Standard_NC4as_T4_v3" },
                  { name: "b", size: "Standard_NC4as_T4_v3" },
                ],
              }
            : {},
        );
      }
      for (const round of ["first push", "second push"]) {
        harness.github.calls.length = 0;
        const t0 = performance.now();
        if (round === "first push") await pr.pushAndPlan(files, "opened");
        else await pr.pushAndPlan({ "devices/dev-0000.yaml": deviceManifest("dev-0000", { kubernetes: true }) });
        const ms = performance.now() - t0;
        const writes = harness.github.writes();
        const annotationOnly = writes.filter(
          (w) => w.method === "PATCH" && w.path.includes("/check-runs/") && !(w.body as { conclusion?: string }).conclusion,
        ).length;
        console.log(
          `  ${String(size).padStart(5)} devices, ${round}: ${writes.length - annotationOnly} writes + ${annotationOnly} extra annotation batches (${writes.map((w) => w.method).join(",")}) in ${ms.toFixed(0)} ms`,
        );
      }
      await repo.dispose();
    }
    if (harness.github.unexpected.length > 0) console.log(`  unexpected GitHub calls: ${harness.github.unexpected.length}`);
  } finally {
    await harness.dispose();
  }
}

await webhookLatency();
await writesPerUpdate();
