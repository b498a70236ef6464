/**
 * The device's local ARM subset: subscription, resource groups, deployments, VMs (+ power
 * actions, extensions), images, NICs, the ASEVNET network and the async-operation endpoints.
 */
import { createHash, randomUUID } from "node:crypto";
import { deallocateVm, deleteVm, findVm, powerOffVm, resizeVm, startVm } from "../shared/core/claims/model.js";
import { ArmHttpError, armError, notFound, resourceGroupNotFound } from "./arm-errors.js";
import { type ArmContext, type ArmRequest, type ArmResponse, lroHeaders, retryAfterFor, startLro } from "./arm-context.js";
import { ASE_VNET, ASE_VNET_RG, type SimDeployment, key } from "./device-state.js";
import { planDeployment, runDeployment } from "./deployments.js";
import { asHttpError, claim } from "./resources.js";
import { deploymentView, extensionView, extensionsView, instanceView, nicView, vmView, vnetView } from "./views.js";
import { handleDataBoxEdge } from "./databoxedge-routes.js";

const ok = (body: unknown, status = 200): ArmResponse => ({ status, body });
const list = (value: unknown[]): ArmResponse => ok({ value });
const methodNotAllowed = (req: ArmRequest) =>
  armError(405, "MethodNotAllowed", `The HTTP method '${req.method}' is not supported for this resource.`);

function subscriptionView(ctx: ArmContext) {
  const id = ctx.device.subscriptionId;
  return {
    id: `/subscriptions/${id}`,
    subscriptionId: id,
    displayName: "Default Provider Subscription",
    state: "Enabled",
    tenantId: "c0257de7-538f-415c-993a-1b87a031879d",
  };
}

function rgView(ctx: ArmContext, rg: { name: string; location: string }) {
  return {
    id: `/subscriptions/${ctx.device.subscriptionId}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: "Microsoft.Resources/resourceGroups",
    location: rg.location,
    properties: { provisioningState: "Succeeded" },
  };
}

export function handleArm(ctx: ArmContext, req: ArmRequest): ArmResponse {
  const { lower, segments } = req;
  const d = ctx.device;
  if (lower[0] !== "subscriptions") throw armError(404, "NotFound", `No route for '/${segments.join("/")}'.`);
  if (lower.length === 1)
    return req.method === "GET"
      ? list([subscriptionView(ctx)])
      : (() => {
          throw methodNotAllowed(req);
        })();
  if (lower[1] !== d.subscriptionId.toLowerCase()) {
    throw armError(404, "SubscriptionNotFound", `The subscription '${segments[1]}' could not be found.`);
  }
  const rest = lower.slice(2);
  if (rest.length === 0) return ok(subscriptionView(ctx));
  // /subscriptions/{s}/providers/{ns}/locations/{loc}/operations|operationResults/{id}
  if (rest[0] === "providers" && rest[2] === "locations" && (rest[4] === "operations" || rest[4] === "operationresults") && rest.length === 6) {
    return operationStatus(ctx, segments[7]!, rest[4] === "operationresults");
  }
  if (rest[0] !== "resourcegroups") throw armError(404, "NotFound", `No route for '/${segments.join("/")}'.`);
  if (rest.length === 1) {
    if (req.method !== "GET") throw methodNotAllowed(req);
    return list([...d.resourceGroups.values()].map((rg) => rgView(ctx, rg)));
  }
  const rgName = segments[3]!;
  if (rest.length === 2) return resourceGroup(ctx, req, rgName);
  const group = d.resourceGroups.get(key(rgName));
  if (!group) throw resourceGroupNotFound(rgName);
  if (rest[2] !== "providers" || rest.length < 5) throw armError(404, "NotFound", `No route for '/${segments.join("/")}'.`);
  const provider = rest[3]!;
  const type = rest[4]!;
  const names = segments.slice(7);
  const lowerNames = rest.slice(5);
  if (provider === "microsoft.resources" && type === "deployments") return deployments(ctx, req, group.name, names);
  if (provider === "microsoft.compute" && type === "virtualmachines") return virtualMachines(ctx, req, group.name, names, lowerNames);
  if (provider === "microsoft.compute" && type === "images") return images(ctx, req, group.name, names);
  if (provider === "microsoft.network" && type === "networkinterfaces") return nics(ctx, req, group.name, names);
  if (provider === "microsoft.network" && type === "virtualnetworks") return vnets(ctx, req, group.name, names);
  if (provider === "microsoft.databoxedge") return handleDataBoxEdge(ctx, req, segments.slice(6), rest.slice(4));
  throw armError(
    404,
    "InvalidResourceType",
    `The resource type '${segments[4]}/${segments[5]}' could not be found in the namespace for api version '${req.apiVersion}'.`,
  );
}

function resourceGroup(ctx: ArmContext, req: ArmRequest, name: string): ArmResponse {
  const d = ctx.device;
  const existing = d.resourceGroups.get(key(name));
  if (req.method === "GET") {
    if (!existing) throw resourceGroupNotFound(name);
    return ok(rgView(ctx, existing));
  }
  if (req.method === "PUT") {
    const location = String(req.body?.location ?? d.location);
    if (location.toLowerCase() !== d.location.toLowerCase()) {
      throw armError(
        400,
        "LocationNotAvailableForResourceGroup",
        `The provided location '${location}' is not available for resource group. List of available regions is '${d.location.toLowerCase()}'.`,
      );
    }
    const rg = existing ?? { name, location: d.location };
    d.resourceGroups.set(key(name), rg);
    return ok(rgView(ctx, rg), existing ? 200 : 201);
  }
  throw methodNotAllowed(req);
}

export function operationStatus(ctx: ArmContext, id: string, asResult: boolean): ArmResponse {
  const op = ctx.operations.get(id);
  if (!op || op.device !== ctx.device.name) throw armError(404, "NotFound", `Operation '${id}' was not found.`);
  // A running operation says how long it still needs (capped), as ARM's Retry-After does.
  const wait = op.status === "InProgress" ? { "Retry-After": retryAfterFor(ctx, op) } : undefined;
  if (!asResult) {
    return {
      status: 200,
      body: {
        id,
        name: id,
        status: op.status,
        startTime: op.startTime,
        ...(op.endTime ? { endTime: op.endTime } : {}),
        ...(op.error ? { error: op.error } : {}),
      },
      ...(wait ? { headers: wait } : {}),
    };
  }
  if (op.status === "InProgress") return { status: 202, headers: wait! };
  if (op.status === "Failed") {
    const internal = op.error?.code === "InternalOperationError";
    throw new ArmHttpError(internal ? 500 : 409, op.error!);
  }
  // Compute's pollers expect 200 (not 204) from a finished action's Location.
  return op.result === undefined ? { status: 200 } : ok(op.result);
}

function templateHash(template: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(template ?? null))
    .digest("hex")
    .slice(0, 20);
}

function deployments(ctx: ArmContext, req: ArmRequest, rg: string, names: string[]): ArmResponse {
  const d = ctx.device;
  const all = () => [...d.deployments.values()].filter((dep) => dep.resourceGroup.toLowerCase() === rg.toLowerCase());
  if (names.length === 0) {
    if (req.method !== "GET") throw methodNotAllowed(req);
    return list(all().map((dep) => deploymentView(d, dep)));
  }
  if (names.length !== 1) throw armError(404, "NotFound", "No such deployment sub-resource in the simulator.");
  const name = names[0]!;
  const k = key(rg, name);
  const existing = d.deployments.get(k);
  if (req.method === "GET") {
    if (!existing) throw armError(404, "DeploymentNotFound", `Deployment '${name}' could not be found.`);
    return ok(deploymentView(d, existing));
  }
  if (req.method === "PUT") {
    const planned = planDeployment(d, rg, req.body);
    // A PUT while the same deployment still runs is refused, as ARM does: the caller must
    // wait for the running one (GET it), never start a second.
    if (existing?.operationId && ctx.operations.get(existing.operationId)?.status === "InProgress") {
      throw armError(409, "DeploymentActive", `The deployment '${name}' is currently active and cannot be updated; wait for it to complete.`);
    }
    d.receivedDeployments.push({ name, resourceGroup: rg, template: req.body.properties.template, parameters: planned.parameters });
    const dep: SimDeployment = {
      name,
      resourceGroup: rg,
      provisioningState: "Accepted",
      templateHash: templateHash(req.body.properties.template),
      parameters: planned.parameters,
      timestamp: new Date().toISOString(),
      correlationId: randomUUID(),
      outputResources: existing?.outputResources ?? [],
    };
    d.deployments.set(k, dep);
    const types = new Set(planned.resources.map((r) => r.type.toLowerCase()));
    const kind = types.has("microsoft.compute/virtualmachines")
      ? "createVm"
      : types.has("microsoft.compute/virtualmachines/extensions")
        ? "installGpuExtension"
        : "deployment";
    const { op, headers } = startLro(
      ctx,
      kind,
      "Microsoft.Resources",
      req.apiVersion,
      () => {
        dep.outputResources = runDeployment(d, rg, planned.resources);
        return undefined;
      },
      (done) => {
        dep.provisioningState = done.status === "Succeeded" ? "Succeeded" : "Failed";
        dep.timestamp = done.endTime ?? dep.timestamp;
        if (done.status === "Failed") {
          dep.error =
            done.error?.code === "DeploymentFailed"
              ? done.error
              : { code: "DeploymentFailed", message: "At least one resource deployment operation failed.", details: [done.error!] };
        }
      },
    );
    dep.operationId = op.id;
    return { status: 201, body: deploymentView(d, dep), headers };
  }
  if (req.method === "DELETE") {
    if (!existing) return { status: 204 };
    const { headers } = startLro(ctx, "deleteDeployment", "Microsoft.Resources", req.apiVersion, () => {
      d.deployments.delete(k);
      return undefined;
    });
    return { status: 202, headers };
  }
  throw methodNotAllowed(req);
}

function virtualMachines(ctx: ArmContext, req: ArmRequest, rg: string, names: string[], lowerNames: string[]): ArmResponse {
  const d = ctx.device;
  const expand = (req.query.get("$expand") ?? "").toLowerCase() === "instanceview";
  if (names.length === 0) {
    if (req.method !== "GET") throw methodNotAllowed(req);
    const vms = [...d.vms.values()].filter((vm) => vm.resourceGroup.toLowerCase() === rg.toLowerCase());
    return list(vms.map((vm) => vmView(d, vm, expand)));
  }
  const vmName = names[0]!;
  const vm = d.vms.get(key(vmName));
  const found = vm && vm.resourceGroup.toLowerCase() === rg.toLowerCase() ? vm : undefined;
  const missing = () => notFound("Microsoft.Compute/virtualMachines", vmName);
  if (names.length === 1) {
    if (req.method === "GET") {
      if (!found) throw missing();
      return ok(vmView(d, found, expand));
    }
    if (req.method === "DELETE") {
      if (!found) return { status: 204 };
      const { headers } = startLro(ctx, "deleteVm", "Microsoft.Compute", req.apiVersion, () => {
        if (!d.vms.has(key(vmName))) return undefined;
        claim(d, () => deleteVm(d.claims, found.name));
        d.vms.delete(key(vmName));
        return undefined;
      });
      return { status: 202, headers };
    }
    if (req.method === "PATCH") {
      if (!found) throw missing();
      const size = req.body?.properties?.hardwareProfile?.vmSize;
      if (req.body?.tags && typeof req.body.tags === "object") found.tags = { ...req.body.tags };
      const current = findVm(d.claims, found.name)!;
      if (typeof size === "string" && size.toLowerCase() !== current.size.toLowerCase()) {
        // ARM checks this synchronously: a running VM cannot move to a size it cannot get.
        if (current.powerState !== "deallocated") {
          throw armError(409, "OperationNotAllowed", `VM '${vmName}' must be deallocated before it is resized to ${size}.`);
        }
        const { headers } = startLro(ctx, "resizeVm", "Microsoft.Compute", req.apiVersion, () => {
          claim(d, () => resizeVm(d.claims, found.name, size));
          return vmView(d, found, false);
        });
        return {
          status: 200,
          body: { ...vmView(d, found, false), properties: { ...vmView(d, found, false).properties, provisioningState: "Updating" } },
          headers,
        };
      }
      return ok(vmView(d, found, false));
    }
    throw methodNotAllowed(req);
  }
  if (!found) throw missing();
  const action = lowerNames[1]!;
  if (names.length === 2 && action === "instanceview" && req.method === "GET") return ok(instanceView(d, found));
  if (names.length === 2 && req.method === "POST" && (action === "start" || action === "deallocate" || action === "poweroff")) {
    const pending = ({ start: "starting", deallocate: "deallocating", poweroff: "stopping" } as const)[action];
    found.pendingPower = pending;
    const kind = ({ start: "startVm", deallocate: "deallocateVm", poweroff: "powerOffVm" } as const)[action];
    const { headers } = startLro(
      ctx,
      kind,
      "Microsoft.Compute",
      req.apiVersion,
      () => {
        if (!d.vms.has(key(vmName))) throw Object.assign(new Error(`VM '${vmName}' was deleted`), { code: "ResourceNotFound" });
        if (action === "start") claim(d, () => startVm(d.claims, found.name));
        else if (action === "deallocate") claim(d, () => deallocateVm(d.claims, found.name, { kubernetesReclaims: ctx.reclaimRisk }));
        else claim(d, () => powerOffVm(d.claims, found.name));
        return undefined;
      },
      () => {
        found.pendingPower = undefined;
      },
    );
    return { status: 202, headers };
  }
  if (lowerNames[1] === "extensions") {
    if (names.length === 2 && req.method === "GET") return list(extensionsView(d, found));
    if (names.length === 3 && req.method === "GET") {
      const ext = found.extensions.get(lowerNames[2]!);
      if (!ext) throw notFound("Microsoft.Compute/virtualMachines/extensions", `${vmName}/${names[2]}`);
      return ok(extensionView(d, found, ext));
    }
  }
  throw armError(404, "NotFound", `No route for VM sub-resource '${names.slice(1).join("/")}'.`);
}

function images(ctx: ArmContext, req: ArmRequest, rg: string, names: string[]): ArmResponse {
  const d = ctx.device;
  if (req.method !== "GET") throw methodNotAllowed(req);
  const view = (img: { name: string; resourceGroup: string; osType: string }) => ({
    id: `/subscriptions/${d.subscriptionId}/resourceGroups/${img.resourceGroup}/providers/Microsoft.Compute/images/${img.name}`,
    name: img.name,
    type: "Microsoft.Compute/images",
    location: d.location,
    properties: {
      storageProfile: { osDisk: { osType: img.osType, osState: "Generalized", blobUri: `https://sa.blob.${d.name}.local/vhds/${img.name}.vhd` } },
      provisioningState: "Succeeded",
    },
  });
  if (names.length === 0) return list([...d.images.values()].filter((i) => i.resourceGroup.toLowerCase() === rg.toLowerCase()).map(view));
  const img = d.images.get(key(rg, names[0]!));
  if (!img) throw notFound("Microsoft.Compute/images", names[0]!);
  return ok(view(img));
}

function nics(ctx: ArmContext, req: ArmRequest, rg: string, names: string[]): ArmResponse {
  const d = ctx.device;
  if (names.length === 0) {
    if (req.method !== "GET") throw methodNotAllowed(req);
    return list([...d.nics.values()].filter((n) => n.resourceGroup.toLowerCase() === rg.toLowerCase()).map((n) => nicView(d, n)));
  }
  const k = key(rg, names[0]!);
  const nic = d.nics.get(k);
  if (req.method === "GET") {
    if (!nic) throw notFound("Microsoft.Network/networkInterfaces", names[0]!);
    return ok(nicView(d, nic));
  }
  if (req.method === "DELETE") {
    if (!nic) return { status: 204 };
    const inUse = [...d.vms.values()].find(
      (vm) => vm.nicName.toLowerCase() === nic.name.toLowerCase() && vm.resourceGroup.toLowerCase() === rg.toLowerCase(),
    );
    if (inUse) throw armError(400, "NicInUse", `Network Interface ${nic.name} is used by existing resource ${inUse.name}.`);
    const { headers } = startLro(ctx, "deleteNic", "Microsoft.Network", req.apiVersion, () => {
      d.nics.delete(k);
      return undefined;
    });
    return { status: 202, headers };
  }
  throw methodNotAllowed(req);
}

function vnets(ctx: ArmContext, req: ArmRequest, rg: string, names: string[]): ArmResponse {
  if (req.method !== "GET") throw methodNotAllowed(req);
  const here = rg.toLowerCase() === ASE_VNET_RG.toLowerCase();
  if (names.length === 0) return list(here ? [vnetView(ctx.device)] : []);
  if (!here || names[0]!.toLowerCase() !== ASE_VNET.toLowerCase()) throw notFound("Microsoft.Network/virtualNetworks", names[0]!);
  return ok(vnetView(ctx.device));
}

export { asHttpError };
