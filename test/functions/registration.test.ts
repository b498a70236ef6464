/**
 * What the Azure Functions host would receive. Core Tools cannot run here, so this stands
 * in for the Node worker: it provides the `@azure/functions-core` module the worker injects,
 * loads our function files, and records every function and hook they register, with the
 * binding metadata exactly as @azure/functions converts it for the host.
 */
import Module from "node:module";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Registered {
  metadata: { name: string; bindings: Record<string, Record<string, unknown>>; retryOptions?: unknown };
  callback: (...args: unknown[]) => unknown;
}

const registered: Registered[] = [];
const hooks: string[] = [];
let programmingModel: { name?: string; version?: string } | undefined;

const fakeCore = {
  version: "3.10.1",
  setProgrammingModel(model: { name: string; version: string }) {
    programmingModel = model;
  },
  getProgrammingModel: () => programmingModel,
  registerFunction(metadata: Registered["metadata"], callback: Registered["callback"]) {
    registered.push({ metadata, callback });
    return { dispose() {} };
  },
  registerHook(name: string) {
    hooks.push(name);
    return { dispose() {} };
  },
  log() {},
  Disposable: class {
    dispose() {}
  },
};

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleWithLoad = Module as unknown as { _load: Loader };
const originalLoad = moduleWithLoad._load;

beforeAll(async () => {
  moduleWithLoad._load = function (this: unknown, request, parent, isMain) {
    if (request === "@azure/functions-core") return fakeCore;
    return originalLoad.call(this, request, parent, isMain);
  };
  await import("../../functions/githubWebhook.js");
  await import("../../functions/planJob.js");
  await import("../../functions/deliverySweep.js");
  await import("../../functions/appStart.js");
});

afterAll(() => {
  moduleWithLoad._load = originalLoad;
});

const byName = (name: string) => {
  const found = registered.find((r) => r.metadata.name === name);
  if (!found) throw new Error(`function ${name} was not registered (got ${registered.map((r) => r.metadata.name).join(", ")})`);
  return found;
};

describe("function registration", () => {
  it("registers through the v4 programming model", () => {
    expect(programmingModel?.name).toBe("@azure/functions");
    expect(registered.map((r) => r.metadata.name).sort()).toEqual(["deliverySweep", "githubWebhook", "planJob"]);
    for (const r of registered) expect(typeof r.callback).toBe("function");
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

  it("checks the settings when the app starts", () => {
    expect(hooks).toContain("appStart");
  });

  it("host.json and the sample settings match what the functions need", async () => {
    const host = JSON.parse(await readFile(new URL("../../host.json", import.meta.url), "utf8"));
    expect(host.version).toBe("2.0");
    expect(host.extensionBundle).toEqual({ id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.*, 5.0.0)" });
    expect(host.extensions.queues.maxDequeueCount).toBe(5);
    const { MAX_DEQUEUE_COUNT } = await import("../../functions/planJob.js");
    expect(MAX_DEQUEUE_COUNT).toBe(host.extensions.queues.maxDequeueCount);
    expect(host.extensions.queues.messageEncoding).toBe("base64");

    const sample = JSON.parse(await readFile(new URL("../../local.settings.sample.json", import.meta.url), "utf8"));
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe("node");
    expect(sample.Values.AzureWebJobsStorage).toBe("UseDevelopmentStorage=true");
    for (const name of ["GITHUB_WEBHOOK_SECRET", "GITHUB_TOKEN", "GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_API_URL", "ASE_GITOPS_REPOSITORIES", "ASE_GITOPS_ALLOWED_ENDPOINTS", "ASE_GITOPS_DEVICE_CA", "ASE_GITOPS_GIT_CACHE"]) {
      expect(sample.Values, name).toHaveProperty(name);
    }
  });
});
