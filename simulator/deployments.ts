/**
 * `Microsoft.Resources/deployments`: validate the template when it is PUT (ARM's synchronous
 * validation, 400 on a bad template), then run its resources when the long-running
 * operation completes. Incremental mode only: resources that already exist are updated in
 * place, so re-running a deployment is idempotent.
 */
import { armError, ArmHttpError } from "./arm-errors.js";
import { SUPPORTED_API_VERSIONS } from "./api-versions.js";
import type { SimDevice } from "./device-state.js";
import { ResourceError, putExtension, putNic, putVm } from "./resources.js";
import { TemplateError, type TemplateContext, evaluateValue } from "./template-eval.js";

export interface PlannedResource {
  type: string;
  name: string;
  apiVersion: string;
  properties: Record<string, unknown>;
  tags: Record<string, string>;
}

/** Resource types the simulator deploys, in the order it deploys them (dependsOn is not read). */
const DEPLOY_ORDER = ["microsoft.network/networkinterfaces", "microsoft.compute/virtualmachines", "microsoft.compute/virtualmachines/extensions"];

const invalid = (code: string, message: string) =>
  new ArmHttpError(400, {
    code: "InvalidTemplateDeployment",
    message: `The template deployment is not valid: ${message}`,
    details: [{ code, message }],
  });

export function planDeployment(
  device: SimDevice,
  resourceGroup: string,
  body: any,
): { resources: PlannedResource[]; parameters: Record<string, unknown> } {
  const props = body?.properties;
  if (!props || typeof props !== "object") throw armError(400, "InvalidRequestContent", "The request content was invalid: 'properties' is required.");
  if (props.mode && String(props.mode).toLowerCase() !== "incremental") {
    throw armError(400, "InvalidDeploymentMode", "The simulator supports only Incremental deployments.");
  }
  if (props.templateLink) throw armError(400, "InvalidTemplate", "templateLink is not supported by the simulator: send the template inline.");
  const template = props.template;
  if (!template || typeof template !== "object" || !Array.isArray(template.resources)) {
    throw armError(400, "InvalidTemplate", "Deployment template validation failed: the template has no 'resources' array.");
  }
  const given = (props.parameters ?? {}) as Record<string, { value?: unknown }>;
  const declared = (template.parameters ?? {}) as Record<string, { defaultValue?: unknown; type?: string }>;
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw invalid("InvalidTemplate", `The template parameter '${name}' is not declared in the template.`);
  }
  const ctx: TemplateContext = {
    subscriptionId: device.subscriptionId,
    resourceGroup,
    location: device.location,
    parameters: {},
    variables: {},
  };
  try {
    for (const [name, spec] of Object.entries(declared)) {
      if (name in given) ctx.parameters[name] = given[name]?.value;
      else if (spec && "defaultValue" in spec) ctx.parameters[name] = evaluateValue(ctx, spec.defaultValue);
      else throw invalid("InvalidTemplate", `The value for the template parameter '${name}' is not provided.`);
    }
    for (const [name, value] of Object.entries((template.variables ?? {}) as Record<string, unknown>)) {
      ctx.variables[name] = evaluateValue(ctx, value);
    }
    const resources: PlannedResource[] = (template.resources as any[]).map((raw) => {
      const type = String(evaluateValue(ctx, raw.type));
      const name = String(evaluateValue(ctx, raw.name));
      const apiVersion = String(evaluateValue(ctx, raw.apiVersion));
      const namespace = type.split("/")[0]!.toLowerCase();
      if (!DEPLOY_ORDER.includes(type.toLowerCase())) {
        throw invalid("NoRegisteredProviderFound", `The resource type '${type}' is not supported by the simulated device.`);
      }
      const versions = SUPPORTED_API_VERSIONS[namespace] ?? [];
      if (!versions.includes(apiVersion)) {
        throw invalid(
          "NoRegisteredProviderFound",
          `No registered resource provider found for location 'dbelocal' and API version '${apiVersion}' for type '${type}'. The supported api-versions are '${versions.join(", ")}'.`,
        );
      }
      return {
        type,
        name,
        apiVersion,
        properties: (evaluateValue(ctx, raw.properties ?? {}) ?? {}) as Record<string, unknown>,
        tags: (evaluateValue(ctx, raw.tags ?? {}) ?? {}) as Record<string, string>,
      };
    });
    resources.sort((a, b) => DEPLOY_ORDER.indexOf(a.type.toLowerCase()) - DEPLOY_ORDER.indexOf(b.type.toLowerCase()));
    const parameters = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, v]));
    return { resources, parameters };
  } catch (err) {
    if (err instanceof TemplateError) throw invalid("InvalidTemplate", err.message);
    throw err;
  }
}

export class DeploymentFailed extends Error {
  readonly code = "DeploymentFailed";
  constructor(readonly details: { code: string; message: string }[]) {
    super("At least one resource deployment operation failed. Please list deployment operations for details.");
  }
}

/** Deploys the resources in order; stops at the first failure like ARM does for dependents. */
export function runDeployment(device: SimDevice, resourceGroup: string, resources: PlannedResource[]): string[] {
  const ids: string[] = [];
  for (const resource of resources) {
    try {
      const type = resource.type.toLowerCase();
      if (type === "microsoft.network/networkinterfaces") {
        putNic(device, resourceGroup, resource.name, resource.properties);
      } else if (type === "microsoft.compute/virtualmachines") {
        putVm(device, resourceGroup, resource.name, resource.properties, resource.tags);
      } else {
        const [vm, ext] = resource.name.split("/");
        if (!vm || !ext) throw new ResourceError("InvalidTemplate", `Extension name '${resource.name}' must be 'vm/extension'.`);
        putExtension(device, resourceGroup, vm, ext, resource.properties);
      }
      const names = resource.name.split("/");
      const types = resource.type.split("/");
      ids.push(
        `/subscriptions/${device.subscriptionId}/resourceGroups/${resourceGroup}/providers/${types[0]}/` +
          types
            .slice(1)
            .map((t, i) => `${t}/${names[i]}`)
            .join("/"),
      );
    } catch (err) {
      const e = err as { code?: string; message?: string };
      throw new DeploymentFailed([{ code: e.code ?? "InternalServerError", message: e.message ?? String(err) }]);
    }
  }
  return ids;
}
