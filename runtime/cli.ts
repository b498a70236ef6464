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

const USAGE = `usage: npm start -- [--port N] [--root DIR] [--lease-seconds N] [--retry-delay-seconds N] [--body-timeout-seconds N]
   or: node dist/runtime/cli.js [the same options]
Starts the local Functions runtime (Azurite included unless AzureWebJobsStorage names one) and prints one JSON line when ready.`;

function fail(message: string): never {
  console.error(`local runtime: ${message}`);
  console.error(USAGE);
  process.exit(1);
}

function parseCommandLine() {
  // `npm start --port 8080` gives --port to npm, not to us: npm sets npm_config_port and
  // passes only "8080" on (`--port=8080` passes nothing). Say what to type instead.
  const npmTookPort = process.env.npm_config_port !== undefined && process.env.npm_lifecycle_event === "start";
  const hint = "npm kept --port for itself: write `npm start -- --port N` (note the `--`)";
  let values;
  try {
    values = parseArgs({
      options: {
        port: { type: "string" },
        root: { type: "string" },
        "lease-seconds": { type: "string" },
        "retry-delay-seconds": { type: "string" },
        "body-timeout-seconds": { type: "string" },
        "function-timeout-scale": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    if (npmTookPort) fail(hint);
    fail((error as Error).message.split("\n")[0]!);
  }
  if (npmTookPort && values.port === undefined) fail(hint);
  return values;
}

const values = parseCommandLine();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const name of ["port", "lease-seconds", "retry-delay-seconds"] as const) {
  const value = values[name];
  if (value !== undefined && !/^\d+$/.test(value)) fail(`--${name} must be a whole number, not ${JSON.stringify(value)}`);
}
if (values.port !== undefined && Number(values.port) > 65535) fail("--port must be 0-65535 (0 picks a free port)");

const bodyTimeout = values["body-timeout-seconds"];
if (bodyTimeout !== undefined && !(Number(bodyTimeout) > 0 && Number(bodyTimeout) <= 3600)) {
  fail("--body-timeout-seconds must be a number of seconds from 0 to 3600");
}
const root = values.root ?? fileURLToPath(new URL("../..", import.meta.url));
try {
  const runtime = await startLocalRuntime({
    root,
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values["lease-seconds"] !== undefined ? { leaseSeconds: Number(values["lease-seconds"]) } : {}),
    ...(values["retry-delay-seconds"] !== undefined ? { retryDelaySeconds: Number(values["retry-delay-seconds"]) } : {}),
    ...(bodyTimeout !== undefined ? { bodyTimeoutMs: Number(bodyTimeout) * 1000 } : {}),
    ...(values["function-timeout-scale"] !== undefined ? { functionTimeoutScale: Number(values["function-timeout-scale"]) } : {}),
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
