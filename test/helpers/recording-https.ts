/**
 * A stranger's HTTPS server for security tests: it records every request (and whether it
 * carried an Authorization header or a password) and answers as a hostile device would, with
 * a token, a "Succeeded" operation or an empty page. Its certificate is signed by its own CA,
 * which the test trusts next to the simulator's, so TLS is never what keeps a secret from it.
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { createSimulatorTls } from "../../simulator/tls.js";

export interface RecordedRequest {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

export interface RecordingServer {
  /** `https://localhost:PORT`: another host than the simulator's 127.0.0.1. */
  origin: string;
  caPem: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function answer(method: string, url: string): unknown {
  if (method === "POST" && /token/i.test(url)) {
    return { access_token: "stolen", token_type: "bearer", expires_in: 3600, refresh_token: "stolen-refresh", scope: "openid" };
  }
  if (/next-page/.test(url)) return { value: [] };
  return { status: "Succeeded", properties: { provisioningState: "Succeeded" } };
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const tls = await createSimulatorTls("a stranger's CA (security tests)");
  const requests: RecordedRequest[] = [];
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const method = req.method ?? "GET";
      const url = req.url ?? "/";
      requests.push({
        method,
        url,
        body: Buffer.concat(chunks).toString("utf8"),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer(method, url)));
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://localhost:${port}`,
    caPem: tls.caPem,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
