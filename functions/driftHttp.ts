/**
 * HTTP trigger POST /api/drift: a signed request for a drift check (see
 * shared/use-cases/check-drift/http-trigger.ts). Anonymous at the Functions level: the HMAC over the signed
 * timestamp and the body with the webhook secret is the authentication.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { type DriftHttpDeps, handleDriftRequest, MAX_DRIFT_BODY_BYTES } from "../shared/use-cases/check-drift/http-trigger.js";
import { fanOutDeps } from "../shared/composition/drift-deps.js";
import { resolveTargets } from "../shared/use-cases/check-drift/targets.js";
import { processRuntime, type Runtime } from "../shared/composition/runtime.js";

export function createDriftHttpHandler(runtime: () => Runtime, overrides: Partial<Pick<DriftHttpDeps, "pollMs" | "newRunId" | "now">> = {}) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (Number(request.headers.get("content-length") ?? "0") > MAX_DRIFT_BODY_BYTES)
      return { status: 413, jsonBody: { outcome: "too-large", message: "body larger than 1 MiB" } };
    let rt: Runtime;
    try {
      rt = runtime();
    } catch (error) {
      context.error(`driftHttp cannot start: ${(error as Error).message}`);
      return { status: 503, jsonBody: { outcome: "misconfigured", message: "the controller is misconfigured; see its logs" } };
    }
    const bytes = Buffer.from(await request.arrayBuffer());
    const log = { info: (m: string) => context.log(m), warn: (m: string) => context.warn(m) };
    const result = await handleDriftRequest(
      {
        secrets: rt.settings.webhookSecrets,
        repositories: rt.settings.repositories,
        resolveTargets: (repositories) => resolveTargets(rt.github, repositories, rt.settings),
        fanOut: fanOutDeps(rt, log),
        waitSeconds: rt.settings.driftWaitSeconds,
        seen: rt.deliveries,
        ...overrides,
      },
      { rawBody: bytes.toString("utf8"), header: (name) => request.headers.get(name), queryNames: [...request.query.keys()] },
    );
    const summary = result.body.summary ? ` ${JSON.stringify(result.body.summary)}` : ` ${String(result.body.outcome ?? "")}`;
    context.log(`driftHttp: ${result.status}${summary}`);
    return { status: result.status, jsonBody: result.body };
  };
}

app.http("driftHttp", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "drift",
  handler: createDriftHttpHandler(processRuntime),
});
