/**
 * The cloud `Microsoft.DataBoxEdge` provider, served at the device prefix and under `/cloud`
 * (cloud.ts, where `ctx.cloud` names the subscription and resource name): the device
 * resource, the Kubernetes role, deviceCapacityInfo (GPU counts), updateSummary and the
 * download/install update actions. Claim changes go through the model.
 */
import { compareReleases, configureKubernetes, removeKubernetes, updateSoftware } from "../shared/core/claims/model.js";
import { nextHop } from "../shared/core/claims/update-paths.js";
import { armError, notFound } from "./arm-errors.js";
import { type ArmContext, type ArmRequest, type ArmResponse, lroHeaders, startLro } from "./arm-context.js";
import { type SimDevice, gpuCounts } from "./device-state.js";
import { claim } from "./resources.js";

const NS = "Microsoft.DataBoxEdge";

function devicePath(ctx: ArmContext, rg: string) {
  return `/subscriptions/${ctx.cloud?.subscriptionId ?? ctx.device.subscriptionId}/resourceGroups/${rg}/providers/${NS}/dataBoxEdgeDevices/${ctx.cloud?.name ?? ctx.device.name}`;
}

/** Software build numbers: the simulator encodes the release, e.g. 2106 -> 2.2.2106.1000. */
export function buildNumber(release: string | undefined): string {
  return `2.2.${release ?? "0000"}.1000`;
}

function availableRelease(d: SimDevice): string | undefined {
  const current = d.claims.softwareVersion;
  const target = d.targetRelease;
  if (!target) return undefined;
  // A device offers the next mandatory release on the way, not the target itself (domain.md §8).
  return current === undefined || compareReleases(target, current) > 0 ? nextHop(current, target) : undefined;
}

function roleView(ctx: ArmContext, rg: string) {
  const role = ctx.device.role!;
  return {
    id: `${devicePath(ctx, rg)}/roles/${role.name}`,
    name: role.name,
    type: `${NS}/dataBoxEdgeDevices/roles`,
    kind: "Kubernetes",
    properties: {
      hostPlatform: role.hostPlatform,
      provisioningState: role.provisioningState,
      hostPlatformType: "KubernetesCluster",
      kubernetesClusterInfo: {
        version: "v1.24.6",
        etcdInfo: { type: "etcd", version: "3.5.3" },
        nodes: [{ name: `${ctx.device.name}-k8s-master`, type: "Master" }],
      },
      kubernetesRoleResources: { compute: { vmProfile: "DBE_Standard_F8s_v2", memoryInBytes: 34359738368, processorCount: 8 } },
      roleStatus: "Enabled",
    },
  };
}

export function handleDataBoxEdge(ctx: ArmContext, req: ArmRequest, segments: string[], lower: string[]): ArmResponse {
  const d = ctx.device;
  const rg = req.segments[3]!;
  if (lower[0] !== "databoxedgedevices" || !lower[1])
    throw armError(404, "InvalidResourceType", `The resource type '${segments[0]}' is not served by the simulator.`);
  if (lower[1] !== (ctx.cloud?.name ?? d.name).toLowerCase()) throw notFound(`${NS}/dataBoxEdgeDevices`, segments[1]!);
  const sub = lower.slice(2);
  const get = req.method === "GET";
  if (sub.length === 0 && get) {
    const counts = gpuCounts(d);
    return {
      status: 200,
      body: {
        id: devicePath(ctx, rg),
        name: d.name,
        type: `${NS}/dataBoxEdgeDevices`,
        location: "westus2",
        kind: "AzureStackEdge",
        sku: { name: "EdgeP_Base", tier: "Standard" },
        properties: {
          dataBoxEdgeDeviceStatus: "Online",
          deviceType: "DataBoxEdgeDevice",
          friendlyName: d.name,
          deviceModel: `Azure Stack Edge Pro - ${counts.total} GPU`,
          deviceSoftwareVersion: buildNumber(d.claims.softwareVersion),
          nodeCount: 1,
          configuredRoleTypes: d.role && d.role.provisioningState !== "Failed" ? ["Kubernetes"] : [],
        },
      },
    };
  }
  if (sub[0] === "roles") return roles(ctx, req, rg, segments.slice(3));
  if (sub[0] === "devicecapacityinfo" && sub[1] === "default" && get) {
    const counts = gpuCounts(d);
    const now = new Date().toISOString();
    return {
      status: 200,
      body: {
        id: `${devicePath(ctx, rg)}/deviceCapacityInfo/default`,
        name: "default",
        type: `${NS}/dataBoxEdgeDevices/deviceCapacityInfo`,
        properties: {
          timeStamp: now,
          clusterComputeCapacityInfo: {
            fqdn: `${d.name}.local`,
            lastRefreshedTime: now,
            gpuCapacity: {
              gpuType: d.claims.gpuModel,
              gpuTotalUnitsCount: counts.total,
              gpuUsedUnitsCount: counts.used,
              gpuFreeUnitsCount: counts.free,
              gpuReservedForFailoverUnitsCount: 0,
            },
          },
          nodeCapacityInfos: { [`${d.name}-node1`]: { hostName: `${d.name}-node1`, availableGpuCount: counts.free, gpuType: d.claims.gpuModel } },
        },
      },
    };
  }
  if (sub[0] === "updatesummary" && sub[1] === "default" && get) {
    const available = availableRelease(d);
    const release = d.claims.softwareVersion;
    return {
      status: 200,
      body: {
        id: `${devicePath(ctx, rg)}/updateSummary/default`,
        name: "default",
        type: `${NS}/dataBoxEdgeDevices/updateSummary`,
        properties: {
          deviceVersionNumber: buildNumber(release),
          friendlyDeviceVersionName: release ? `Azure Stack Edge ${release}` : "Azure Stack Edge",
          deviceLastScannedDateTime: new Date().toISOString(),
          totalNumberOfUpdatesAvailable: available ? 1 : 0,
          totalNumberOfUpdatesPendingDownload: available && !d.updatesDownloaded ? 1 : 0,
          totalNumberOfUpdatesPendingInstall: available && d.updatesDownloaded ? 1 : 0,
          ongoingUpdateOperation: "None",
          updateTitles: available ? [`Azure Stack Edge Update ${available}`] : [],
          totalUpdateSizeInBytes: available ? 4_000_000_000 : 0,
        },
      },
    };
  }
  if (req.method === "POST" && sub.length === 1 && ["scanforupdates", "downloadupdates", "installupdates"].includes(sub[0]!)) {
    const action = sub[0]!;
    const kind = ({ scanforupdates: "scanForUpdates", downloadupdates: "downloadUpdates", installupdates: "installUpdates" } as const)[
      action as "scanforupdates"
    ];
    const { headers } = startLro(ctx, kind, NS, req.apiVersion, () => {
      const target = availableRelease(d);
      if (action === "downloadupdates" && target) d.updatesDownloaded = true;
      if (action === "installupdates" && target) {
        if (!d.updatesDownloaded)
          throw Object.assign(new Error("No downloaded updates to install: download the updates first."), { code: "UpdatesNotDownloaded" });
        claim(d, () => updateSoftware(d.claims, target));
        d.updatesDownloaded = false;
      }
      return undefined;
    });
    return { status: 202, headers };
  }
  throw armError(404, "NotFound", `No route for '${segments.join("/")}' on the DataBoxEdge provider.`);
}

function roles(ctx: ArmContext, req: ArmRequest, rg: string, names: string[]): ArmResponse {
  const d = ctx.device;
  if (names.length === 0) {
    if (req.method !== "GET") throw armError(405, "MethodNotAllowed", "Only GET lists roles.");
    return { status: 200, body: { value: d.role ? [roleView(ctx, rg)] : [] } };
  }
  const name = names[0]!;
  const same = d.role && d.role.name.toLowerCase() === name.toLowerCase();
  if (req.method === "GET") {
    if (!same) throw notFound(`${NS}/dataBoxEdgeDevices/roles`, name);
    return { status: 200, body: roleView(ctx, rg) };
  }
  if (req.method === "PUT") {
    if (req.body?.kind !== "Kubernetes") throw armError(400, "InvalidRoleKind", "The simulator serves only roles of kind Kubernetes.");
    if (d.role && !same) throw armError(409, "RoleAlreadyConfigured", `A compute role (${d.role.name}) is already configured on the device.`);
    // Always answer with an operation to poll: the role's own provisioningState (Created,
    // Creating, ...) is not an ARM terminal state, so a client polling the body would spin.
    if (d.role && d.role.provisioningState === "Created") {
      const { headers } = startLro(ctx, "deployment", NS, req.apiVersion, () => undefined);
      return { status: 201, body: roleView(ctx, rg), headers };
    }
    if (d.role?.provisioningState === "Creating" && d.role.operationId) {
      return { status: 201, body: roleView(ctx, rg), headers: lroHeaders(ctx, req.apiVersion, d.role.operationId) };
    }
    d.role = { name, provisioningState: "Creating", hostPlatform: String(req.body?.properties?.hostPlatform ?? "Linux") };
    const role = d.role;
    const { op, headers } = startLro(
      ctx,
      "configureKubernetes",
      NS,
      req.apiVersion,
      () => {
        // Configuring Kubernetes claims every GPU free at this moment (domain.md §2).
        claim(d, () => configureKubernetes(d.claims));
        return undefined;
      },
      (done) => {
        role.provisioningState = done.status === "Succeeded" ? "Created" : "Failed";
      },
    );
    role.operationId = op.id;
    return { status: 201, body: roleView(ctx, rg), headers };
  }
  if (req.method === "DELETE") {
    if (!same) return { status: 204 };
    d.role!.provisioningState = "Deleting";
    const { headers } = startLro(
      ctx,
      "removeKubernetes",
      NS,
      req.apiVersion,
      () => {
        if (d.claims.kubernetes.configured) claim(d, () => removeKubernetes(d.claims));
        d.role = undefined;
        return undefined;
      },
      (op) => {
        if (op.status === "Failed" && d.role) d.role.provisioningState = "Created";
      },
    );
    return { status: 202, headers };
  }
  throw armError(405, "MethodNotAllowed", `The HTTP method '${req.method}' is not supported for roles.`);
}
