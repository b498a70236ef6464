/**
 * HTTP trigger for GitHub webhooks (route github/webhook). Anonymous at the Functions level:
 * the HMAC signature is the authentication. Thin: read the raw body, call the router,
 * map its result; the work happens from the queues.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { handleWebhook, MAX_BODY_BYTES, type WebhookDeps } from "../shared/use-cases/accept-webhook/webhook-router.js";
import { processRuntime } from "../shared/composition/runtime.js";

export function createWebhookHandler(deps: () => WebhookDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > MAX_BODY_BYTES) return { status: 413, jsonBody: { outcome: "too-large", message: "payload larger than 25 MB" } };
    let resolved: WebhookDeps;
    try {
      resolved = deps();
    } catch (error) {
      context.error(`githubWebhook cannot start: ${(error as Error).message}`);
      return { status: 503, jsonBody: { outcome: "misconfigured", message: "the controller is misconfigured; see its logs" } };
    }
    const bytes = Buffer.from(await request.arrayBuffer());
    if (bytes.length > MAX_BODY_BYTES) return { status: 413, jsonBody: { outcome: "too-large", message: "payload larger than 25 MB" } };
    const delivery = request.headers.get("x-github-delivery") ?? "-";
    const result = await handleWebhook(
      {
        ...resolved,
        log: { info: (m) => context.log(m), warn: (m) => context.warn(m) },
      },
      { rawBody: bytes.toString("utf8"), header: (name) => request.headers.get(name) },
    );
    context.log(`delivery ${delivery} (${request.headers.get("x-github-event") ?? "?"}): ${result.status} ${result.outcome}`);
    if (result.status === 204) return { status: 204 };
    return {
      status: result.status,
      jsonBody: { outcome: result.outcome, message: result.message, ...(result.queue ? { queue: result.queue } : {}) },
    };
  };
}

app.http("githubWebhook", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "github/webhook",
  handler: createWebhookHandler(() => {
    const runtime = processRuntime();
    return {
      secrets: runtime.settings.webhookSecrets,
      repositories: runtime.settings.repositories,
      cloneUrls: runtime.settings,
      deliveries: runtime.deliveries,
      queue: runtime.queue,
    };
  }),
});
