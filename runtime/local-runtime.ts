/**
 * The local Functions runtime: what `func start` does for this app, for machines without
 * Azure Functions Core Tools. It loads the compiled function files the way the host does
 * (package.json `main`), records their registrations through the `@azure/functions-core`
 * stand-in, serves the HTTP functions, pumps the storage queues, and, unless a storage
 * account is configured, runs Azurite in memory as a child process (see localStorageAccount).
 */
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { createQueueServiceClient } from "../shared/adapters/store/storage-clients.js";
import { describeStorageConnection, resolveStorageConnection } from "../shared/adapters/store/storage-connection.js";
import { type Azurite, type AzuritePorts, reattachAzurite, startAzurite } from "./azurite.js";
import { type FunctionsRegistry, installFunctionsCore } from "./functions-core-shim.js";
import { readHostConfig } from "./host-config.js";
import { type HttpHost, startHttpHost } from "./http-host.js";
import { mergeSettings, readLocalSettings } from "./local-settings.js";
import { type QueuePump, resolveSetting, startQueuePump } from "./queue-pump.js";
import { consoleLog, type RuntimeLog } from "./runtime-log.js";
import { type TimerRunner, startTimer } from "./timer.js";

export interface LocalRuntimeOptions {
  /** The app's folder: host.json, package.json, local.settings*.json. */
  root: string;
  /** HTTP port; 0 picks a free one. Default: local.settings Host.LocalHttpPort, else 7071. */
  port?: number;
  /** Settings on top of local.settings and the environment. */
  settings?: Record<string, string>;
  log?: RuntimeLog;
  /** Seconds a message stays invisible while processed (renewed while the handler runs). */
  leaseSeconds?: number;
  /** Seconds a failed message waits before its next try (default: host.json visibilityTimeout). */
  retryDelaySeconds?: number;
  /** How long a request body may take to arrive (default 5 s). */
  bodyTimeoutMs?: number;
  /**
   * host.json functionTimeout times this (tests run long operations scaled down, so their
   * timeout is too). Default: ASE_GITOPS_FUNCTION_TIMEOUT_SCALE, else 1.
   */
  functionTimeoutScale?: number;
}

export const FUNCTION_TIMEOUT_SCALE_ENV = "ASE_GITOPS_FUNCTION_TIMEOUT_SCALE";

function timeoutScale(option: number | undefined, settings: Record<string, string>): number {
  const raw = option ?? (settings[FUNCTION_TIMEOUT_SCALE_ENV] ? Number(settings[FUNCTION_TIMEOUT_SCALE_ENV]) : 1);
  if (!Number.isFinite(raw) || raw <= 0)
    throw new Error(
      `${FUNCTION_TIMEOUT_SCALE_ENV} / functionTimeoutScale must be a positive number, not ${JSON.stringify(settings[FUNCTION_TIMEOUT_SCALE_ENV] ?? option)}`,
    );
  return raw;
}

export interface LocalRuntime {
  url: string;
  port: number;
  /** The full connection string (with the account key): never print it. */
  storageConnection: string;
  /** Where the full connection string of the runtime's own Azurite is written (mode 600), if it runs one. */
  storageConnectionFile?: string;
  registry: FunctionsRegistry;
  queues: string[];
  stop(): Promise<void>;
}

const storageDescription = (settings: Record<string, string | undefined>) => {
  const resolved = resolveStorageConnection(settings);
  return resolved.connection ? describeStorageConnection(resolved.connection) : "";
};

const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i;

/** The function files named by package.json `main` (a path or a `dir/*.js` glob). */
async function functionFiles(root: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { main?: string };
  const main = pkg.main ?? "index.js";
  if (!main.includes("*")) return [join(root, main)];
  const folder = join(root, dirname(main));
  const suffix = main.slice(main.lastIndexOf("*") + 1);
  return (await readdir(folder))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(folder, f));
}

const azuriteStateFile = (root: string) => join(root, ".cache", "local-runtime", "azurite.json");
/** The Azurite connection string for other tools (`ase-gitops history --storage "$(cat ...)"`). */
export const storageConnectionFile = (root: string) => join(root, ".cache", "local-runtime", "storage-connection-string");

/** FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, the Functions host's own setting (bytes). */
function maxBodyBytes(settings: Record<string, string>): number | undefined {
  const text = settings.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT?.trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new Error(`FUNCTIONS_REQUEST_BODY_SIZE_LIMIT must be a number of bytes, not ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

/**
 * The runtime's own storage account: Azurite in memory on free ports. It outlives a runtime
 * killed outright, and the next runtime started in the same folder takes it over, so queued
 * jobs, leases and the journal survive a crashed "worker"; a runtime that stops normally
 * stops it.
 */
async function localStorageAccount(root: string, log: RuntimeLog): Promise<Azurite> {
  const stateFile = azuriteStateFile(root);
  const previous = await readFile(stateFile, "utf8").then(
    (text) => JSON.parse(text) as { pid: number; ports: AzuritePorts },
    () => undefined,
  );
  const reused = previous && (await reattachAzurite(previous.pid, previous.ports));
  if (reused) {
    log.info(
      `Azurite (in memory) of a runtime that did not stop, taken over: ports ${reused.ports.blob}/${reused.ports.queue}/${reused.ports.table}`,
    );
    return reused;
  }
  const azurite = await startAzurite({ outliveCrash: true });
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFile(stateFile, JSON.stringify({ pid: azurite.pid, ports: azurite.ports }));
  log.info(`Azurite (in memory) on ports ${azurite.ports.blob}/${azurite.ports.queue}/${azurite.ports.table}`);
  return azurite;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? consoleLog;
  const local = await readLocalSettings(options.root);
  const settings = mergeSettings(local.values, process.env);
  Object.assign(settings, options.settings ?? {});
  const bodyLimit = maxBodyBytes(settings);

  let azurite: Azurite | undefined;
  const pumps: QueuePump[] = [];
  const timers: TimerRunner[] = [];
  let http: HttpHost | undefined;
  const stop = async () => {
    await Promise.allSettled([...pumps.map((p) => p.stop()), ...timers.map((t) => t.stop())]);
    await http?.close();
    await azurite?.stop();
    if (azurite) await Promise.all([azuriteStateFile(options.root), storageConnectionFile(options.root)].map((f) => rm(f, { force: true })));
  };
  try {
    // Azurite stands in unless a real account is configured (a connection string or the identity-based settings).
    const identityStorage = Object.keys(settings).some((name) => /^AzureWebJobsStorage__/i.test(name) && settings[name]);
    if (!identityStorage && (!settings.AzureWebJobsStorage || DEVELOPMENT_STORAGE.test(settings.AzureWebJobsStorage))) {
      azurite = await localStorageAccount(options.root, log);
      settings.AzureWebJobsStorage = azurite.connectionString;
      await writeFile(storageConnectionFile(options.root), `${azurite.connectionString}\n`, { mode: 0o600 });
    }
    // Functions read their settings from the environment, as in Azure.
    Object.assign(process.env, settings);

    const registry = installFunctionsCore();
    for (const file of await functionFiles(options.root)) {
      await import(pathToFileURL(file).href);
    }
    if (registry.functions.length === 0)
      throw new Error(`no functions registered by ${relative(options.root, join(options.root, "package.json"))} main`);
    for (const hook of registry.hooks.get("appStart") ?? []) await hook({ hookData: {} });

    const host = await readHostConfig(options.root);
    const functionTimeoutMs = host.functionTimeoutMs * timeoutScale(options.functionTimeoutScale, settings);
    log.info(`functionTimeout: ${(functionTimeoutMs / 1000).toFixed(1)} s`);
    http = await startHttpHost({
      functions: registry.functions,
      routePrefix: host.routePrefix,
      port: options.port ?? local.httpPort ?? 7071,
      log,
      maxBodyBytes: bodyLimit,
      bodyTimeoutMs: options.bodyTimeoutMs,
    });
    for (const fn of registry.functions.filter((f) => f.trigger.type === "queueTrigger")) {
      const connectionName = String(fn.trigger.connection ?? "AzureWebJobsStorage");
      const connection = resolveStorageConnection(settings, connectionName);
      if (!connection.connection) throw new Error(`${fn.metadata.name}: ${connection.problems.join("; ")}`);
      pumps.push(
        await startQueuePump({
          fn,
          queueName: resolveSetting(String(fn.trigger.queueName), settings),
          service: createQueueServiceClient(connection.connection),
          config: options.retryDelaySeconds === undefined ? host.queues : { ...host.queues, retryDelayMs: options.retryDelaySeconds * 1000 },
          log,
          leaseSeconds: options.leaseSeconds,
          functionTimeoutMs,
        }),
      );
    }
    for (const fn of registry.functions.filter((f) => f.trigger.type === "timerTrigger")) {
      let schedule = "";
      try {
        schedule = resolveSetting(String(fn.trigger.schedule ?? ""), settings).trim();
      } catch (error) {
        // An unset schedule setting keeps the timer off here; the Functions host would refuse it.
        log.info(`  ${fn.metadata.name}: ${(error as Error).message}`);
      }
      if (!schedule) {
        log.info(`  ${fn.metadata.name}: timer off (empty schedule)`);
        continue;
      }
      timers.push(startTimer(fn, schedule, log));
    }
    for (const fn of registry.functions) {
      const kind =
        fn.trigger.type === "httpTrigger"
          ? `http ${http.url}/${host.routePrefix}/${String(fn.trigger.route ?? fn.metadata.name)}`
          : `${fn.trigger.type} ${String(fn.trigger.queueName ?? fn.trigger.schedule ?? "")}`;
      log.info(`  ${fn.metadata.name}: ${kind}`);
    }
    return {
      url: http.url,
      port: http.port,
      // With identity-based storage there is no secret to hand on: the account's endpoints instead.
      storageConnection: settings.AzureWebJobsStorage ?? storageDescription(settings),
      ...(azurite ? { storageConnectionFile: storageConnectionFile(options.root) } : {}),
      registry,
      queues: pumps.map((p) => p.queueName),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
