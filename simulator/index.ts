/**
 * `startSimulator(options)`: one HTTPS server on loopback simulating every device of a fleet
 * (or of the manifests given), each under `/devices/<name>`, plus the cloud DataBoxEdge
 * provider under `/cloud` and its token service under `/cloud-login`. Tests run it in-process; the
 * `ase-gitops simulate` command wraps it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { ClaimState } from "../shared/core/claims/model.js";
import { loadFleet } from "../shared/adapters/git/fleet-folder.js";
import type { EdgeDevice } from "../shared/core/manifest/schema.js";
import { ownValue } from "../shared/core/own-keys.js";
import { type ObservedState, ObservedState as ObservedStateSchema } from "../shared/core/plan/observed.js";
import type { CloudResource } from "./cloud.js";
import { type DeviceSeed, type SimDevice, createDevice } from "./device-state.js";
import { createOperationClock, Durations, type OperationClock, type OperationKind, TimeScale, timeScaleFromEnv } from "./durations.js";
import { createFaultInjector, type FaultRates, parseFaultSpec } from "./faults.js";
import { HostileOptions } from "./hostile.js";
import { OperationRegistry } from "./operations.js";
import { createRequestHandler } from "./server.js";
import { createSimulatorTls } from "./tls.js";

export const SimulatorOptions = z.object({
  /** Fleet folder (or file) whose manifests define the devices. */
  fleet: z.string().optional(),
  /** Manifests given directly (tests), added to the fleet's. */
  manifests: z.array(z.custom<EdgeDevice>()).default([]),
  /** Observed state to seed the devices with (contract.md §2). */
  observed: z.custom<ObservedState>().optional(),
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default("127.0.0.1"),
  password: z.string().min(1).default("simulator"),
  /** The service principal the cloud token service (`/cloud-login/<tenant>`) accepts. */
  cloudClientId: z.string().min(1).default("simulator"),
  cloudClientSecret: z.string().min(1).default("simulator"),
  latencyMs: z.number().min(0).default(0),
  faults: z.union([z.string(), z.custom<FaultRates>()]).default(""),
  reclaimRisk: z.boolean().default(false),
  seed: z.number().int().default(1),
  /** Release installUpdates moves devices to; default: each manifest's softwareVersion. */
  targetRelease: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  tokenLifetimeSec: z.number().int().positive().default(5400),
  /**
   * Operation durations are real ones (simulator/durations.ts) times this factor; default
   * ASE_GITOPS_SIM_TIME_SCALE, else 1.
   */
  timeScale: TimeScale.optional(),
  /** Seconds at scale 1 per operation kind, over the defaults (e.g. `{ createVm: 60 }`). */
  durations: Durations.default({}),
  /** Least Retry-After on running operations, seconds (the remaining time is sent, capped). */
  lroRetryAfterSec: z.number().int().min(0).default(0),
  /** Most Retry-After on running operations, seconds. */
  lroRetryAfterMaxSec: z.number().int().min(0).default(60),
  /** Retry-After on injected 429s, seconds. */
  throttleRetryAfterSec: z.number().int().min(0).default(1),
  /** Security tests: hand out links (token endpoint, operations, nextLink) to another origin. */
  hostile: HostileOptions.optional(),
});
export type SimulatorOptions = z.input<typeof SimulatorOptions>;

export interface RequestRecord {
  device: string;
  method: string;
  path: string;
  status: number;
}

export interface Simulator {
  port: number;
  origin: string;
  caPath: string;
  caPem: string;
  /** Device name -> ARM endpoint (`https://127.0.0.1:PORT/devices/<name>`). */
  devices: Record<string, string>;
  /** The cloud DataBoxEdge endpoint for spec.dataBoxEdge.endpoint: `https://127.0.0.1:PORT/cloud`. */
  cloudEndpoint: string;
  /** The cloud token service's authority host for ASE_GITOPS_CLOUD_AUTHORITY_HOST: `https://127.0.0.1:PORT/cloud-login`. */
  cloudAuthorityHost: string;
  /** The scale and durations operations run at. */
  clock: OperationClock;
  /** The live state of one device (mutable: tests may change it directly). */
  device(name: string): SimDevice;
  claims(name: string): ClaimState;
  setClaims(name: string, state: ClaimState): void;
  /** Makes every token issued for the device expire now. */
  expireTokens(name: string): void;
  /**
   * Requests handled so far: ARM (injected faults show as 429/500, resets as 0), ADFS
   * (status 0), the cloud provider (path `/cloud/...`) and the cloud token service (device
   * "", path `/cloud-login/...`, status 0).
   */
  requests: RequestRecord[];
  close(): Promise<void>;
}

const DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

function seedOf(manifest: EdgeDevice, options: z.output<typeof SimulatorOptions>): DeviceSeed {
  const spec = manifest.spec;
  const images = new Map<string, "Linux" | "Windows">();
  for (const vm of spec.virtualMachines) images.set(vm.image, vm.os?.type ?? "Linux");
  return {
    name: manifest.metadata.name,
    gpuCount: spec.gpu.count,
    gpuModel: spec.gpu.model,
    subscriptionId: spec.arm?.subscriptionId ?? DEFAULT_SUBSCRIPTION,
    resourceGroup: spec.arm?.resourceGroup,
    location: spec.arm?.location ?? "DBELocal",
    softwareVersion: spec.softwareVersion,
    targetRelease: options.targetRelease ?? spec.softwareVersion,
    images: [...images].map(([name, osType]) => ({ name, osType })),
    observed: ownValue(options.observed?.devices, manifest.metadata.name),
  };
}

export async function startSimulator(input: SimulatorOptions): Promise<Simulator> {
  const options = SimulatorOptions.parse(input);
  const manifests = [...options.manifests];
  if (options.fleet) {
    const fleet = await loadFleet(options.fleet);
    manifests.push(...fleet.devices.map((d) => d.manifest));
  }
  if (options.observed) ObservedStateSchema.parse(options.observed);
  const devices = new Map<string, SimDevice>();
  const cloudResources = new Map<string, CloudResource>();
  for (const manifest of manifests) {
    const name = manifest.metadata.name;
    if (devices.has(name)) continue;
    const device = createDevice(seedOf(manifest, options));
    devices.set(name, device);
    // Under /cloud the device answers to its cloud resource name, in the manifest's
    // subscription and resource group when it names them (any otherwise).
    const cloud = manifest.spec.dataBoxEdge;
    const cloudName = cloud?.name ?? name;
    cloudResources.set(cloudName.toLowerCase(), {
      device,
      name: cloudName,
      ...(cloud ? { subscriptionId: cloud.subscriptionId, resourceGroup: cloud.resourceGroup } : {}),
    });
  }
  const rates = typeof options.faults === "string" ? parseFaultSpec(options.faults) : options.faults;
  const tls = await createSimulatorTls();
  const dir = await mkdtemp(join(tmpdir(), "ase-gitops-sim-"));
  const caPath = join(dir, "ca.pem");
  await writeFile(caPath, tls.caPem, { mode: 0o644 });

  const clock = createOperationClock(options.timeScale ?? timeScaleFromEnv(), options.durations as Partial<Record<OperationKind, number>>);
  const operations = new OperationRegistry();
  const requests: RequestRecord[] = [];
  let origin = "";
  const handler = createRequestHandler({
    devices,
    operations,
    faults: createFaultInjector(rates, options.seed),
    latencyMs: options.latencyMs,
    lroRetryAfterSec: options.lroRetryAfterSec,
    lroRetryAfterMaxSec: options.lroRetryAfterMaxSec,
    clock,
    throttleRetryAfterSec: options.throttleRetryAfterSec,
    reclaimRisk: options.reclaimRisk,
    ...(options.hostile ? { hostile: options.hostile } : {}),
    password: options.password,
    tokenLifetimeSec: options.tokenLifetimeSec,
    cloud: {
      clientId: options.cloudClientId,
      clientSecret: options.cloudClientSecret,
      tokenLifetimeSec: options.tokenLifetimeSec,
      resources: cloudResources,
      tokens: new Map(),
    },
    origin: () => origin,
    onRequest: (device, method, path, status) => {
      requests.push({ device, method, path, status });
    },
  });
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, minVersion: "TLSv1.2", keepAliveTimeout: 30_000 }, (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "InternalServerError", message: (err as Error).message } }));
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = options.host.includes(":") ? `[${options.host}]` : options.host;
  origin = `https://${hostInUrl}:${port}`;

  const get = (name: string) => {
    const device = devices.get(name.toLowerCase());
    if (!device) throw new Error(`no simulated device ${name}`);
    return device;
  };
  return {
    port,
    origin,
    caPath,
    caPem: tls.caPem,
    devices: Object.fromEntries([...devices.values()].map((d) => [d.name, `${origin}/devices/${d.name}`])),
    cloudEndpoint: `${origin}/cloud`,
    cloudAuthorityHost: `${origin}/cloud-login`,
    clock,
    device: get,
    claims: (name) => get(name).claims,
    setClaims: (name, state) => {
      get(name).claims = state;
    },
    expireTokens: (name) => {
      const device = get(name);
      for (const token of device.tokens.keys()) device.tokens.set(token, 0);
    },
    requests,
    async close() {
      operations.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
