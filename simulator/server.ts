/**
 * The HTTPS front of the simulator: routes `/devices/<name>/...` to the device's ADFS or
 * ARM handlers, `/cloud/...` to the cloud DataBoxEdge provider and `/cloud-login/<tenant>/...`
 * to the cloud token service; checks bearer tokens (ADFS tokens on device routes, cloud
 * tokens on cloud routes) and api-versions, adds latency and injects faults.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AdfsConfig, type TokenCheck, checkBearer, checkBearerIn, openIdConfiguration, tokenRequest } from "./adfs.js";
import { checkApiVersion } from "./api-versions.js";
import { ArmHttpError, armError } from "./arm-errors.js";
import type { ArmContext, ArmRequest, ArmResponse } from "./arm-context.js";
import { asHttpError, handleArm } from "./arm-routes.js";
import { type CloudConfig, cloudOpenIdConfiguration, cloudTokenRequest, handleCloud, resolveCloud } from "./cloud.js";
import type { SimDevice } from "./device-state.js";
import type { OperationClock } from "./durations.js";
import type { FaultInjector } from "./faults.js";
import { type HostileOptions, hostileDiscovery, hostileReply } from "./hostile.js";
import type { OperationRegistry } from "./operations.js";

/** Where a request goes once its prefix is read: a device's local ARM, or the cloud provider. */
interface Route {
  /** Undefined when a /cloud path names no simulated device (answered after the token check). */
  device?: SimDevice;
  error?: ArmHttpError;
  base: string;
  /** Path segments after the prefix. */
  segments: string[];
  /** Recorded before the path in `requests`: "" for device routes, "/cloud" for cloud ones. */
  recordPrefix: string;
  token: (header: string | undefined) => TokenCheck;
  authorizationUri: string;
  cloud?: { subscriptionId: string; name: string };
  handle: (ctx: ArmContext, req: ArmRequest) => ArmResponse;
}

export interface ServerConfig extends AdfsConfig {
  devices: Map<string, SimDevice>;
  operations: OperationRegistry;
  faults: FaultInjector;
  latencyMs: number;
  lroRetryAfterSec: number;
  lroRetryAfterMaxSec: number;
  clock: OperationClock;
  throttleRetryAfterSec: number;
  reclaimRisk: boolean;
  /** The cloud token service and the `/cloud` DataBoxEdge resources. */
  cloud: CloudConfig;
  /** `https://127.0.0.1:PORT`, known once listening. */
  origin: () => string;
  /** Security tests: links the simulator hands out point at another origin (hostile.ts). */
  hostile?: HostileOptions;
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
    const parts = url.pathname
      .split("/")
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    let rawBody: string;
    const body = async () => {
      try {
        rawBody = await readBody(req);
        return true;
      } catch (err) {
        const e = asHttpError(err);
        send(res, e.status, { error: e.body });
        return false;
      }
    };

    // The cloud token service (client credentials): no latency, no faults, like ADFS.
    if (parts[0] === "cloud-login" && parts[1]) {
      if (!(await body())) return;
      config.onRequest?.("", req.method ?? "GET", `/${parts.join("/")}`, 0);
      const authority = `${config.origin()}/cloud-login/${parts[1]}`;
      const rest = parts
        .slice(2)
        .map((s) => s.toLowerCase())
        .join("/");
      if (req.method === "GET" && (rest === ".well-known/openid-configuration" || rest === "v2.0/.well-known/openid-configuration")) {
        return send(res, 200, cloudOpenIdConfiguration(authority));
      }
      if (req.method === "GET" && rest === "discovery/v2.0/keys") return send(res, 200, { keys: [] });
      if (req.method === "POST" && rest === "oauth2/v2.0/token") {
        const reply = cloudTokenRequest(new URLSearchParams(rawBody!), config.cloud);
        return send(res, reply.status, reply.body, { "Cache-Control": "no-store" });
      }
      return send(res, 404, { error: "not_found", error_description: `No token service endpoint '${rest}'.` });
    }

    let route: Route;
    if (parts[0] === "cloud") {
      const segments = parts.slice(1);
      const target = resolveCloud(config.cloud, config.operations, config.devices, segments);
      route = {
        device: "error" in target ? undefined : target.device,
        error: "error" in target ? target.error : undefined,
        base: `${config.origin()}/cloud`,
        segments,
        recordPrefix: "/cloud",
        token: (header) => checkBearerIn(config.cloud.tokens, header),
        authorizationUri: `${config.origin()}/cloud-login/common`,
        ...("error" in target ? {} : { cloud: { subscriptionId: target.subscriptionId, name: target.name } }),
        handle: handleCloud,
      };
    } else {
      if (parts[0] !== "devices" || !parts[1]) return send(res, 404, { error: { code: "NotFound", message: "Use /devices/<name>/..." } });
      const device = config.devices.get(parts[1].toLowerCase());
      if (!device) return send(res, 404, { error: { code: "NotFound", message: `No simulated device '${parts[1]}'.` } });
      const base = `${config.origin()}/devices/${device.name}`;
      route = {
        device,
        base,
        segments: parts.slice(2),
        recordPrefix: "",
        token: (header) => checkBearer(device, header),
        authorizationUri: `${base}/adfs`,
        handle: handleArm,
      };
    }
    const { segments, base } = route;
    if (!(await body())) return;

    // ADFS: no latency, no faults (MSAL's own retries are not what is under test).
    if (route.device && !route.cloud && segments[0]?.toLowerCase() === "adfs") {
      const device = route.device;
      config.onRequest?.(device.name, req.method ?? "GET", `/${segments.join("/")}`, 0);
      const authority = `${base}/adfs`;
      const rest = segments
        .slice(1)
        .map((s) => s.toLowerCase())
        .join("/");
      if (req.method === "GET" && (rest === ".well-known/openid-configuration" || rest === "v2.0/.well-known/openid-configuration")) {
        return send(res, 200, hostileDiscovery(config.hostile, openIdConfiguration(authority)));
      }
      if (req.method === "GET" && rest === "discovery/keys") return send(res, 200, { keys: [] });
      if (req.method === "POST" && (rest === "oauth2/token" || rest === "oauth2/v2.0/token")) {
        const reply = tokenRequest(device, authority, new URLSearchParams(rawBody!), config);
        return send(res, reply.status, reply.body, { "Cache-Control": "no-store" });
      }
      return send(res, 404, { error: "not_found", error_description: `No ADFS endpoint '${rest}'.` });
    }

    if (config.latencyMs > 0) await sleep(config.latencyMs);
    const method = (req.method ?? "GET").toUpperCase();
    const path = `${route.recordPrefix}/${segments.join("/")}`;
    const deviceName = route.device?.name ?? "";
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      config.onRequest?.(deviceName, method, path, status);
      send(res, status, body, headers);
    };

    const token = route.token(req.headers.authorization);
    if (token !== "ok") {
      const [code, message] = UNAUTHORIZED[token]!;
      return reply(
        401,
        { error: { code, message } },
        {
          "WWW-Authenticate": `Bearer authorization_uri="${route.authorizationUri}", error="invalid_token", error_description="${message}"`,
        },
      );
    }
    if (!route.device) {
      const e = route.error ?? armError(404, "NotFound", "Not found.");
      return reply(e.status, { error: e.body }, e.headers);
    }
    const device = route.device;
    const lower = segments.map((s) => s.toLowerCase());
    const apiVersion = url.searchParams.get("api-version");
    const versionProblem = checkApiVersion(lower, apiVersion, lower.filter((_, i) => i % 2 === 0).slice(-1)[0] ?? "");
    if (versionProblem) return reply(versionProblem.status, { error: versionProblem.body });

    let json: unknown;
    if (rawBody!.trim()) {
      try {
        json = JSON.parse(rawBody!);
      } catch {
        return reply(400, { error: { code: "InvalidRequestContent", message: "The request content was invalid and could not be deserialized." } });
      }
    }

    const mutating = method !== "GET" && method !== "HEAD";
    const fault = config.faults.request(mutating);
    const failNow = (kind: "429" | "500" | "reset") => {
      config.onRequest?.(deviceName, method, path, kind === "429" ? 429 : kind === "500" ? 500 : 0);
      if (kind === "reset") return void res.socket?.destroy();
      if (kind === "429") {
        return send(
          res,
          429,
          { error: { code: "TooManyRequests", message: "The request was throttled (injected fault)." } },
          { "Retry-After": String(config.throttleRetryAfterSec) },
        );
      }
      return send(res, 500, { error: { code: "InternalServerError", message: "The server encountered an internal error (injected fault)." } });
    };
    if (fault && !fault.afterCommit) return failNow(fault.kind);

    const ctx: ArmContext = {
      device,
      base,
      operations: config.operations,
      faults: config.faults,
      latencyMs: config.latencyMs,
      lroRetryAfterSec: config.lroRetryAfterSec,
      lroRetryAfterMaxSec: config.lroRetryAfterMaxSec,
      clock: config.clock,
      reclaimRisk: config.reclaimRisk,
      ...(route.cloud ? { cloud: route.cloud } : {}),
    };
    const armReq: ArmRequest = { method, segments, lower, query: url.searchParams, body: json, apiVersion: apiVersion! };
    let response: ArmResponse;
    try {
      response = route.handle(ctx, armReq);
    } catch (err) {
      const e: ArmHttpError = asHttpError(err);
      response = { status: e.status, body: { error: e.body }, headers: e.headers };
    }
    // The change is committed (or the LRO accepted); the reply is lost.
    if (fault?.afterCommit) return failNow(fault.kind);
    response = hostileReply(config.hostile, method, response);
    reply(response.status, response.body, response.headers);
  };
}
