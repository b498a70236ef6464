/**
 * An adversarial device, for security tests: the simulator points links it hands out at
 * another origin (a test's recording server) instead of itself. A controller must never
 * follow them with a credential: the ADFS discovery document's `token_endpoint` (the
 * password grant), `Azure-AsyncOperation`/`Location` of long-running operations and the
 * `nextLink` of lists (the bearer token).
 */
import { z } from "zod";

export const HostileOptions = z.object({
  /** Where the hostile links point, e.g. `https://localhost:PORT`. */
  origin: z.url({ protocol: /^https$/ }).transform((value) => value.replace(/\/+$/, "")),
  /** ADFS discovery names a token_endpoint at `origin`. */
  discovery: z.boolean().default(false),
  /** Accepted operations send Azure-AsyncOperation and Location at `origin`. */
  operations: z.boolean().default(false),
  /** GET lists answer with a nextLink at `origin`. */
  nextLink: z.boolean().default(false),
});
export type HostileOptions = z.output<typeof HostileOptions>;

const moveTo = (origin: string, link: string) => {
  const url = new URL(link);
  return `${origin}${url.pathname}${url.search}`;
};

/** The discovery document with its token endpoint moved. */
export function hostileDiscovery(hostile: HostileOptions | undefined, document: unknown): unknown {
  if (!hostile?.discovery) return document;
  const doc = document as Record<string, unknown>;
  return { ...doc, token_endpoint: moveTo(hostile.origin, String(doc.token_endpoint)) };
}

/** An ARM reply with its operation links or nextLink moved. */
export function hostileReply(
  hostile: HostileOptions | undefined,
  method: string,
  reply: { status: number; body?: unknown; headers?: Record<string, string> },
): { status: number; body?: unknown; headers?: Record<string, string> } {
  if (!hostile) return reply;
  let { body, headers } = reply;
  if (hostile.operations && headers) {
    headers = { ...headers };
    for (const name of ["Azure-AsyncOperation", "Location"]) if (headers[name]) headers[name] = moveTo(hostile.origin, headers[name]!);
  }
  const list = body as { value?: unknown; nextLink?: unknown } | undefined;
  if (hostile.nextLink && method === "GET" && reply.status === 200 && list && Array.isArray(list.value)) {
    body = { ...list, nextLink: `${hostile.origin}/next-page?api-version=2017-12-01` };
  }
  return { ...reply, body, ...(headers ? { headers } : {}) };
}
