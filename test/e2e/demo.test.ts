/** The README's main command: `npm run demo` converges the example fleet and leaves nothing running. */
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("npm run demo", () => {
  it("plans the pull request, converges every device on merge, and stops everything it started", async () => {
    // npm test has built dist/ already; run the demo's compiled entry as `npm run demo` does.
    const run = spawnSync(process.execPath, ["dist/devtools/demo.js"], { cwd: ROOT, encoding: "utf8", timeout: 90_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toContain("<!-- ase-gitops:plan -->");
    expect(out).toMatch(/\*\*8 devices: 8 feasible, 0 blocked/);
    expect(out).toMatch(/store-005 +step \d+ removeKubernetes: succeeded/);
    expect(out).toContain("check run ase-gitops/apply: success");
    expect(out).toMatch(/store-006 +2 GPUs +release 2110 +Kubernetes 1, infer-01 1, free 0/);
    expect(out).toContain("Done: every device converged.");
    // Nothing left listening: the runtime, the simulator and the GitHub API are gone.
    const urls = [...out.matchAll(/(?:runtime|simulator|GitHub API) (https?:\/\/[^\s,)]+)/g)].map((m) => m[1]!);
    expect(urls).toHaveLength(3);
    for (const url of urls) {
      const { hostname, port } = new URL(url);
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ host: hostname === "localhost" ? "127.0.0.1" : hostname, port: Number(port) });
        socket.once("connect", () => {
          socket.destroy();
          resolve("connected");
        });
        socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });
      expect(refused, url).toBe("ECONNREFUSED");
    }
  }, 120_000);
});
