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
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { z } from "zod";
import type { ExtensionState } from "../../core/claims/model.js";
import { createCloudCredential, createCloudTrust, DEFAULT_CLOUD_AUTHORITY_HOST } from "./cloud-credential.js";
import { createDeviceCredential, scopeFor } from "./credential.js";
import { DeviceError, translateError } from "./errors.js";
import { hostForMessage, hostGuardPolicy, isUnder, trustedPrefix } from "./host-guard.js";
import { agentPolicy, apiVersionPolicy, createDeviceAgent } from "./http.js";
import {
  type DeviceAction,
  type DevicePort,
  type GpuCapacity,
  KUBERNETES_ROLE_NAME,
  type KubernetesRoleInfo,
  MANAGED_TAG,
  MANAGED_TAG_VALUE,
  PRIVATE_IP_TAG,
  CUSTOM_DATA_TAG,
  type OperationProgress,
  type OperationRef,
  type VmPower,
  type VmRecord,
} from "../../ports/device.js";
import type { SecureContext } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";

/** What the ARM port reads from the app's device settings (composition/device-settings.ts). */
export interface ArmPortSettings {
  /** TLS trust built from caPem once, shared by every device connection. */
  trust?: SecureContext;
  /** PEM text of the CA(s) devices' certificates chain to; undefined = system CAs only. */
  caPem?: string;
  /** Fallback LRO poll interval when the device sends no Retry-After. */
  pollIntervalMs: number;
  retry: { baseDelayMs: number; maxDelayMs: number };
  /** The Azure AD credential for spec.dataBoxEdge, shared; absent: DefaultAzureCredential. */
  cloudCredential?: () => TokenCredential;
  /** TLS trust for cloud endpoints: system CAs plus caPem; undefined = system CAs only. */
  cloudTrust?: () => SecureContext | undefined;
}

export interface ArmPortConfig {
  name: string;
  endpoint: string;
  subscriptionId: string;
  resourceGroup: string;
  password: string;
  settings: ArmPortSettings;
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

const VmResponse = z
  .object({
    name: z.string(),
    tags: z.record(z.string(), z.string()).optional(),
    hardwareProfile: z.object({ vmSize: z.string() }).passthrough(),
    storageProfile: z
      .object({ osDisk: z.object({ osType: z.string().optional() }).passthrough().optional() })
      .passthrough()
      .optional(),
    instanceView: z.object({ statuses: StatusList }).passthrough().optional(),
    resources: z
      .array(
        z
          .object({
            name: z.string().optional(),
            publisher: z.string().optional(),
            typePropertiesType: z.string().optional(),
            provisioningState: z.string().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

function powerOf(statuses: z.infer<typeof StatusList>): VmPower {
  const code = statuses?.map((s) => s.code ?? "").find((c) => c.toLowerCase().startsWith("powerstate/"));
  const state = code?.slice("PowerState/".length).toLowerCase();
  const known: VmPower[] = ["running", "stopped", "deallocated", "starting", "stopping", "deallocating"];
  return known.includes(state as VmPower) ? (state as VmPower) : "unknown";
}

function extensionState(vm: z.infer<typeof VmResponse>): ExtensionState {
  const ext = vm.resources?.find(
    (r) => (r.publisher ?? "").toLowerCase() === "microsoft.hpccompute" && /^NvidiaGpuDriver/i.test(r.typePropertiesType ?? ""),
  );
  if (!ext) return "none";
  const state = (ext.provisioningState ?? "").toLowerCase();
  if (state === "succeeded") return "succeeded";
  if (state === "failed" || state === "canceled") return "failed";
  return "creating";
}

/**
 * What a role's provisioningState means: Creating/Updating/Deleting are running operations,
 * never "configured" (a device that says nothing counts as configured, as before).
 */
export function kubernetesRoleState(state: string): { configured: boolean; inProgress: boolean } {
  const inProgress = /^(creating|updating|deleting|accepted|running)$/i.test(state);
  const configured = !inProgress && !/^(failed|invalid|canceled)$/i.test(state);
  return { configured, inProgress };
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
    endpoint: base,
    credentials: { scopes: [scope] },
    additionalPolicies,
    retryOptions,
  });
  const resources = new ResourceManagementClient(credential, subscriptionId, {
    endpoint: base,
    $host: base,
    credentialScopes: [scope],
    additionalPolicies,
    retryOptions,
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
      endpoint: cloudBase,
      $host: cloudBase,
      credentialScopes: [scopeFor(cloud.endpoint)],
      additionalPolicies: [
        { policy: agentPolicy(cloudAgent), position: "perCall" as const },
        { policy: hostGuardPolicy(`device ${name}: cloud DataBoxEdge`, [trustedPrefix(cloud.endpoint)]), position: "perRetry" as const },
      ],
      retryOptions,
    });
  } else {
    dataBoxEdge = new DataBoxEdgeManagementClient(credential, subscriptionId, {
      endpoint: base,
      $host: base,
      credentialScopes: [scope],
      additionalPolicies,
      retryOptions,
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
      ...(vm.tags?.[PRIVATE_IP_TAG] !== undefined ? { privateIP: vm.tags[PRIVATE_IP_TAG] } : {}),
      ...(vm.tags?.[CUSTOM_DATA_TAG] !== undefined ? { customDataSha256: vm.tags[CUSTOM_DATA_TAG] } : {}),
    };
  };

  // ---- operations started without waiting (the resumable apply) ----
  const statusOf = (error: unknown) => (error as { statusCode?: number } | undefined)?.statusCode;
  type Sender = { sendRequest(request: ReturnType<typeof createPipelineRequest>): Promise<PipelineResponse> };
  const send = async (client: Sender, method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown) => {
    const request = createPipelineRequest({
      url,
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: createHttpHeaders({ "Content-Type": "application/json" }) }),
    });
    const response = await client.sendRequest(request);
    if (response.status >= 400) {
      throw Object.assign(new Error(`${method} answered ${response.status}`), { statusCode: response.status, response });
    }
    return response;
  };
  const jsonOf = (response: PipelineResponse): Record<string, any> => {
    try {
      return response.bodyAsText ? (JSON.parse(response.bodyAsText) as Record<string, any>) : {};
    } catch {
      return {};
    }
  };
  const retryAfterOf = (response: PipelineResponse): number | undefined => {
    const header = response.headers.get("retry-after");
    const seconds = header === undefined ? Number.NaN : Number(header);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  };
  const armPath = `${base}/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers`;
  const dbePath = () =>
    `${dbe.base}/subscriptions/${dbe.subscriptionId}/resourceGroups/${dbe.rg}/providers/Microsoft.DataBoxEdge/dataBoxEdgeDevices/${encodeURIComponent(dbe.name)}`;
  const DBE_API = "2021-06-01";
  /**
   * Operation URLs come from the device's replies and are stored between invocations: the
   * credential goes only to this device's own endpoints, so anything else is refused.
   */
  const clientForUrl = (url: string): Sender => {
    if (cloud && isUnder(url, [trustedPrefix(dbe.base)])) return dataBoxEdge;
    if (isUnder(url, [trustedPrefix(base)])) return resources;
    throw new DeviceError(
      "FOREIGN_HOST_REFUSED",
      `${name}: the device named an operation URL at ${hostForMessage(url)}, outside its own endpoint; not followed`,
      false,
    );
  };
  const asyncRef = (response: PipelineResponse, what: string): OperationRef | undefined => {
    const url = response.headers.get("azure-asyncoperation") ?? response.headers.get("location");
    if (!url || response.status === 204) return undefined;
    clientForUrl(url);
    return { kind: "async", url, what };
  };
  const beginAction = (act: DeviceAction): Promise<OperationRef | undefined> =>
    call(act.kind, async () => {
      const vmUrl = (vm: string, suffix = "") =>
        `${armPath}/Microsoft.Compute/virtualMachines/${encodeURIComponent(vm)}${suffix}?api-version=2017-12-01`;
      switch (act.kind) {
        case "startVm":
          return asyncRef(await send(resources, "POST", vmUrl(act.vm, "/start")), `start ${act.vm}`);
        case "deallocateVm":
          return asyncRef(await send(resources, "POST", vmUrl(act.vm, "/deallocate")), `deallocate ${act.vm}`);
        case "deleteVm": {
          const response = await send(resources, "DELETE", vmUrl(act.vm)).catch((error: unknown) => {
            if (statusOf(error) === 404) return undefined;
            throw error;
          });
          return response ? asyncRef(response, `delete ${act.vm}`) : undefined;
        }
        case "resizeVm":
          return asyncRef(
            await send(resources, "PATCH", vmUrl(act.vm), { properties: { hardwareProfile: { vmSize: act.size } } }),
            `resize ${act.vm}`,
          );
        case "configureKubernetes":
          return asyncRef(
            await send(dataBoxEdge, "PUT", `${dbePath()}/roles/${KUBERNETES_ROLE_NAME}?api-version=${DBE_API}`, {
              kind: "Kubernetes",
              properties: {
                hostPlatform: "Linux",
                kubernetesClusterInfo: { version: "" },
                kubernetesRoleResources: { compute: { vmProfile: "DBE_Standard_F8s_v2" } },
                roleStatus: "Enabled",
              },
            }),
            "configure Kubernetes",
          );
        case "removeKubernetes": {
          const list = jsonOf(await send(dataBoxEdge, "GET", `${dbePath()}/roles?api-version=${DBE_API}`));
          const role = (list.value as Array<{ kind?: string; name?: string }> | undefined)?.find((r) => r.kind === "Kubernetes");
          if (!role?.name) return undefined;
          const response = await send(dataBoxEdge, "DELETE", `${dbePath()}/roles/${encodeURIComponent(role.name)}?api-version=${DBE_API}`).catch(
            (error: unknown) => {
              if (statusOf(error) === 404) return undefined;
              throw error;
            },
          );
          return response ? asyncRef(response, "remove Kubernetes") : undefined;
        }
        case "downloadUpdates":
          return asyncRef(await send(dataBoxEdge, "POST", `${dbePath()}/downloadUpdates?api-version=${DBE_API}`), "download updates");
        case "installUpdates":
          return asyncRef(await send(dataBoxEdge, "POST", `${dbePath()}/installUpdates?api-version=${DBE_API}`), "install updates");
      }
    });
  const deploymentUrl = (deployment: string) => `${armPath}/Microsoft.Resources/deployments/${encodeURIComponent(deployment)}?api-version=2019-10-01`;
  const failedDeployment = (deployment: string, record: Record<string, any>): OperationProgress => {
    const error = record.properties?.error as { code?: string; message?: string; details?: Array<{ code?: string; message?: string }> } | undefined;
    const inner = error?.details?.[0] ?? error;
    const translated = translateError(
      { code: inner?.code ?? "DeploymentFailed", message: inner?.message ?? error?.message ?? "the deployment failed" },
      `${name}: deployment ${deployment}`,
    );
    const code = translated.code === "INTERNAL" ? "DEPLOYMENT_FAILED" : translated.code;
    return { state: "failed", code, message: translated.message, transient: translated.transient };
  };
  const checkOperation = async (ref: OperationRef): Promise<OperationProgress> => {
    try {
      if (ref.kind === "deployment" && ref.url) {
        // The deployment's operation status carries the device's Retry-After; its record the error.
        const status = await send(clientForUrl(ref.url), "GET", ref.url);
        const state = String(jsonOf(status).status ?? "");
        if (/^(inprogress|running|accepted)$/i.test(state)) {
          return { state: "running", ...(retryAfterOf(status) !== undefined ? { retryAfterSec: retryAfterOf(status) } : {}) };
        }
      }
      if (ref.kind === "deployment") {
        const response = await send(resources, "GET", deploymentUrl(ref.name));
        const record = jsonOf(response);
        const state = String(record.properties?.provisioningState ?? "");
        if (/^succeeded$/i.test(state)) return { state: "succeeded" };
        if (/^(failed|canceled)$/i.test(state)) return failedDeployment(ref.name, record);
        return { state: "running", ...(retryAfterOf(response) !== undefined ? { retryAfterSec: retryAfterOf(response) } : {}) };
      }
      const response = await send(clientForUrl(ref.url), "GET", ref.url);
      const retryAfterSec = retryAfterOf(response);
      const body = jsonOf(response);
      const status = typeof body.status === "string" ? body.status : undefined;
      if (status ? /^(inprogress|running|accepted|notstarted)$/i.test(status) : response.status === 202) {
        return { state: "running", ...(retryAfterSec !== undefined ? { retryAfterSec } : {}) };
      }
      if (status && /^(failed|canceled)$/i.test(status)) {
        const translated = translateError(
          { code: body.error?.code ?? "InternalOperationError", message: body.error?.message ?? `${ref.what} ended ${status}` },
          `${name}: ${ref.what}`,
        );
        return { state: "failed", code: translated.code, message: translated.message, transient: translated.transient };
      }
      return { state: "succeeded" };
    } catch (err) {
      const error = translateError(err, `${name}: check ${ref.kind === "deployment" ? `deployment ${ref.name}` : ref.what}`);
      // The record is gone (a device restart forgets its operations): it is not running any
      // more; observing the device says what it did.
      if (error.code === "NOT_FOUND") return { state: "succeeded" };
      // A failed look is not a failed operation: look again later.
      if (error.transient) return { state: "running" };
      // Failed operations answer their Location URL with the operation's error.
      if (ref.kind === "async" && error.details.status !== undefined && error.details.status < 500 && error.code !== "UNAUTHORIZED") {
        return { state: "failed", code: error.code, message: error.message, transient: false };
      }
      throw error;
    }
  };

  return {
    name,
    beginDeploy: async (deployment, template, parameters) => {
      const body = {
        properties: {
          mode: "Incremental",
          template,
          parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { value: v }])),
        },
      };
      try {
        const response = await call(`deploy ${deployment}`, () => send(resources, "PUT", deploymentUrl(deployment), body));
        const url = response.headers.get("azure-asyncoperation");
        return { kind: "deployment", name: deployment, ...(url && isUnder(url, [trustedPrefix(base)]) ? { url } : {}) };
      } catch (err) {
        // Already running under this name: that is the operation to wait for.
        if (!(err instanceof DeviceError && err.details.providerCode === "DeploymentActive")) throw err;
        return { kind: "deployment", name: deployment };
      }
    },
    beginAction,
    checkOperation,
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
        return { ...kubernetesRoleState(state), name: k8s.name, state } satisfies KubernetesRoleInfo;
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
      throw translateError(
        failure ?? new Error(`deployment ended ${record?.properties?.provisioningState ?? "unknown"}`),
        `${name}: deployment ${deployment}`,
      );
    },
    deleteDeployment: (deployment) =>
      ignoreNotFound(`delete deployment ${deployment}`, () => resources.deployments.beginDeleteAndWait(rg, deployment, poll)),
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
        ),
      ),
    configureKubernetes: () =>
      call("configure Kubernetes", () =>
        dataBoxEdge.roles
          .beginCreateOrUpdateAndWait(
            dbe.name,
            KUBERNETES_ROLE_NAME,
            dbe.rg,
            {
              kind: "Kubernetes",
              hostPlatform: "Linux",
              kubernetesClusterInfo: { version: "" },
              kubernetesRoleResources: { compute: { vmProfile: "DBE_Standard_F8s_v2" } },
              roleStatus: "Enabled",
            } as RoleUnion,
            poll,
          )
          .then(() => undefined),
      ),
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
