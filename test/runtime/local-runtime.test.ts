/**
 * The local runtime's own storage: a runtime killed outright (the "worker" dies) leaves its
 * Azurite running, the next runtime takes it over with every queued message, and a runtime
 * that stops normally stops it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { QueueServiceClient } from "@azure/storage-queue";
import { describe, expect, it } from "vitest";
import { answers } from "../../runtime/azurite.js";
import { PROJECT_ROOT } from "../cli/run-cli.js";
import { waitFor } from "../helpers/wait.js";

const ENV = {
  GITHUB_TOKEN: "ghp_local_runtime_test",
  GITHUB_WEBHOOK_SECRET: "local-runtime-test-secret-0123",
  ASE_GITOPS_REPOSITORIES: "contoso/edge-fleet",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};

async function startRuntime(): Promise<{ proc: ChildProcess; url: string; storage: string }> {
  const proc = spawn(process.execPath, [join(PROJECT_ROOT, "dist", "runtime", "cli.js"), "--port", "0"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...ENV },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const ready = await new Promise<{ url: string; storageConnectionFile: string }>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    proc.once("exit", (code) => reject(new Error(`runtime exited with ${code}`)));
  });
  // The ready line redacts the key; the full connection string is in the file it names.
  return { proc, url: ready.url, storage: readFileSync(ready.storageConnectionFile, "utf8").trim() };
}

const queuePort = (storage: string) => Number(/QueueEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(storage)![1]);

describe("local runtime storage", () => {
  it("survives a runtime killed outright and is stopped by a runtime that stops normally", async () => {
    const first = await startRuntime();
    const queue = QueueServiceClient.fromConnectionString(first.storage).getQueueClient("survivor");
    await queue.createIfNotExists();
    await queue.sendMessage(Buffer.from('{"left":"behind"}').toString("base64"));
    first.proc.kill("SIGKILL");
    await new Promise((resolve) => first.proc.once("exit", resolve));
    expect(await answers(queuePort(first.storage))).toBe(true);

    const second = await startRuntime();
    expect(second.storage).toBe(first.storage);
    const peeked = await queue.peekMessages();
    expect(peeked.peekedMessageItems.map((m) => Buffer.from(m.messageText, "base64").toString())).toEqual(['{"left":"behind"}']);

    second.proc.kill("SIGTERM");
    await new Promise((resolve) => second.proc.once("exit", resolve));
    await waitFor(async () => ((await answers(queuePort(first.storage))) ? undefined : true), 10_000, "Azurite to stop");
    expect(existsSync(join(PROJECT_ROOT, ".cache", "local-runtime", "azurite.json"))).toBe(false);
    expect(existsSync(join(PROJECT_ROOT, ".cache", "local-runtime", "storage-connection-string"))).toBe(false);
  }, 60_000);
});
