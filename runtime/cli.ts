/**
 * `npm start`: the local Functions runtime in the foreground. Prints one JSON line when
 * ready ({"url", "storage", "storageConnectionFile", "functions", "queues"}; the storage
 * connection string with its key redacted, the full one in that file) and stops everything,
 * Azurite included, on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startLocalRuntime } from "./local-runtime.js";
import { redactConnectionString } from "./redact-connection-string.js";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    root: { type: "string" },
    "lease-seconds": { type: "string" },
    "retry-delay-seconds": { type: "string" },
    "body-timeout-seconds": { type: "string" },
  },
});

const bodyTimeout = values["body-timeout-seconds"];
if (bodyTimeout !== undefined && !(Number(bodyTimeout) > 0 && Number(bodyTimeout) <= 3600)) {
  console.error("local runtime: --body-timeout-seconds must be a number of seconds from 0 to 3600");
  process.exit(1);
}
const root = values.root ?? fileURLToPath(new URL("../..", import.meta.url));
try {
  const runtime = await startLocalRuntime({
    root,
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values["lease-seconds"] !== undefined ? { leaseSeconds: Number(values["lease-seconds"]) } : {}),
    ...(values["retry-delay-seconds"] !== undefined ? { retryDelaySeconds: Number(values["retry-delay-seconds"]) } : {}),
    ...(bodyTimeout !== undefined ? { bodyTimeoutMs: Number(bodyTimeout) * 1000 } : {}),
    log: { info: (m) => console.error(m), error: (m) => console.error(m) },
  });
  console.log(
    JSON.stringify({
      url: runtime.url,
      storage: redactConnectionString(runtime.storageConnection),
      ...(runtime.storageConnectionFile ? { storageConnectionFile: runtime.storageConnectionFile } : {}),
      functions: runtime.registry.functions.map((f) => f.metadata.name),
      queues: runtime.queues,
    }),
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  console.error(`local runtime: ${redactConnectionString((error as Error).message)}`);
  process.exit(1);
}
