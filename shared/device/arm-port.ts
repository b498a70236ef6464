/**
 * DevicePort over the real Azure SDK clients, all sharing one credential, one TLS agent and
 * the api-version rewrite: @azure/arm-compute (VMs), the 2020-09-01-hybrid Resources client
 * (template deployments) and @azure/arm-databoxedge (Kubernetes role, updates, capacity).
 * With `dataBoxEdge` set (spec.dataBoxEdge) the DataBoxEdge client talks to the cloud
 * resource instead: its endpoint, subscription, resource group and name, with the Azure AD
 * credential; compute and deployments stay on the device's ARM with its ADFS token.
 */
import { Agent } from "node:https";
import { ComputeManagementClient } from "@azure/arm-compute";
import { DataBoxEdgeManagementClient, type RoleUnion } from "@azure/arm-databoxedge";
import { ResourceManagementClient } from "@azure/arm-resources-profile-2020-09-01-hybrid";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import { z } from "zod";
import type { ExtensionState } from "../claims/model.js";
import { createCloudCredential, createCloudTrust, DEFAULT_CLOUD_AUTHORITY_HOST } from "./cloud-credential.js";
import { createDeviceCredential, scopeFor } from "./credential.js";
import { DeviceError, translateError } from "./errors.js";
import { hostGuardPolicy, trustedPrefix } from "./host-guard.js";
import { agentPolicy, apiVersionPolicy, createDeviceAgent } from "./http.js";
import {
  type DevicePort, type GpuCapacity, KUBERNETES_ROLE_NAME, type KubernetesRoleInfo, MANAGED_TAG, MANAGED_TAG_VALUE, type VmPower, type VmRecord,
} from "./port.js";
import type { DeviceSettings } from "./settings.js";

export interface ArmPortConfig {
  name: string;
  endpoint: string;
  subscriptionId: string;
  resourceGroup: string;
  password: string;
  settings: DeviceSettings;
  /** The device's cloud resource (spec.dataBoxEdge, name resolved); absent = the local ARM. */
  dataBoxEdge?: { endpoint: string; subscriptionId: string; resourceGroup: string; name: string };
}

/** deviceCapacityInfo is newer than @azure/arm-databoxedge 2.1.0: read with its pipeline. */
const CAPACITY_API_VERSION = "2022-03-01";

const CapacityResponse = z.object({
  properties: z.object({
    clusterComputeCapacityInfo: z.object({
      gpuCapacity: z.object({
        gpuTotalUnitsCount: z.number().int().min(0),
        gpuUsedUnitsCount: z.number().int().min(0),
        gpuFreeUnitsCount: z.number().int().min(0),
      }),
    }),
  }),
});

const StatusList = z.array(z.object({ code: z.string().optional() }).passthrough()).optional();

const VmResponse = z.object({
  name: z.string(),
  tags: z.record(z.string(), z.string()).optional(),
  hardwareProfile: z.object({ vmSize: z.string() }).passthrough(),
  storageProfile: z.object({ osDisk: z.object({ osType: z.string().optional() }).passthrough().optional() }).passthrough().optional(),
  instanceView: z.object({ statuses: StatusList }).passthrough().optional(),
  resources: z.array(z.object({
    name: z.string().optional(),
    publisher: z.string().optional(),
    typePropertiesType: z.string().optional(),
    provisioningState: z.string().optional(),
  }).passthrough()).optional(),
}).passthrough();

function powerOf(statuses: z.infer<typeof StatusList>): VmPower {
  const code = statuses?.map((s) => s.code ?? "").find((c) => c.toLowerCase().startsWith("powerstate/"));
  const state = code?.slice("PowerState/".length).toLowerCase();
  const known: VmPower[] = ["running", "stopped", "deallocated", "starting", "stopping", "deallocating"];
  return known.includes(state as VmPower) ? (state as VmPower) : "unknown";
}

function extensionState(vm: z.infer<typeof VmResponse>): ExtensionState {
  const ext = vm.resources?.find((r) => (r.publisher ?? "").toLowerCase() === "microsoft.hpccompute" && /^NvidiaGpuDriver/i.test(r.typePropertiesType ?? ""));
  if (!ext) return "none";
  const state = (ext.provisioningState ?? "").toLowerCase();
  if (state === "succeeded") return "succeeded";
  if (state === "failed" || state === "canceled") return "failed";
  return "creating";
}

export function createArmDevicePort(config: ArmPortConfig): DevicePort {
  const { name, endpoint, subscriptionId, resourceGroup: rg, settings } = config;
  // The cloud credential first: a settings problem throws before any socket is opened.
  const cloud = config.dataBoxEdge;
  const cloudTrust = cloud ? (settings.cloudTrust ? settings.cloudTrust() : createCloudTrust(settings.caPem)) : undefined;
  const cloudCredential = cloud
    ? (settings.cloudCredential?.() ?? createCloudCredential({ authorityHost: DEFAULT_CLOUD_AUTHORITY_HOST }, cloudTrust))
    : undefined;
  const agent = createDeviceAgent(settings.trust ?? settings.caPem);
  const credential = createDeviceCredential(endpoint, config.password, agent, name);
  const scope = scopeFor(endpoint);
  const base = endpoint.replace(/\/+$/, "");
  // Every request of every client stays on the host its token was issued for (host-guard.ts).
  const additionalPolicies = [
    { policy: agentPolicy(agent), position: "perCall" as const },
    { policy: apiVersionPolicy(), position: "perCall" as const },
    { policy: hostGuardPolicy(`device ${name}`, [trustedPrefix(endpoint)]), position: "perRetry" as const },
  ];
  // The SDK pipelines retry 429/5xx/resets a few times (honouring Retry-After); withRetry
  // around each step handles what is left, including operations that end Failed.
  const retryOptions = { maxRetries: 3, retryDelayInMs: settings.retry.baseDelayMs, maxRetryDelayInMs: settings.retry.maxDelayMs };
  const compute = new ComputeManagementClient(credential, subscriptionId, {
    endpoint: base, credentials: { scopes: [scope] }, additionalPolicies, retryOptions,
  });
  const resources = new ResourceManagementClient(credential, subscriptionId, {
    endpoint: base, $host: base, credentialScopes: [scope], additionalPolicies, retryOptions,
  });
  // The DataBoxEdge resource: the cloud one when the manifest names it, else the local ARM.
  let cloudAgent: Agent | undefined;
  let dbe = { base, subscriptionId, rg, name };
  let dataBoxEdge: DataBoxEdgeManagementClient;
  if (cloud && cloudCredential) {
    // System CAs plus the device CA (the simulator's); verification stays on.
    cloudAgent = new Agent({ keepAlive: true, maxSockets: 8, ...(cloudTrust ? { secureContext: cloudTrust } : {}) });
    const cloudBase = cloud.endpoint.replace(/\/+$/, "");
    dbe = { base: cloudBase, subscriptionId: cloud.subscriptionId, rg: cloud.resourceGroup, name: cloud.name };
    dataBoxEdge = new DataBoxEdgeManagementClient(cloudCredential, cloud.subscriptionId, {
      endpoint: cloudBase, $host: cloudBase, credentialScopes: [scopeFor(cloud.endpoint)],
      additionalPolicies: [
        { policy: agentPolicy(cloudAgent), position: "perCall" as const },
        { policy: hostGuardPolicy(`device ${name}: cloud DataBoxEdge`, [trustedPrefix(cloud.endpoint)]), position: "perRetry" as const },
      ],
      retryOptions,
    });
  } else {
    dataBoxEdge = new DataBoxEdgeManagementClient(credential, subscriptionId, {
      endpoint: base, $host: base, credentialScopes: [scope], additionalPolicies, retryOptions,
    });
  }
  const poll = { updateIntervalInMs: settings.pollIntervalMs };
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw translateError(err, `${name}: ${what}`);
    }
  };
  const ignoreNotFound = async (what: string, run: () => Promise<unknown>) => {
    try {
      await call(what, run);
    } catch (err) {
      if (!(err instanceof DeviceError && err.code === "NOT_FOUND")) throw err;
    }
  };

  const vmRecord = (raw: unknown): VmRecord => {
    const vm = VmResponse.parse(raw);
    const os = vm.storageProfile?.osDisk?.osType;
    return {
      name: vm.name,
      size: vm.hardwareProfile.vmSize,
      power: powerOf(vm.instanceView?.statuses),
      ...(os === "Linux" || os === "Windows" ? { osType: os } : {}),
      managed: vm.tags?.[MANAGED_TAG] === MANAGED_TAG_VALUE,
      gpuExtension: extensionState(vm),
    };
  };

  return {
    name,
    dispose: () => {
      agent.destroy();
      cloudAgent?.destroy();
    },
    listVms: () =>
      call("list VMs", async () => {
        const out: VmRecord[] = [];
        for await (const vm of compute.virtualMachines.list(rg, { expand: "instanceView" })) {
          let record = vmRecord(vm);
          // A device that ignores $expand: read that VM's instance view on its own.
          if (record.power === "unknown" && vm.name) {
            const view = await compute.virtualMachines.instanceView(rg, vm.name);
            record = { ...record, power: powerOf(StatusList.parse(view.statuses ?? [])) };
          }
          out.push(record);
        }
        return out;
      }),
    kubernetesRole: () =>
      call("list roles", async () => {
        const roles: RoleUnion[] = [];
        for await (const role of dataBoxEdge.roles.listByDataBoxEdgeDevice(dbe.name, dbe.rg)) roles.push(role);
        const k8s = roles.find((r) => r.kind === "Kubernetes");
        if (!k8s) return { configured: false } satisfies KubernetesRoleInfo;
        const state = "provisioningState" in k8s ? String(k8s.provisioningState ?? "") : "";
        const configured = !/^(failed|invalid|deleting)$/i.test(state);
        return { configured, name: k8s.name, state } satisfies KubernetesRoleInfo;
      }),
    gpuCapacity: () =>
      call("read deviceCapacityInfo", async () => {
        const url = `${dbe.base}/subscriptions/${dbe.subscriptionId}/resourceGroups/${dbe.rg}/providers/Microsoft.DataBoxEdge/dataBoxEdgeDevices/${dbe.name}/deviceCapacityInfo/default?api-version=${CAPACITY_API_VERSION}`;
        const response = await dataBoxEdge.sendRequest(createPipelineRequest({ url, method: "GET" }));
        if (response.status !== 200) {
          throw Object.assign(new Error(`deviceCapacityInfo answered ${response.status}`), { statusCode: response.status, response });
        }
        const parsed = CapacityResponse.safeParse(JSON.parse(response.bodyAsText ?? "{}"));
        if (!parsed.success) throw new DeviceError("UNEXPECTED_RESPONSE", `${name}: deviceCapacityInfo has no GPU counts`, false);
        const gpu = parsed.data.properties.clusterComputeCapacityInfo.gpuCapacity;
        return { total: gpu.gpuTotalUnitsCount, used: gpu.gpuUsedUnitsCount, free: gpu.gpuFreeUnitsCount } satisfies GpuCapacity;
      }),
    softwareVersion: () =>
      call("read updateSummary", async () => {
        const summary = await dataBoxEdge.devices.getUpdateSummary(dbe.name, dbe.rg);
        // "Azure Stack Edge 2106" -> 2106; build numbers map to releases only on the device.
        return /\b(\d{4})\b/.exec(summary.friendlyDeviceVersionName ?? "")?.[1];
      }),
    deploy: async (deployment, template, parameters) => {
      const body = {
        properties: {
          mode: "Incremental" as const,
          template: template as Record<string, unknown>,
          parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { value: v }])) as Record<string, unknown>,
        },
      };
      let failure: unknown;
      try {
        const result = await resources.deployments.beginCreateOrUpdateAndWait(rg, deployment, body, poll);
        if (result.properties?.provisioningState === "Succeeded") return;
      } catch (err) {
        failure = err;
      }
      // The deployment record says why it failed; the poller's error often does not.
      const record = await call(`read deployment ${deployment}`, () => resources.deployments.get(rg, deployment)).catch(() => undefined);
      const error = record?.properties?.error;
      const inner = error?.details?.[0] ?? error;
      if (record?.properties?.provisioningState === "Failed" && inner?.code) {
        const translated = translateError({ code: inner.code, message: inner.message ?? error?.message }, `${name}: deployment ${deployment}`);
        if (translated.code === "INTERNAL") {
          throw new DeviceError("DEPLOYMENT_FAILED", translated.message, false, { providerCode: inner.code });
        }
        throw translated;
      }
      throw translateError(failure ?? new Error(`deployment ended ${record?.properties?.provisioningState ?? "unknown"}`), `${name}: deployment ${deployment}`);
    },
    deleteDeployment: (deployment) => ignoreNotFound(`delete deployment ${deployment}`, () => resources.deployments.beginDeleteAndWait(rg, deployment, poll)),
    startVm: (vm) => call(`start ${vm}`, () => compute.virtualMachines.start(rg, vm, poll).pollUntilDone()),
    deallocateVm: (vm) => call(`deallocate ${vm}`, () => compute.virtualMachines.deallocate(rg, vm, poll).pollUntilDone()),
    powerOffVm: (vm) => call(`power off ${vm}`, () => compute.virtualMachines.powerOff(rg, vm, poll).pollUntilDone()),
    deleteVm: (vm) => ignoreNotFound(`delete ${vm}`, () => compute.virtualMachines.delete(rg, vm, poll).pollUntilDone()),
    resizeVm: (vm, size) =>
      call(`resize ${vm}`, async () => {
        await compute.virtualMachines.update(rg, vm, { hardwareProfile: { vmSize: size } }, poll).pollUntilDone();
      }),
    deleteNic: (nic) =>
      // No network SDK is installed: the Resources client deletes by id with the device's version.
      ignoreNotFound(`delete NIC ${nic}`, () =>
        resources.resources.beginDeleteByIdAndWait(
          `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/${nic}`,
          "2017-10-01",
          poll,
        )),
    configureKubernetes: () =>
      call("configure Kubernetes", () =>
        dataBoxEdge.roles.beginCreateOrUpdateAndWait(dbe.name, KUBERNETES_ROLE_NAME, dbe.rg, {
          kind: "Kubernetes",
          hostPlatform: "Linux",
          kubernetesClusterInfo: { version: "" },
          kubernetesRoleResources: { compute: { vmProfile: "DBE_Standard_F8s_v2" } },
          roleStatus: "Enabled",
        } as RoleUnion, poll).then(() => undefined)),
    removeKubernetes: () =>
      ignoreNotFound("remove Kubernetes", async () => {
        const role = await call("list roles", async () => {
          for await (const r of dataBoxEdge.roles.listByDataBoxEdgeDevice(dbe.name, dbe.rg)) if (r.kind === "Kubernetes") return r;
          return undefined;
        });
        if (role?.name) await dataBoxEdge.roles.beginDeleteAndWait(dbe.name, role.name, dbe.rg, poll);
      }),
    downloadUpdates: () => call("download updates", () => dataBoxEdge.devices.beginDownloadUpdatesAndWait(dbe.name, dbe.rg, poll)),
    installUpdates: () => call("install updates", () => dataBoxEdge.devices.beginInstallUpdatesAndWait(dbe.name, dbe.rg, poll)),
  };
}
