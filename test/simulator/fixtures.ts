/** Shared test fixtures: manifests, a raw HTTPS client for the simulator's REST API. */
import { request } from "node:https";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import type { Simulator } from "../../simulator/index.js";

export const SUBSCRIPTION = "11111111-2222-4333-8444-555555555555";
export const RG = "gpu-vms";
export const GPU_SIZE = "Standard_NC4as_T4_v3";

export interface VmInput {
  name: string;
  size?: string;
  image?: string;
  powerState?: "running" | "deallocated";
  os?: EdgeDevice["spec"]["virtualMachines"][number]["os"];
  /** Logins, network, customData: as in the manifest; none given means `login: none`. */
  extra?: Partial<EdgeDevice["spec"]["virtualMachines"][number]>;
}

export function manifest(
  name: string,
  options: {
    gpus?: 1 | 2;
    vms?: VmInput[];
    kubernetes?: boolean;
    allowReconfigure?: boolean;
    endpoint?: string;
    softwareVersion?: string;
    credential?: string;
  } = {},
): EdgeDevice {
  return {
    apiVersion: "ase-gitops/v1",
    kind: "EdgeDevice",
    metadata: { name },
    spec: {
      gpu: { count: options.gpus ?? 1, model: "T4" },
      ...(options.softwareVersion ? { softwareVersion: options.softwareVersion } : {}),
      arm: {
        endpoint: options.endpoint ?? `https://127.0.0.1/devices/${name}`,
        subscriptionId: SUBSCRIPTION,
        resourceGroup: RG,
        location: "DBELocal",
        credential: options.credential ?? "DEVICE_PASSWORD",
      },
      kubernetes: { enabled: options.kubernetes ?? false, allowReconfigure: options.allowReconfigure ?? false },
      virtualMachines: (options.vms ?? []).map((vm) => ({
        name: vm.name,
        size: vm.size ?? GPU_SIZE,
        image: vm.image ?? "ubuntu1804",
        powerState: vm.powerState ?? "running",
        ...(vm.os ? { os: vm.os } : {}),
        ...(vm.extra?.ssh || vm.extra?.adminPassword ? {} : { login: "none" as const }),
        ...vm.extra,
      })),
    },
  };
}

/** The same manifest pointing at the running simulator. */
export function at(sim: Simulator, m: EdgeDevice): EdgeDevice {
  return { ...m, spec: { ...m.spec, arm: { ...m.spec.arm!, endpoint: sim.devices[m.metadata.name]! } } };
}

export function testEnv(sim: Simulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DEVICE_PASSWORD: "simulator",
    ASE_GITOPS_DEVICE_CA: sim.caPath,
    ASE_GITOPS_ALLOWED_ENDPOINTS: "127.0.0.1",
    ASE_GITOPS_POLL_INTERVAL_MS: "5",
    ASE_GITOPS_RETRY_BASE_MS: "5",
    ASE_GITOPS_RETRY_ATTEMPTS: "8",
    ...extra,
  };
}

export interface RestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A bare HTTPS client: what an operator's curl would do, without any SDK. */
export function rawRequest(sim: Simulator, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        ca: sim.caPem,
        headers: {
          ...(payload
            ? {
                "Content-Type": typeof body === "string" ? "application/x-www-form-urlencoded" : "application/json",
                "Content-Length": Buffer.byteLength(payload),
              }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export const API = { compute: "2017-12-01", network: "2017-10-01", resources: "2019-10-01", dbe: "2021-06-01", capacity: "2022-03-01" };

/** A REST session against one simulated device: token, ARM calls, LRO polling. */
export async function restSession(sim: Simulator, device: string, password = "simulator") {
  const endpoint = sim.devices[device]!;
  const tokenReply = await rawRequest(
    sim,
    "POST",
    `${endpoint}/adfs/oauth2/token`,
    new URLSearchParams({
      grant_type: "password",
      username: "EdgeArmUser",
      password,
      client_id: "1950a258-227b-4e31-a9cf-717495945fc2",
      scope: `${endpoint}/.default`,
    }).toString(),
  );
  const token = tokenReply.body?.access_token as string | undefined;
  const rgPath = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}`;
  const dbePath = `${rgPath}/providers/Microsoft.DataBoxEdge/dataBoxEdgeDevices/${device}`;
  const call = (method: string, path: string, apiVersion: string, body?: unknown) =>
    rawRequest(
      sim,
      method,
      `${endpoint}${path}${path.includes("?") ? "&" : "?"}api-version=${apiVersion}`,
      body,
      token ? { Authorization: `Bearer ${token}` } : {},
    );
  /** Follows Azure-AsyncOperation until the operation ends; returns its final status body. */
  const wait = async (reply: RestResponse) => {
    const url = reply.headers["azure-asyncoperation"] as string | undefined;
    if (!url) return reply.body;
    for (;;) {
      const status = await rawRequest(sim, "GET", url, undefined, { Authorization: `Bearer ${token}` });
      if (status.body?.status !== "InProgress") return status.body;
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const template = (resources: unknown[]) => ({
    properties: { mode: "Incremental", template: { $schema: "x", contentVersion: "1.0.0.0", resources }, parameters: {} },
  });
  const nic = (vm: string) => ({
    type: "Microsoft.Network/networkInterfaces",
    apiVersion: "2017-10-01",
    name: `${vm}-nic`,
    properties: {
      ipConfigurations: [
        {
          name: "ip",
          properties: {
            subnet: {
              id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/ASERG/providers/Microsoft.Network/virtualNetworks/ASEVNET/subnets/ASEVNETsubNet`,
            },
          },
        },
      ],
    },
  });
  const vmResource = (vm: string, size = GPU_SIZE) => ({
    type: "Microsoft.Compute/virtualMachines",
    apiVersion: "2017-12-01",
    name: vm,
    properties: {
      hardwareProfile: { vmSize: size },
      storageProfile: { imageReference: { id: `${rgPath}/providers/Microsoft.Compute/images/ubuntu1804` } },
      osProfile: { computerName: vm, adminUsername: "u", adminPassword: "p" },
      networkProfile: { networkInterfaces: [{ id: `${rgPath}/providers/Microsoft.Network/networkInterfaces/${vm}-nic` }] },
    },
  });
  return {
    token,
    tokenReply,
    call,
    wait,
    /** PUTs the NIC + VM deployment and returns the reply, without waiting. */
    putVmDeployment(vm: string, size = GPU_SIZE) {
      return call("PUT", `${rgPath}/providers/Microsoft.Resources/deployments/vm-${vm}`, API.resources, template([nic(vm), vmResource(vm, size)]));
    },
    /** Deploys NIC + VM; returns the deployment's final state. */
    async createVm(vm: string, size = GPU_SIZE) {
      const put = await call(
        "PUT",
        `${rgPath}/providers/Microsoft.Resources/deployments/vm-${vm}`,
        API.resources,
        template([nic(vm), vmResource(vm, size)]),
      );
      if (put.status >= 400) return { status: put.status, body: put.body };
      await wait(put);
      return call("GET", `${rgPath}/providers/Microsoft.Resources/deployments/vm-${vm}`, API.resources);
    },
    async configureKubernetes() {
      const put = await call("PUT", `${dbePath}/roles/kubernetes`, API.dbe, {
        kind: "Kubernetes",
        properties: {
          hostPlatform: "Linux",
          kubernetesClusterInfo: { version: "" },
          kubernetesRoleResources: { compute: { vmProfile: "DBE_Standard_F8s_v2" } },
          roleStatus: "Enabled",
        },
      });
      return wait(put);
    },
    async vmAction(vm: string, action: "start" | "deallocate" | "powerOff") {
      return wait(await call("POST", `${rgPath}/providers/Microsoft.Compute/virtualMachines/${vm}/${action}`, API.compute));
    },
    async capacity() {
      return (await call("GET", `${dbePath}/deviceCapacityInfo/default`, API.capacity)).body.properties.clusterComputeCapacityInfo.gpuCapacity;
    },
    async role() {
      return call("GET", `${dbePath}/roles/kubernetes`, API.dbe);
    },
    rgPath,
    dbePath,
  };
}
