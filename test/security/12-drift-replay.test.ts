/**
 * Issue 9 item 12: a captured signed POST /api/drift must not be replayable, and no
 * parameter may sit outside the signature. Real HTTP: the drift function served by the
 * local runtime's HTTP host, over the drift bench (Azurite, loopback GitHub, simulator).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriftHttpHandler } from "../../functions/driftHttp.js";
import { type HttpHost, startHttpHost } from "../../runtime/http-host.js";
import type { RegisteredFunction } from "../../runtime/functions-core-shim.js";
import { signDriftRequest } from "../../shared/core/trust/drift-signature.js";
import { PROJECT_ROOT } from "../cli/run-cli.js";
import { type DriftBench, startDriftBench } from "../drift/harness.js";
import { manifest } from "../simulator/fixtures.js";
import { sign, WEBHOOK_SECRET } from "../helpers/webhook-fixtures.js";

const PREVIOUS_SECRET = "previous-secret-0123456789";
const MINUTE = 60_000;

let bench: DriftBench;
let host: HttpHost;
/** The controller's clock, moved by the tests (ms since the epoch). */
let clock = Date.now();

beforeAll(async () => {
  bench = await startDriftBench([manifest("store-a", { gpus: 1, vms: [{ name: "infer-01" }] })], {
    env: { GITHUB_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET },
  });
  const drift: RegisteredFunction = {
    metadata: { name: "driftHttp", bindings: {} },
    trigger: { type: "httpTrigger", direction: "in", methods: ["POST"], route: "drift" },
    handler: createDriftHttpHandler(() => bench.rt, { pollMs: 10, now: () => clock }) as RegisteredFunction["handler"],
  };
  host = await startHttpHost({ functions: [drift], routePrefix: "api", port: 0, log: { info: () => undefined, error: () => undefined } });
}, 60_000);
afterAll(async () => {
  await host?.close();
  await bench?.dispose();
});

const nowSeconds = () => Math.floor(clock / 1000);

async function post(
  body: string,
  headers: Record<string, string>,
  query = "",
): Promise<{ status: number; body: { outcome?: string; message?: string } }> {
  const response = await fetch(`${host.url}/api/drift${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { outcome?: string; message?: string } };
}

describe("POST /api/drift cannot be replayed", () => {
  it("accepts a freshly signed request once, and refuses the same bytes sent again", async () => {
    clock = Date.now();
    const body = '{"devices":["store-a"],"wait":0}';
    const headers = signDriftRequest(WEBHOOK_SECRET, body, nowSeconds());
    expect([200, 202]).toContain((await post(body, headers)).status);
    const replay = await post(body, headers);
    expect(replay.status).toBe(409);
    expect(replay.body.message).toMatch(/already received/);
  });

  it("refuses a captured request once its signed timestamp is more than 5 minutes old", async () => {
    clock = Date.now();
    const body = '{"wait":0}';
    const captured = signDriftRequest(WEBHOOK_SECRET, body, nowSeconds());
    clock += 6 * MINUTE;
    const late = await post(body, captured);
    expect(late.status).toBe(401);
    expect(late.body.message).toMatch(/X-Ase-Gitops-Timestamp is 360 s old/);
    // Claiming a fresh timestamp breaks the signature.
    const refreshed = await post(body, { ...captured, "x-ase-gitops-timestamp": String(nowSeconds()) });
    expect(refreshed.status).toBe(401);
  });

  it("refuses a timestamp more than 5 minutes in the future, and accepts one within the window", async () => {
    clock = Date.now();
    const body = '{"devices":["store-a"],"wait":0}';
    const future = await post(body, signDriftRequest(WEBHOOK_SECRET, body, nowSeconds() + 301));
    expect(future.status).toBe(401);
    expect(future.body.message).toMatch(/in the future/);
    expect([200, 202]).toContain((await post(body, signDriftRequest(WEBHOOK_SECRET, body, nowSeconds() - 290))).status);
  });

  it("refuses GitHub's body-only signature, a missing timestamp and a malformed one", async () => {
    clock = Date.now();
    const body = '{"wait":0}';
    const bodyOnly = await post(body, { "x-hub-signature-256": sign(WEBHOOK_SECRET, body), "x-ase-gitops-timestamp": String(nowSeconds()) });
    expect(bodyOnly.status).toBe(401);
    const noTimestamp = await post(body, { "x-hub-signature-256": sign(WEBHOOK_SECRET, body) });
    expect(noTimestamp.status).toBe(401);
    expect(noTimestamp.body.message).toMatch(/missing X-Ase-Gitops-Timestamp/);
    const { "x-hub-signature-256": signature } = signDriftRequest(WEBHOOK_SECRET, body, nowSeconds());
    const malformed = await post(body, { "x-hub-signature-256": signature!, "x-ase-gitops-timestamp": `${nowSeconds()}.5` });
    expect(malformed.status).toBe(401);
    expect(malformed.body.message).not.toMatch(/\n|\bat /);
  });

  it("refuses query parameters: wait is part of the signed body", async () => {
    clock = Date.now();
    const body = '{"devices":["store-a"]}';
    const withQuery = await post(body, signDriftRequest(WEBHOOK_SECRET, body, nowSeconds()), "?wait=0");
    expect(withQuery.status).toBe(400);
    expect(withQuery.body.message).toMatch(/query parameters are not accepted.*signed JSON body/);
    // Changing the signed wait breaks the signature.
    const headers = signDriftRequest(WEBHOOK_SECRET, '{"devices":["store-a"],"wait":0}', nowSeconds());
    expect((await post('{"devices":["store-a"],"wait":220}', headers)).status).toBe(401);
    const badWait = '{"devices":["store-a"],"wait":"soon"}';
    const bad = await post(badWait, signDriftRequest(WEBHOOK_SECRET, badWait, nowSeconds()));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/wait/);
  });

  it("accepts the previous secret while it is rotated", async () => {
    clock = Date.now();
    const body = '{"devices":["store-a"],"wait":0}';
    expect([200, 202]).toContain((await post(body, signDriftRequest(PREVIOUS_SECRET, body, nowSeconds() - 1))).status);
    expect((await post(body, signDriftRequest("some-other-secret-0123456789", body, nowSeconds()))).status).toBe(401);
  });

  it("the README's curl + openssl example is accepted", async () => {
    clock = Date.now();
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("- `POST /api/drift`"));
    const script = /```sh\n([\s\S]*?)```/.exec(section)![1]!.replace(/^\s*body='.*'$/m, `body='{"devices":["store-a"],"wait":0}'`);
    // Asynchronously: the host answers from this very process.
    const { stdout: out } = await promisify(execFile)("sh", ["-c", `${script.replace(/^ {2}/gm, "").trimEnd()} -w '\\n%{http_code}'`], {
      env: { ...process.env, APP: host.url, GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      encoding: "utf8",
      timeout: 20_000,
    });
    const status = out.trim().split("\n").at(-1);
    expect(["200", "202"]).toContain(status);
  });
});
