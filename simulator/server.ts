/**
 * The HTTPS front of the simulator: routes `/devices/<name>/...` to the device's ADFS or
 * ARM handlers, checks bearer tokens and api-versions, adds latency and injects faults.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AdfsConfig, checkBearer, openIdConfiguration, tokenRequest } from "./adfs.js";
import { checkApiVersion } from "./api-versions.js";
import { ArmHttpError, armError } from "./arm-errors.js";
import type { ArmContext, ArmRequest, ArmResponse } from "./arm-context.js";
import { asHttpError, handleArm } from "./arm-routes.js";
import type { SimDevice } from "./device-state.js";
import type { FaultInjector } from "./faults.js";
import type { OperationRegistry } from "./operations.js";

export interface ServerConfig extends AdfsConfig {
  devices: Map<string, SimDevice>;
  operations: OperationRegistry;
  faults: FaultInjector;
  latencyMs: number;
  lroRetryAfterSec: number;
  throttleRetryAfterSec: number;
  reclaimRisk: boolean;
  /** `https://127.0.0.1:PORT`, known once listening. */
  origin: () => string;
  /** Every ARM request handled, for tests that count calls. */
  onRequest?: (device: string, method: string, path: string, status: number) => void;
}

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(armError(413, "RequestEntityTooLarge", "The request body is too large."));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "x-ms-request-id": randomUUID(),
    "x-ms-correlation-request-id": randomUUID(),
    ...headers,
  });
  res.end(text);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const UNAUTHORIZED: Record<string, [string, string]> = {
  missing: ["AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."],
  invalid: ["InvalidAuthenticationToken", "The access token is invalid."],
  expired: ["ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."],
};

export function createRequestHandler(config: ServerConfig) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "https://simulator");
    const parts = url.pathname.split("/").filter(Boolean).map((p) => decodeURIComponent(p));
    if (parts[0] !== "devices" || !parts[1]) return send(res, 404, { error: { code: "NotFound", message: "Use /devices/<name>/..." } });
    const device = config.devices.get(parts[1].toLowerCase());
    if (!device) return send(res, 404, { error: { code: "NotFound", message: `No simulated device '${parts[1]}'.` } });
    const base = `${config.origin()}/devices/${device.name}`;
    const segments = parts.slice(2);
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch (err) {
      const e = asHttpError(err);
      return send(res, e.status, { error: e.body });
    }

    // ADFS: no latency, no faults (MSAL's own retries are not what is under test).
    if (segments[0]?.toLowerCase() === "adfs") {
      config.onRequest?.(device.name, req.method ?? "GET", `/${segments.join("/")}`, 0);
      const authority = `${base}/adfs`;
      const rest = segments.slice(1).map((s) => s.toLowerCase()).join("/");
      if (req.method === "GET" && (rest === ".well-known/openid-configuration" || rest === "v2.0/.well-known/openid-configuration")) {
        return send(res, 200, openIdConfiguration(authority));
      }
      if (req.method === "GET" && rest === "discovery/keys") return send(res, 200, { keys: [] });
      if (req.method === "POST" && (rest === "oauth2/token" || rest === "oauth2/v2.0/token")) {
        const reply = tokenRequest(device, authority, new URLSearchParams(rawBody), config);
        return send(res, reply.status, reply.body, { "Cache-Control": "no-store" });
      }
      return send(res, 404, { error: "not_found", error_description: `No ADFS endpoint '${rest}'.` });
    }

    if (config.latencyMs > 0) await sleep(config.latencyMs);
    const method = (req.method ?? "GET").toUpperCase();
    const path = `/${segments.join("/")}`;
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      config.onRequest?.(device.name, method, path, status);
      send(res, status, body, headers);
    };

    const token = checkBearer(device, req.headers.authorization);
    if (token !== "ok") {
      const [code, message] = UNAUTHORIZED[token]!;
      return reply(401, { error: { code, message } }, {
        "WWW-Authenticate": `Bearer authorization_uri="${base}/adfs", error="invalid_token", error_description="${message}"`,
      });
    }
    const lower = segments.map((s) => s.toLowerCase());
    const apiVersion = url.searchParams.get("api-version");
    const versionProblem = checkApiVersion(lower, apiVersion, lower.filter((_, i) => i % 2 === 0).slice(-1)[0] ?? "");
    if (versionProblem) return reply(versionProblem.status, { error: versionProblem.body });

    let body: unknown;
    if (rawBody.trim()) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return reply(400, { error: { code: "InvalidRequestContent", message: "The request content was invalid and could not be deserialized." } });
      }
    }

    const mutating = method !== "GET" && method !== "HEAD";
    const fault = config.faults.request(mutating);
    const failNow = (kind: "429" | "500" | "reset") => {
      config.onRequest?.(device.name, method, path, kind === "429" ? 429 : kind === "500" ? 500 : 0);
      if (kind === "reset") return void res.socket?.destroy();
      if (kind === "429") {
        return send(res, 429, { error: { code: "TooManyRequests", message: "The request was throttled (injected fault)." } }, { "Retry-After": String(config.throttleRetryAfterSec) });
      }
      return send(res, 500, { error: { code: "InternalServerError", message: "The server encountered an internal error (injected fault)." } });
    };
    if (fault && !fault.afterCommit) return failNow(fault.kind);

    const ctx: ArmContext = {
      device, base, operations: config.operations, faults: config.faults,
      latencyMs: config.latencyMs, lroRetryAfterSec: config.lroRetryAfterSec, reclaimRisk: config.reclaimRisk,
    };
    const armReq: ArmRequest = { method, segments, lower, query: url.searchParams, body, apiVersion: apiVersion! };
    let response: ArmResponse;
    try {
      response = handleArm(ctx, armReq);
    } catch (err) {
      const e: ArmHttpError = asHttpError(err);
      response = { status: e.status, body: { error: e.body }, headers: e.headers };
    }
    // The change is committed (or the LRO accepted); the reply is lost.
    if (fault?.afterCommit) return failNow(fault.kind);
    reply(response.status, response.body, response.headers);
  };
}
