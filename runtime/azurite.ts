/**
 * Starts a real Azurite (blob, queue, table) in memory on free ports as a child process:
 * the storage account of the local runtime, the demo and the tests.
 *
 * By default it runs under a guard that stops it when this process dies, however it dies,
 * so tests and the demo never leave one behind. The local runtime asks instead for one that
 * outlives a crash (its own process group, output to a log file): a runtime killed mid-job
 * and started again finds its queues, leases and journal where they were, as a Functions
 * host restarting over the same storage account would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface Azurite {
  connectionString: string;
  ports: AzuritePorts;
  pid: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  timeoutMs?: number;
  /** Keep running when this process is killed outright (the local runtime). */
  outliveCrash?: boolean;
}

// This file runs from source (tests) and compiled under dist/ (the runtime, the demo).
const HERE = dirname(fileURLToPath(import.meta.url));
const GUARD = join(HERE, ...(HERE.split(sep).includes("dist") ? ["..", ".."] : [".."]), "bin", "azurite-guard.cjs");
const ENTRY = createRequire(import.meta.url).resolve("azurite/dist/src/azurite.js");
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g;

export function azuriteConnectionString(ports: AzuritePorts): string {
  const base = "http://127.0.0.1";
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${base}:${ports.blob}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=${base}:${ports.queue}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=${base}:${ports.table}/${AZURITE_ACCOUNT}`,
  ].join(";");
}

function portsIn(output: string): AzuritePorts | undefined {
  const found: Partial<AzuritePorts> = {};
  for (const match of output.matchAll(LISTENING)) found[match[1]!.toLowerCase() as keyof AzuritePorts] = Number(match[2]);
  return found.blob && found.queue && found.table ? (found as AzuritePorts) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something answers on the port. */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function stopPid(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 3000 && isAlive(pid); waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

/** An Azurite started earlier (by a runtime that did not stop), if it still answers. */
export async function reattachAzurite(pid: number, ports: AzuritePorts): Promise<Azurite | undefined> {
  if (!isAlive(pid) || !(await answers(ports.queue))) return undefined;
  return { connectionString: azuriteConnectionString(ports), ports, pid, stop: () => stopPid(pid) };
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const location = mkdtempSync(join(tmpdir(), "azurite-"));
  const args = [
    "--inMemoryPersistence",
    "--silent",
    "--skipApiVersionCheck",
    "--disableTelemetry",
    ...["blob", "queue", "table"].flatMap((s) => [`--${s}Host`, "127.0.0.1", `--${s}Port`, "0"]),
  ];
  const logPath = join(location, "azurite.log");
  let child: ChildProcess;
  if (options.outliveCrash) {
    // Own process group and no pipes to us: neither our death nor a signal to our group stops it.
    const log = openSync(logPath, "a");
    child = spawn(process.execPath, [ENTRY, ...args], { cwd: location, stdio: ["ignore", log, log], detached: true });
    closeSync(log);
    child.unref();
  } else {
    child = spawn(process.execPath, [GUARD, ...args], { cwd: location, stdio: ["ignore", "pipe", "pipe"] });
  }
  const kill = () => {
    if (child.exitCode === null && !child.killed) child.kill("SIGKILL");
  };
  if (!options.outliveCrash) process.once("exit", kill);

  const ports = await new Promise<AzuritePorts>((resolve, reject) => {
    let output = "";
    let poll: NodeJS.Timeout | undefined;
    const done = (error?: Error, found?: AzuritePorts) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (error) reject(error);
      else resolve(found!);
    };
    const timer = setTimeout(() => {
      kill();
      done(new Error(`Azurite did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = (text: string) => {
      output = text;
      const found = portsIn(output);
      if (found) done(undefined, found);
    };
    if (options.outliveCrash) {
      poll = setInterval(() => check(readFileSync(logPath, "utf8")), 50);
    } else {
      const onData = (chunk: Buffer) => check(output + chunk.toString());
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
    }
    child.once("exit", (code) => done(new Error(`Azurite exited with ${code}:\n${output}`)));
  });
  // The log is only read until the ports are known.
  child.stdout?.resume();
  child.stderr?.resume();

  return {
    connectionString: azuriteConnectionString(ports),
    ports,
    pid: child.pid!,
    async stop() {
      process.removeListener("exit", kill);
      await stopPid(child.pid!);
      rmSync(location, { recursive: true, force: true });
    },
  };
}
