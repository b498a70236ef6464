/** `ase-gitops history` finds its storage account as the app does: partial identity settings are one clear line. */
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const clean = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => /^AzureWebJobsStorage/i.test(name))
    .map((name) => [name, undefined]),
);

describe("history: storage settings", () => {
  it("names the missing identity-based settings in one line, without a stack trace", () => {
    const run = runCli(["history", "store001"], { env: { ...clean, AzureWebJobsStorage__queueServiceUri: "https://st.queue.core.windows.net" } });
    expect(run.status).not.toBe(0);
    const message = run.stderr.trim();
    expect(message).toMatch(/storage settings: AzureWebJobsStorage__blobServiceUri is required/);
    expect(message).toContain("AzureWebJobsStorage__tableServiceUri is required");
    expect(message.split("\n")).toHaveLength(1);
    expect(message).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("still asks for a storage account when none is set", () => {
    const run = runCli(["history", "store001"], { env: clean });
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim()).toMatch(/no storage account: pass --storage CONNECTION or set AzureWebJobsStorage$/);
  });
});
