/**
 * Serves the app's registered HTTP functions like the Functions host does locally:
 * `http://localhost:PORT/<routePrefix>/<route>`, methods as registered, the handler called
 * with the library's own HttpRequest and InvocationContext. Bodies are held to the host's
 * limit while they stream (see request-body.ts): nothing unsigned buffers more than that.
 */
import { randomUUID } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import functions, { type HttpResponseInit } from "@azure/functions";
import type { RegisteredFunction } from "./functions-core-shim.js";
import { type BodyRefusal, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_REQUEST_BYTES, declaredTooLarge, readBodyWithin } from "./request-body.js";
import { logHandlerFor, type RuntimeLog } from "./runtime-log.js";

// The library is CommonJS: its classes are reached through the default export.
const { HttpRequest, HttpResponse, InvocationContext } = functions;

/** Request headers must be complete within this (slow senders do not hold a connection). */
const HEADERS_TIMEOUT_MS = 8_000;

interface Route {
  fn: RegisteredFunction;
  methods: Set<string>;
  pattern: RegExp;
  paramNames: string[];
}

function compileRoute(routePrefix: string, fn: RegisteredFunction): Route {
  const route = String(fn.trigger.route ?? fn.metadata.name);
  const paramNames: string[] = [];
  const segments = [routePrefix, route]
    .filter(Boolean)
    .join("/")
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)(?::[^}?]*)?(\?)?\}$/.exec(segment);
      if (!param) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      paramNames.push(param[1]!);
      return param[2] ? "(?:/([^/]+))?" : "/([^/]+)";
    });
  const methods = (fn.trigger.methods as string[] | undefined) ?? ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
  return { fn, methods: new Set(methods.map((m) => m.toUpperCase())), pattern: new RegExp(`^${segments.join("")}/?$`, "i"), paramNames };
}

/** Answers a refused body and closes the connection, whatever the client is still sending. */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: BodyRefusal): void {
  const outcome = refusal.status === 413 ? "too-large" : "timeout";
  res
    .writeHead(refusal.status, { "content-type": "application/json", connection: "close" })
    .end(JSON.stringify({ outcome, message: refusal.message }));
  // Discard what is still arriving for a moment so the client reads the answer, then cut it off.
  req.resume();
  setTimeout(() => req.socket.destroy(), 1_000).unref();
}

export interface HttpHost {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHttpHost(options: {
  functions: RegisteredFunction[];
  routePrefix: string;
  port: number;
  log: RuntimeLog;
  /** Largest request body accepted (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT); default 25 MiB. */
  maxBodyBytes?: number;
  /** How long a whole request body may take to arrive; default 5 s. */
  bodyTimeoutMs?: number;
}): Promise<HttpHost> {
  const limits = { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_REQUEST_BYTES, timeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS };
  const routes = options.functions.filter((f) => f.trigger.type === "httpTrigger").map((f) => compileRoute(options.routePrefix, f));
  let port = options.port;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://localhost:${port}`);
    const method = (req.method ?? "GET").toUpperCase();
    const matches = routes.map((route) => ({ route, match: route.pattern.exec(url.pathname) })).filter((m) => m.match);
    const hit = matches.find((m) => m.route.methods.has(method));
    if (!hit) {
      res.writeHead(matches.length > 0 ? 405 : 404).end();
      return;
    }
    const body = await readBodyWithin(req, limits);
    if (!Buffer.isBuffer(body)) {
      refuse(req, res, body);
      return;
    }
    const params = Object.fromEntries(
      hit.route.paramNames.map((name, i) => [name, decodeURIComponent(hit.match![i + 1] ?? "")]).filter(([, v]) => v),
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      query: Object.fromEntries(url.searchParams),
      params,
      ...(body.length > 0 && method !== "GET" && method !== "HEAD" ? { body: { bytes: body } } : {}),
    });
    const name = hit.route.fn.metadata.name;
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: name,
      logHandler: logHandlerFor(options.log, name),
      triggerMetadata: { headers, query: Object.fromEntries(url.searchParams), params },
    });
    let response: InstanceType<typeof HttpResponse>;
    try {
      const result = (await hit.route.fn.handler(request, context)) as HttpResponseInit | InstanceType<typeof HttpResponse> | undefined;
      response = result instanceof HttpResponse ? result : new HttpResponse(result ?? { status: 204 });
    } catch (error) {
      options.log.error(`${name}: ${(error as Error).stack ?? String(error)}`);
      res.writeHead(500).end();
      return;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const outHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      outHeaders[key] = value;
    });
    res.writeHead(response.status, outHeaders).end(bytes);
  };

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error(`http host: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server: Server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS + limits.timeoutMs, connectionsCheckingInterval: 1_000 },
    serve,
  );
  // `Expect: 100-continue` (curl sends it for large bodies): refuse before the body is sent.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const early = declaredTooLarge(req, limits);
    if (early) return refuse(req, res, early);
    res.writeContinue();
    serve(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
