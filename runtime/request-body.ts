/**
 * Reads a request body within a size limit and a time limit, as it streams: a declared
 * Content-Length over the limit is refused before a byte is read, a body that grows past
 * the limit (chunked, or a Content-Length that lied) is cut off as soon as it does, and a
 * body that stops arriving (a Content-Length larger than what is sent) is given up on.
 * Node's parser never hands over more than Content-Length bytes, so a Content-Length smaller
 * than the body only lets that many through; the rest is parsed as another request.
 */
import type { IncomingMessage } from "node:http";

/** GitHub caps webhook payloads at 25 MB: no request the app serves needs more. */
export const DEFAULT_MAX_REQUEST_BYTES = 25 * 1024 * 1024;
/** How long a whole body may take to arrive (GitHub itself gives up on a delivery after 10 s). */
export const DEFAULT_BODY_TIMEOUT_MS = 5_000;

export type BodyRefusal = { status: 413 | 408; message: string };

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

export function declaredTooLarge(req: IncomingMessage, limits: BodyLimits): BodyRefusal | undefined {
  const declared = req.headers["content-length"];
  if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) <= limits.maxBytes) return undefined;
  return tooLarge(limits);
}

const tooLarge = (limits: BodyLimits): BodyRefusal => ({ status: 413, message: `request body larger than ${limits.maxBytes} bytes` });

export function readBodyWithin(req: IncomingMessage, limits: BodyLimits): Promise<Buffer | BodyRefusal> {
  const early = declaredTooLarge(req, limits);
  if (early) return Promise.resolve(early);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | BodyRefusal) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError);
      if (!Buffer.isBuffer(result)) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onError = () => finish({ status: 408, message: "the request body did not arrive" });
    const timer = setTimeout(
      () => finish({ status: 408, message: `the request body did not arrive within ${limits.timeoutMs} ms` }),
      limits.timeoutMs,
    );
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onError);
  });
}
