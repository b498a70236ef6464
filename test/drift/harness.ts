/**
 * A drift test bench wired as in production: Azurite, the loopback GitHub API, a real git
 * fleet repository whose manifests point at the in-process simulator, the drift function
 * handlers, and queue pumps standing in for the Functions host.
 */
import YAML from "yaml";
import { createDriftHttpHandler } from "../../functions/driftHttp.js";
import { createDriftDeviceJobHandler, createDriftJobHandler } from "../../functions/driftJob.js";
import { createDriftTimerHandler } from "../../functions/driftTimer.js";
import { createWebhookHandler } from "../../functions/githubWebhook.js";
import { createRuntime, type Runtime } from "../../shared/composition/runtime.js";
import { QUEUES } from "../../shared/core/messages/jobs.js";
import { DRIFT_DEVICE_QUEUE } from "../../shared/core/messages/drift.js";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../simulator/index.js";
import { type CapturedLog, httpRequest, invocationContext, peekJobs, pumpQueue, queueClient } from "../helpers/functions-host.js";
import type { TestRepo } from "../helpers/git-repos.js";
import { fleetRepo, type Harness, startHarness } from "../helpers/plan-harness.js";
import { signDriftRequest } from "../../shared/core/trust/drift-signature.js";
import { delivery, dispatchPayload, REPO, WEBHOOK_SECRET } from "../helpers/webhook-fixtures.js";
import { at, testEnv } from "../simulator/fixtures.js";
import { convergedFleet } from "./fixtures.js";

/** The fixtures' subscription id is not a GUID the manifest schema accepts; this one is. */
export const SUBSCRIPTION = "3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11";

export function withSubscription(m: EdgeDevice): EdgeDevice {
  return { ...m, spec: { ...m.spec, arm: { ...m.spec.arm!, subscriptionId: SUBSCRIPTION } } };
}

export interface DriftBench {
  harness: Harness;
  sim: Simulator;
  repo: TestRepo;
  rt: Runtime;
  logs: CapturedLog[];
  /** POST /api/drift with a signed body; pumps the device queue until the answer comes. */
  post(body: string, options?: { secret?: string; signature?: string | null }): Promise<{ status: number; body: any }>;
  /** Runs every queued device check. */
  pumpDevices(): Promise<void>;
  dispatch(clientPayload?: unknown): Promise<number>;
  timer(): Promise<void>;
  applyJobs(): Promise<unknown[]>;
  commitManifests(manifests: EdgeDevice[]): Promise<string>;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDriftBench(
  given: EdgeDevice[],
  options: { sim?: Partial<SimulatorOptions>; env?: Record<string, string> } = {},
): Promise<DriftBench> {
  const harness = await startHarness();
  const manifests = given.map(withSubscription);
  const sim = await startSimulator({ manifests, observed: convergedFleet(manifests), ...options.sim });
  const files = (list: EdgeDevice[]) =>
    Object.fromEntries(list.map((m) => [`devices/${m.metadata.name}.yaml`, YAML.stringify(at(sim, withSubscription(m)))]));
  const repo = await fleetRepo(files(manifests));
  harness.github.addRepository({ fullName: REPO, cloneUrl: repo.remote, defaultBranch: "main" });
  const env = {
    ...harness.env,
    ...testEnv(sim, { ASE_GITOPS_RETRY_ATTEMPTS: "2" }),
    ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
    ASE_GITOPS_DRIFT_WAIT_SECONDS: "20",
    ...options.env,
  };
  const rt = createRuntime(env, { github: { spaceWrites: false, retryUnitMs: 5 } });
  const logs: CapturedLog[] = [];
  const deviceQueue = queueClient(harness.azurite.connectionString, DRIFT_DEVICE_QUEUE);
  // A signed request is accepted once: each post signs with a timestamp of its own.
  let lastTimestamp = 0;
  const nextTimestamp = () => (lastTimestamp = Math.max(Math.floor(Date.now() / 1000), lastTimestamp + 1));
  const pumpDevices = async () => {
    await pumpQueue(
      deviceQueue,
      createDriftDeviceJobHandler(() => rt),
      logs,
    );
  };
  return {
    harness,
    sim,
    repo,
    rt,
    logs,
    async post(body, { secret = WEBHOOK_SECRET, signature } = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", ...signDriftRequest(secret, body, nextTimestamp()) };
      if (signature === null) delete headers["x-hub-signature-256"];
      else if (signature !== undefined) headers["x-hub-signature-256"] = signature;
      const handler = createDriftHttpHandler(() => rt, { pollMs: 10 });
      let done = false;
      const answer = handler(httpRequest({ headers, body }, "http://localhost:7071/api/drift"), invocationContext("driftHttp", {}, logs)).finally(
        () => {
          done = true;
        },
      );
      while (!done) {
        await pumpDevices();
        await sleep(10);
      }
      const response = await answer;
      return { status: response.status ?? 200, body: response.jsonBody };
    },
    pumpDevices,
    async dispatch(clientPayload) {
      const payload = { ...dispatchPayload(repo.remote, "drift-check"), ...(clientPayload !== undefined ? { client_payload: clientPayload } : {}) };
      const webhook = createWebhookHandler(() => ({
        secrets: rt.settings.webhookSecrets,
        repositories: rt.settings.repositories,
        cloneUrls: rt.settings,
        deliveries: rt.deliveries,
        queue: rt.queue,
      }));
      const response = await webhook(httpRequest(delivery("repository_dispatch", payload)), invocationContext("githubWebhook"));
      await pumpQueue(
        queueClient(harness.azurite.connectionString, QUEUES.drift),
        createDriftJobHandler(() => rt),
        logs,
      );
      await pumpDevices();
      return response.status ?? 200;
    },
    async timer() {
      await createDriftTimerHandler(() => rt)(
        { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } },
        invocationContext("driftTimer", {}, logs),
      );
      await pumpDevices();
    },
    async applyJobs() {
      return peekJobs(queueClient(harness.azurite.connectionString, "apply-jobs"));
    },
    async commitManifests(list) {
      await repo.checkout("main");
      const sha = await repo.commit(files(list), "update manifests");
      await repo.push("main");
      return sha;
    },
    async dispose() {
      await sim.close();
      await repo.dispose();
      await harness.dispose();
    },
  };
}
