/**
 * The local runtime's command line: unknown or misplaced arguments get a one-line error and
 * the usage, never a stack trace; `--help` prints the usage; `npm start --port N` (npm keeps
 * the flag) says to write `npm start -- --port N`. Runs the built CLI as npm would.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "../../dist/runtime/cli.js");

async function start(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm start arguments", () => {
  it("--help prints the usage and exits 0", async () => {
    const r = await start(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm start -- \[--port N\]/);
  });

  it.each([
    [["8080"], "Unexpected argument '8080'"],
    [["--prot", "8080"], "Unknown option '--prot'"],
    [["--port", "abc"], '--port must be a whole number, not "abc"'],
    [["--port", "70000"], "--port must be 0-65535"],
  ])("%j is a one-line error with the usage", async (args, message) => {
    const r = await start(args);
    expect(r.code).toBe(1);
    const [first, second] = r.stderr.split("\n");
    expect(first).toContain(`local runtime: ${message}`);
    expect(second).toMatch(/^usage: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [["8080"], { npm_config_port: "true", npm_lifecycle_event: "start" }],
    [[], { npm_config_port: "8080", npm_lifecycle_event: "start" }],
  ])("npm start --port (npm kept the flag: %j) says to add `--`", async (args, env) => {
    const r = await start(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("local runtime: npm kept --port for itself: write `npm start -- --port N` (note the `--`)");
  });
});
