/**
 * Starts a real Azurite (blob, queue, table) in memory on free ports, as a child process
 * that is stopped with its parent: the storage account of the local runtime, the demo and
 * the tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startAzurite(timeoutMs = 30_000): Promise<Azurite> {
  const entry = join(dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  const location = mkdtempSync(join(tmpdir(), "azurite-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      entry,
      "--inMemoryPersistence",
      "--silent",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      ...["blob", "queue", "table"].flatMap((s) => [`--${s}Host`, "127.0.0.1", `--${s}Port`, "0"]),
    ],
    { cwd: location, stdio: ["ignore", "pipe", "pipe"] },
  );
  const kill = () => {
    if (child.exitCode === null && !child.killed) child.kill("SIGKILL");
  };
  process.once("exit", kill);

  const ports = await new Promise<Azurite["ports"]>((resolve, reject) => {
    const found: Partial<Azurite["ports"]> = {};
    let output = "";
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`Azurite did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const match of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g)) {
        found[match[1]!.toLowerCase() as keyof Azurite["ports"]] = Number(match[2]);
      }
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        resolve(found as Azurite["ports"]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}:\n${output}`));
    });
  });

  const base = `http://127.0.0.1`;
  const connectionString = [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${base}:${ports.blob}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=${base}:${ports.queue}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=${base}:${ports.table}/${AZURITE_ACCOUNT}`,
  ].join(";");

  return {
    connectionString,
    ports,
    async stop() {
      process.removeListener("exit", kill);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(kill, 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}
