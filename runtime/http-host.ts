/**
 * Serves the app's registered HTTP functions like the Functions host does locally:
 * `http://localhost:PORT/<routePrefix>/<route>`, methods as registered, the handler called
 * with the library's own HttpRequest and InvocationContext.
 */
import { randomUUID } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import functions, { type HttpResponseInit } from "@azure/functions";
import type { RegisteredFunction } from "./functions-core-shim.js";
import { logHandlerFor, type RuntimeLog } from "./runtime-log.js";

// The library is CommonJS: its classes are reached through the default export.
const { HttpRequest, HttpResponse, InvocationContext } = functions;

/** The host's own request limit (the app may refuse smaller bodies itself). */
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

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

async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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
}): Promise<HttpHost> {
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
    const body = await readBody(req);
    if (body === "too-large") {
      res.writeHead(413).end();
      return;
    }
    const params = Object.fromEntries(hit.route.paramNames.map((name, i) => [name, decodeURIComponent(hit.match![i + 1] ?? "")]).filter(([, v]) => v));
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

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error(`http host: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
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
