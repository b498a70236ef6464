/**
 * What the Azure Functions host would receive. Core Tools cannot run here, so this stands
 * in for the Node worker: it provides the `@azure/functions-core` module the worker injects,
 * loads our function files, and records every function and hook they register, with the
 * binding metadata exactly as @azure/functions converts it for the host.
 */
import { readFile, readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FunctionsRegistry, installFunctionsCore } from "../../runtime/functions-core-shim.js";

let registry: FunctionsRegistry;
const SCHEDULE = "0 0 */6 * * *";

beforeAll(async () => {
  // The same stand-in the local runtime uses; every function file, as package.json main loads them.
  registry = installFunctionsCore();
  process.env.ASE_GITOPS_DRIFT_SCHEDULE = SCHEDULE;
  const folder = new URL("../../functions/", import.meta.url);
  for (const file of (await readdir(folder)).filter((f) => f.endsWith(".ts")).sort()) {
    await import(new URL(file, folder).href);
  }
});

afterAll(() => {
  delete process.env.ASE_GITOPS_DRIFT_SCHEDULE;
});

const byName = (name: string) => {
  const found = registry.functions.find((r) => r.metadata.name === name);
  if (!found) throw new Error(`function ${name} was not registered (got ${registry.functions.map((r) => r.metadata.name).join(", ")})`);
  return { metadata: found.metadata as { name: string; bindings: Record<string, Record<string, unknown>> }, callback: found.handler };
};
const hooks = () => [...registry.hooks.keys()];

describe("function registration", () => {
  it("registers through the v4 programming model", () => {
    expect(registry.programmingModel?.name).toBe("@azure/functions");
    expect(registry.functions.map((r) => r.metadata.name).sort()).toEqual([
      "applyJob",
      "applyPoison",
      "deliverySweep",
      "driftDeviceJob",
      "driftHttp",
      "driftJob",
      "driftTimer",
      "githubWebhook",
      "planJob",
      "reconcileJob",
    ]);
    for (const r of registry.functions) expect(typeof r.handler).toBe("function");
  });

  it("githubWebhook: anonymous POST on github/webhook with an HTTP response", () => {
    const { bindings } = byName("githubWebhook").metadata;
    const trigger = Object.values(bindings).find((b) => b.type === "httpTrigger")!;
    expect(trigger).toMatchObject({ direction: "in", type: "httpTrigger", authLevel: "anonymous", methods: ["POST"], route: "github/webhook" });
    expect(bindings.$return).toMatchObject({ direction: "out", type: "http" });
  });

  it("planJob: queue trigger on plan-jobs over AzureWebJobsStorage", () => {
    const { bindings } = byName("planJob").metadata;
    const trigger = Object.values(bindings).find((b) => b.type === "queueTrigger")!;
    expect(trigger).toMatchObject({ direction: "in", type: "queueTrigger", queueName: "plan-jobs", connection: "AzureWebJobsStorage" });
    expect(Object.keys(bindings)).toHaveLength(1);
  });

  it("deliverySweep: a daily timer", () => {
    const { bindings } = byName("deliverySweep").metadata;
    const trigger = Object.values(bindings).find((b) => b.type === "timerTrigger")!;
    expect(trigger).toMatchObject({ direction: "in", schedule: "0 17 3 * * *" });
  });

  it.each([
    ["reconcileJob", "reconcile-jobs"],
    ["applyJob", "apply-jobs"],
    ["applyPoison", "apply-jobs-poison"],
  ])("%s: queue trigger on %s over AzureWebJobsStorage", (name, queueName) => {
    const { bindings } = byName(name).metadata;
    expect(Object.values(bindings)).toEqual([
      expect.objectContaining({ direction: "in", type: "queueTrigger", queueName, connection: "AzureWebJobsStorage" }),
    ]);
  });

  it("driftTimer: on the schedule setting, registered only when one is set", () => {
    const trigger = Object.values(byName("driftTimer").metadata.bindings).find((b) => b.type === "timerTrigger")!;
    expect(trigger).toMatchObject({ direction: "in", schedule: "%ASE_GITOPS_DRIFT_SCHEDULE%" });
  });

  it("checks the settings when the app starts", () => {
    expect(hooks()).toContain("appStart");
  });

  it("host.json and the sample settings match what the functions need", async () => {
    const host = JSON.parse(await readFile(new URL("../../host.json", import.meta.url), "utf8"));
    expect(host.version).toBe("2.0");
    expect(host.extensionBundle).toEqual({ id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.*, 5.0.0)" });
    expect(host.extensions.queues.maxDequeueCount).toBe(5);
    const { MAX_DEQUEUE_COUNT } = await import("../../functions/runtime/queue-job.js");
    expect(MAX_DEQUEUE_COUNT).toBe(host.extensions.queues.maxDequeueCount);
    expect(host.extensions.queues.messageEncoding).toBe("base64");

    const sample = JSON.parse(await readFile(new URL("../../local.settings.sample.json", import.meta.url), "utf8"));
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe("node");
    expect(sample.Values.AzureWebJobsStorage).toBe("UseDevelopmentStorage=true");
    for (const name of [
      "GITHUB_WEBHOOK_SECRET",
      "GITHUB_TOKEN",
      "GITHUB_APP_ID",
      "GITHUB_APP_PRIVATE_KEY",
      "GITHUB_API_URL",
      "ASE_GITOPS_REPOSITORIES",
      "ASE_GITOPS_ALLOWED_ENDPOINTS",
      "ASE_GITOPS_DEVICE_CA",
      "ASE_GITOPS_GIT_CACHE",
    ]) {
      expect(sample.Values, name).toHaveProperty(name);
    }
  });
});
