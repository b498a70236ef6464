/**
 * The webhook through its function handler, against real Azurite: signatures, dedupe,
 * allowed repositories, routing to the three queues, status codes for bad input.
 */
import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSweepHandler } from "../../functions/deliverySweep.js";
import { createWebhookHandler } from "../../functions/githubWebhook.js";
import { PlanJob, QUEUES } from "../../shared/core/messages/jobs.js";
import type { WebhookDeps } from "../../shared/use-cases/accept-webhook/webhook-router.js";
import { verifySignature } from "../../shared/core/trust/webhook-signature.js";
import { createDeliveryLog, DELIVERIES_TABLE, type DeliveryLog } from "../../shared/adapters/store/delivery-log.js";
import { createJobQueue } from "../../shared/adapters/store/job-queue.js";
import { createStorageClients } from "../../shared/adapters/store/storage-clients.js";
import { type Azurite, startAzurite } from "../helpers/azurite.js";
import { httpRequest, invocationContext, peekJobs, queueClient } from "../helpers/functions-host.js";
import {
  checkRunPayload,
  delivery,
  dispatchPayload,
  pullRequestPayload,
  pushPayload,
  REPO,
  sign,
  WEBHOOK_SECRET,
} from "../helpers/webhook-fixtures.js";

const CLONE = "/tmp/not-used.git";
const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);
const PREVIOUS_SECRET = "previous-webhook-secret-9876543210";

let azurite: Azurite;
let deliveries: DeliveryLog;
let deps: WebhookDeps;
let queues: Record<"plan" | "reconcile" | "drift", QueueClient>;

beforeAll(async () => {
  azurite = await startAzurite();
  const storage = createStorageClients(azurite.connectionString);
  deliveries = createDeliveryLog(storage.table(DELIVERIES_TABLE));
  deps = {
    secrets: [WEBHOOK_SECRET, PREVIOUS_SECRET],
    repositories: [REPO, "contoso/other"],
    cloneUrls: { githubServerUrl: "https://github.com", allowLocalRepositories: true },
    deliveries,
    queue: createJobQueue(storage),
  };
  queues = {
    plan: queueClient(azurite.connectionString, QUEUES.plan),
    reconcile: queueClient(azurite.connectionString, QUEUES.reconcile),
    drift: queueClient(azurite.connectionString, QUEUES.drift),
  };
});

afterAll(async () => {
  await azurite?.stop();
});

beforeEach(async () => {
  for (const q of Object.values(queues)) if (await q.exists()) await q.clearMessages();
});

const handler = () => createWebhookHandler(() => deps);
async function post(d: ReturnType<typeof delivery>) {
  const response = await handler()(httpRequest(d), invocationContext("githubWebhook"));
  return { status: response.status ?? 200, body: response.jsonBody as { outcome?: string; queue?: string } | undefined };
}
const opened = (overrides: Partial<Parameters<typeof pullRequestPayload>[0]> = {}) =>
  pullRequestPayload({
    action: "opened",
    number: 7,
    cloneUrl: CLONE,
    headSha: SHA_A,
    headRef: "feature",
    baseSha: SHA_B,
    installationId: 424242,
    ...overrides,
  });

describe("signature vectors", () => {
  const body = '{"zen":"Keep it logically awesome."}';
  it("accepts GitHub's documented test vector", async () => {
    // https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(
      await verifySignature(
        ["It's a Secret to Everybody"],
        "Hello, World!",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
      ),
    ).toBe(true);
  });
  it("accepts the current and the previous secret, nothing else", async () => {
    expect(await verifySignature([WEBHOOK_SECRET, PREVIOUS_SECRET], body, sign(WEBHOOK_SECRET, body))).toBe(true);
    expect(await verifySignature([WEBHOOK_SECRET, PREVIOUS_SECRET], body, sign(PREVIOUS_SECRET, body))).toBe(true);
    expect(await verifySignature([WEBHOOK_SECRET], body, sign("some-other-secret-value", body))).toBe(false);
  });
  it("rejects tampered bodies, sha1 signatures and junk", async () => {
    const signature = sign(WEBHOOK_SECRET, body);
    expect(await verifySignature([WEBHOOK_SECRET], body.replace("awesome", "awesome!"), signature)).toBe(false);
    expect(await verifySignature([WEBHOOK_SECRET], body, sign(WEBHOOK_SECRET, body, "sha1"))).toBe(false);
    expect(await verifySignature([WEBHOOK_SECRET], body, signature.toUpperCase())).toBe(false);
    expect(await verifySignature([WEBHOOK_SECRET], body, undefined)).toBe(false);
    expect(await verifySignature([WEBHOOK_SECRET], "", sign(WEBHOOK_SECRET, ""))).toBe(false);
  });
});

describe("githubWebhook", () => {
  it("queues a plan job for a signed pull_request and answers 202", async () => {
    const response = await post(delivery("pull_request", opened()));
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: "queued", queue: "plan-jobs" });
    const jobs = await peekJobs(queues.plan);
    expect(jobs).toHaveLength(1);
    const job = PlanJob.parse(jobs[0]);
    expect(job).toMatchObject({
      kind: "plan",
      reason: "pull_request.opened",
      installationId: 424242,
      repository: { fullName: REPO, cloneUrl: CLONE, defaultBranch: "main" },
    });
    expect(job.pullRequest).toMatchObject({ number: 7, headSha: SHA_A, headRef: "feature", baseRef: "main" });
  });

  it("accepts the previous secret during rotation", async () => {
    const response = await post(delivery("pull_request", opened({ action: "synchronize" }), { secret: PREVIOUS_SECRET }));
    expect(response.status).toBe(202);
  });

  it.each([
    ["tampered", (d: ReturnType<typeof delivery>) => ({ ...d, body: d.body.replace('"number":7', '"number":8') })],
    [
      "missing",
      (d: ReturnType<typeof delivery>) => ({
        ...d,
        headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => k !== "x-hub-signature-256")),
      }),
    ],
    [
      "sha1-only",
      (d: ReturnType<typeof delivery>) => {
        const headers = Object.fromEntries(Object.entries(d.headers).filter(([k]) => k !== "x-hub-signature-256"));
        return { ...d, headers: { ...headers, "x-hub-signature": sign(WEBHOOK_SECRET, d.body, "sha1") } };
      },
    ],
    [
      "wrong secret",
      (d: ReturnType<typeof delivery>) => ({ ...d, headers: { ...d.headers, "x-hub-signature-256": sign("not-the-secret-at-all!", d.body) } }),
    ],
  ])("answers 401 and queues nothing for a %s signature", async (_name, mangle) => {
    const response = await post(mangle(delivery("pull_request", opened())));
    expect(response.status).toBe(401);
    expect(await peekJobs(queues.plan)).toHaveLength(0);
  });

  it("drops a redelivery of the same X-GitHub-Delivery id", async () => {
    const d = delivery("pull_request", opened(), { id: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    expect((await post(d)).status).toBe(202);
    const again = await post(d);
    expect(again.status).toBe(200);
    expect(again.body?.outcome).toBe("duplicate");
    expect(await peekJobs(queues.plan)).toHaveLength(1);
  });

  it("refuses repositories that are not configured", async () => {
    const response = await post(
      delivery(
        "pull_request",
        pullRequestPayload({ action: "opened", number: 1, cloneUrl: CLONE, headSha: SHA_A, headRef: "x", baseSha: SHA_B, fullName: "evil/fleet" }),
      ),
    );
    expect(response.status).toBe(403);
    expect(response.body?.outcome).toBe("repository-not-allowed");
    expect(await peekJobs(queues.plan)).toHaveLength(0);
  });

  it("answers 400 for malformed JSON and for payloads that do not match the event", async () => {
    expect((await post(delivery("pull_request", "{not json"))).status).toBe(400);
    expect((await post(delivery("pull_request", "[1,2]"))).status).toBe(400);
    expect((await post(delivery("pull_request", { action: "opened", repository: { full_name: REPO } }))).status).toBe(400);
    expect(await peekJobs(queues.plan)).toHaveLength(0);
  });

  it("answers 204 for events and actions it does not handle", async () => {
    expect((await post(delivery("issues", { action: "opened", repository: {} }))).status).toBe(204);
    expect((await post(delivery("pull_request", opened({ action: "labeled" })))).status).toBe(204);
    expect((await post(delivery("push", pushPayload(CLONE, "refs/heads/feature", SHA_B, SHA_A)))).status).toBe(204);
    expect(
      (await post(delivery("check_run", checkRunPayload(CLONE, "some-other-check", SHA_A, { number: 7, headRef: "feature", baseSha: SHA_B }))))
        .status,
    ).toBe(204);
    expect(await post(delivery("repository_dispatch", dispatchPayload(CLONE, "deploy")))).toMatchObject({ status: 204 });
    for (const q of Object.values(queues)) expect(await peekJobs(q)).toHaveLength(0);
  });

  it("answers ping with 200", async () => {
    const response = await post(delivery("ping", { zen: "Design for failure.", hook_id: 1, hook: { type: "App" } }));
    expect(response.status).toBe(200);
    expect(response.body?.outcome).toBe("pong");
  });

  it("notes a closed pull request without queueing", async () => {
    const response = await post(delivery("pull_request", opened({ action: "closed", merged: true })));
    expect(response.status).toBe(200);
    expect(response.body?.outcome).toBe("noted");
    expect(await peekJobs(queues.plan)).toHaveLength(0);
  });

  it("routes pushes to the default branch, re-runs and drift checks", async () => {
    expect((await post(delivery("push", pushPayload(CLONE, "refs/heads/main", SHA_B, SHA_A)))).status).toBe(202);
    expect(await peekJobs(queues.reconcile)).toMatchObject([{ kind: "reconcile", after: SHA_A, ref: "refs/heads/main" }]);

    expect(
      (await post(delivery("check_run", checkRunPayload(CLONE, "ase-gitops/plan", SHA_A, { number: 7, headRef: "feature", baseSha: SHA_B })))).status,
    ).toBe(202);
    expect(await peekJobs(queues.plan)).toMatchObject([
      { kind: "plan", reason: "check_run.rerequested", pullRequest: { number: 7, headSha: SHA_A } },
    ]);

    expect((await post(delivery("repository_dispatch", dispatchPayload(CLONE, "drift-check")))).status).toBe(202);
    expect(await peekJobs(queues.drift)).toMatchObject([{ kind: "drift", branch: "main", clientPayload: { reason: "scheduled" } }]);
  });

  it("answers 413 for bodies over 25 MB", async () => {
    const big = delivery("pull_request", opened());
    const declared = { ...big, headers: { ...big.headers, "content-length": String(26 * 1024 * 1024) } };
    expect((await post(declared)).status).toBe(413);
    const huge = `{"padding":"${"x".repeat(25 * 1024 * 1024)}"}`;
    const actual = delivery("pull_request", huge);
    expect((await post(actual)).status).toBe(413);
  });

  it("answers 503 (not 500) when storage is down, and forgets the delivery so a redelivery works", async () => {
    const sent: unknown[] = [];
    let failing = true;
    const flaky: WebhookDeps = {
      ...deps,
      queue: {
        async send(_q, message) {
          if (failing) throw new Error("connect ECONNREFUSED");
          sent.push(message);
        },
      },
    };
    const d = delivery("pull_request", opened());
    const first = await createWebhookHandler(() => flaky)(httpRequest(d), invocationContext("githubWebhook"));
    expect(first.status).toBe(503);
    failing = false;
    const second = await createWebhookHandler(() => flaky)(httpRequest(d), invocationContext("githubWebhook"));
    expect(second.status).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it("answers 503 when the settings are wrong, naming no secret", async () => {
    const response = await createWebhookHandler(() => {
      throw new Error("invalid app settings");
    })(httpRequest(delivery("pull_request", opened())), invocationContext("githubWebhook"));
    expect(response.status).toBe(503);
  });
});

describe("delivery log", () => {
  it("sweeps old delivery ids so the table does not grow forever", async () => {
    expect(await deliveries.claim("sweep-me-1", "push")).toBe(true);
    expect(await deliveries.claim("sweep-me-1", "push")).toBe(false);
    const swept = await deliveries.sweep(new Date(Date.now() + 60_000));
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await deliveries.claim("sweep-me-1", "push")).toBe(true);
    expect(await deliveries.sweep(new Date(Date.now() - 3600_000))).toBe(0);
  });

  it("the daily deliverySweep timer forgets ids older than a week", async () => {
    expect(await deliveries.claim("timer-swept", "push")).toBe(true);
    const inEightDays = () => new Date(Date.now() + 8 * 24 * 3600 * 1000);
    const logs: Array<{ level: string; message: string }> = [];
    await createSweepHandler(() => deliveries, inEightDays)(
      { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: undefined as never },
      invocationContext("deliverySweep", {}, logs),
    );
    expect(logs.some((l) => /forgot \d+ delivery ids/.test(l.message))).toBe(true);
    expect(await deliveries.claim("timer-swept", "push")).toBe(true);
  });

  it("lets exactly one of many racing claims win", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => deliveries.claim("raced-delivery", "pull_request")));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
