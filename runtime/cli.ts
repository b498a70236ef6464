/**
 * `npm start`: the local Functions runtime in the foreground. Prints one JSON line when
 * ready ({"url", "storage", "functions"}) and stops everything, Azurite included, on
 * SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startLocalRuntime } from "./local-runtime.js";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    root: { type: "string" },
    "lease-seconds": { type: "string" },
    "retry-delay-seconds": { type: "string" },
  },
});

const root = values.root ?? fileURLToPath(new URL("../..", import.meta.url));
try {
  const runtime = await startLocalRuntime({
    root,
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values["lease-seconds"] !== undefined ? { leaseSeconds: Number(values["lease-seconds"]) } : {}),
    ...(values["retry-delay-seconds"] !== undefined ? { retryDelaySeconds: Number(values["retry-delay-seconds"]) } : {}),
    log: { info: (m) => console.error(m), error: (m) => console.error(m) },
  });
  console.log(JSON.stringify({ url: runtime.url, storage: runtime.storageConnection, functions: runtime.registry.functions.map((f) => f.metadata.name), queues: runtime.queues }));
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
  console.error(`local runtime: ${(error as Error).message}`);
  process.exit(1);
}
