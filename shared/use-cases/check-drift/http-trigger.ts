/**
 * POST /api/drift: the signed drift trigger. The HMAC (X-Hub-Signature-256, the webhook's
 * secrets, rotation included) over the signed timestamp and the raw body is checked before
 * anything parses it (see drift-signature.ts), and a request seen before is refused, so a
 * captured request cannot be replayed. Every parameter is in the signed body, none in the
 * query string. The body names devices or labels, or is `{}` for the whole fleet. The run is
 * fanned out to the device queue, then the handler waits (bounded) for the results and
 * answers with the run summary: 200 when every device reported, 202 with what is known so far otherwise.
 * Bad input is 4xx; only our own dependencies failing is 5xx (503).
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { isAllowed } from "../accept-webhook/webhook-router.js";
import { verifyDriftRequest } from "../../core/trust/drift-signature.js";
import { DriftError } from "../../core/drift/errors.js";
import { type FanOutDeps, type FanOutResult, type RepositoryTarget, startDriftRun } from "./fan-out.js";
import type { DriftRunResultRow, DriftRunView } from "./run-view.js";
import { viewRun } from "./run-view.js";
import { DriftSelector } from "../../core/drift/select.js";

export const MAX_DRIFT_BODY_BYTES = 1024 * 1024;

export const DriftRequest = DriftSelector.extend({
  /** Only this configured repository (default: every configured one). */
  repository: z
    .string()
    .regex(/^[^/\s]+\/[^/\s]+$/)
    .optional(),
  /** Seconds to wait for the device checks (default ASE_GITOPS_DRIFT_WAIT_SECONDS; 0 = answer right after queueing). */
  wait: z
    .number({ error: "must be a number of seconds from 0 to 220" })
    .min(0, "must be a number of seconds from 0 to 220")
    .max(220, "must be a number of seconds from 0 to 220")
    .optional(),
});
export type DriftRequest = z.infer<typeof DriftRequest>;

export interface DriftHttpDeps {
  secrets: readonly string[];
  repositories: readonly string[];
  resolveTargets: (repositories: readonly string[]) => Promise<RepositoryTarget[]>;
  fanOut: FanOutDeps;
  waitSeconds: number;
  pollMs?: number;
  newRunId?: () => string;
  /** The clock the signed timestamp is checked against (ms since the epoch). */
  now?: () => number;
  /** Signatures already accepted (the webhook's delivery log): a repeat is a replay. */
  seen?: { claim(id: string, event: string): Promise<boolean>; release(id: string): Promise<void> };
}

export interface DriftHttpInput {
  rawBody: string;
  header(name: string): string | null | undefined;
  /** Names of the query parameters sent: any is refused (parameters belong in the signed body). */
  queryNames: readonly string[];
}

export interface DriftHttpResult {
  status: number;
  body: Record<string, unknown>;
}

const error = (status: number, outcome: string, message: string): DriftHttpResult => ({ status, body: { outcome, message } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function handleDriftRequest(deps: DriftHttpDeps, input: DriftHttpInput): Promise<DriftHttpResult> {
  if (Buffer.byteLength(input.rawBody, "utf8") > MAX_DRIFT_BODY_BYTES) return error(413, "too-large", "body larger than 1 MiB");
  if (input.queryNames.length > 0) {
    return error(400, "bad-request", 'query parameters are not accepted: put them in the signed JSON body, e.g. {"wait":0}');
  }
  const auth = await verifyDriftRequest(deps.secrets, input.rawBody, input.header, deps.now?.() ?? Date.now());
  if (!auth.ok) return error(401, "unauthorized", auth.message);
  let json: unknown;
  try {
    json = JSON.parse(input.rawBody);
  } catch {
    return error(400, "bad-request", "body is not valid JSON");
  }
  const parsed = DriftRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return error(400, "bad-request", `invalid drift request${issue.path.length ? ` (${issue.path.join(".")})` : ""}: ${issue.message}`);
  }
  const request = parsed.data;
  const wait = request.wait ?? deps.waitSeconds;
  if (request.repository && !isAllowed(deps.repositories, request.repository)) {
    return error(403, "repository-not-allowed", `repository ${request.repository} is not configured for ase-gitops`);
  }
  const repositories = request.repository
    ? deps.repositories.filter((r) => r.toLowerCase() === request.repository!.toLowerCase())
    : deps.repositories;

  // The signature is unique to this timestamp and body: seen before, it is a replay.
  const replayKey = auth.signature.slice("sha256=".length).toLowerCase();
  try {
    if (deps.seen && !(await deps.seen.claim(replayKey, "drift-http"))) {
      return error(409, "replayed", "this signed request was already received: sign it again with a new X-Ase-Gitops-Timestamp");
    }
  } catch (err) {
    deps.fanOut.log?.warn(`drift request: cannot record the signature: ${(err as Error).message}`);
    return error(503, "unavailable", "cannot record the request; see the controller's logs");
  }

  const runId = deps.newRunId?.() ?? `http-${randomUUID()}`;
  let started: FanOutResult;
  try {
    const targets = await deps.resolveTargets(repositories);
    const { repository: _repository, wait: _wait, ...selector } = request;
    started = await startDriftRun(deps.fanOut, { runId, trigger: "http", targets, selector });
  } catch (err) {
    // Nothing started: the same signed request may be sent again.
    await deps.seen?.release(replayKey).catch(() => undefined);
    const e = err as { code?: string; message?: string };
    deps.fanOut.log?.warn(`drift run ${runId}: cannot start: ${e.code ?? "ERROR"}: ${e.message ?? String(err)}`);
    const status = err instanceof DriftError && !err.transient ? 500 : 503;
    return error(status, "unavailable", `cannot start the drift run (${e.code ?? "ERROR"}); see the controller's logs`);
  }
  if (started.unknown.length > 0 && started.queued === 0) {
    return {
      status: 404,
      body: {
        outcome: "unknown-devices",
        message: `no manifest on the default branch defines ${started.unknown.join(", ")}`,
        runId,
        unknown: started.unknown,
      },
    };
  }
  // A selector that matches nothing is a mistake (a typo in a label), not "0 checked, all fine".
  if (request.labels && started.matched === 0) {
    const labels = Object.entries(request.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return { status: 404, body: { outcome: "no-matching-devices", message: `no device on the default branch has the labels ${labels}`, runId } };
  }

  const deadline = Date.now() + wait * 1000;
  let view: DriftRunView = await viewRun(deps.fanOut.runs, runId);
  while (!view.complete && Date.now() < deadline) {
    await sleep(Math.min(deps.pollMs ?? 500, Math.max(0, deadline - Date.now())));
    view = await viewRun(deps.fanOut.runs, runId);
  }
  view = await viewRun(deps.fanOut.runs, runId, true);
  return {
    status: view.complete ? 200 : 202,
    body: {
      runId,
      trigger: "http",
      complete: view.complete,
      summary: view.summary,
      devices: view.devices satisfies DriftRunResultRow[],
      unknown: started.unknown,
      invalid: started.invalid,
    },
  };
}
