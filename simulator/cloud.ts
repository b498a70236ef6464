/**
 * The cloud side: an Azure AD-like token service for the client-credentials grant under
 * `/cloud-login/{tenant}` and the `Microsoft.DataBoxEdge` provider under `/cloud`, where a
 * device is found by its cloud resource name (spec.dataBoxEdge.name, default
 * metadata.name). Cloud tokens are kept apart from the devices' ADFS tokens: neither is
 * accepted where the other is expected.
 */
import { randomBytes } from "node:crypto";
import { ArmHttpError, armError } from "./arm-errors.js";
import type { ArmContext, ArmRequest, ArmResponse } from "./arm-context.js";
import { operationStatus } from "./arm-routes.js";
import { handleDataBoxEdge } from "./databoxedge-routes.js";
import type { SimDevice } from "./device-state.js";
import type { OperationRegistry } from "./operations.js";

export interface CloudResource {
  device: SimDevice;
  /** The resource name the device answers to under /cloud. */
  name: string;
  /** From the manifest's spec.dataBoxEdge; absent = any subscription / resource group. */
  subscriptionId?: string;
  resourceGroup?: string;
}

export interface CloudConfig {
  clientId: string;
  clientSecret: string;
  tokenLifetimeSec: number;
  /** Lower-cased resource name -> device. */
  resources: Map<string, CloudResource>;
  /** Live cloud access tokens -> expiry (ms). */
  tokens: Map<string, number>;
}

export function cloudOpenIdConfiguration(authority: string): unknown {
  return {
    issuer: `${authority}/v2.0`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["client_credentials", "refresh_token"],
    subject_types_supported: ["pairwise"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    tenant_region_scope: "WW",
  };
}

export function cloudTokenRequest(form: URLSearchParams, config: CloudConfig): { status: number; body: unknown } {
  const grant = form.get("grant_type");
  if (grant !== "client_credentials") {
    return {
      status: 400,
      body: { error: "unsupported_grant_type", error_description: `AADSTS70003: The app requested an unsupported grant type '${grant}'.` },
    };
  }
  if (form.get("client_id") !== config.clientId) {
    return {
      status: 400,
      body: {
        error: "unauthorized_client",
        error_description: `AADSTS700016: Application with identifier '${form.get("client_id")}' was not found in the directory.`,
      },
    };
  }
  if (form.get("client_secret") !== config.clientSecret) {
    return { status: 401, body: { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." } };
  }
  const accessToken = `simc.${randomBytes(24).toString("base64url")}`;
  config.tokens.set(accessToken, Date.now() + config.tokenLifetimeSec * 1000);
  return {
    status: 200,
    body: { token_type: "Bearer", expires_in: config.tokenLifetimeSec, ext_expires_in: config.tokenLifetimeSec, access_token: accessToken },
  };
}

export type CloudTarget = { device: SimDevice; subscriptionId: string; name: string } | { error: ArmHttpError };

/**
 * The device a `/cloud/...` request is for: by the resource name in the path, or, for an
 * operation status URL, by the operation's device.
 */
export function resolveCloud(config: CloudConfig, operations: OperationRegistry, devices: Map<string, SimDevice>, segments: string[]): CloudTarget {
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] !== "subscriptions" || !lower[1])
    return {
      error: armError(
        404,
        "NotFound",
        "Use /cloud/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataBoxEdge/dataBoxEdgeDevices/{name}/...",
      ),
    };
  // /subscriptions/{s}/providers/{ns}/locations/{loc}/operations|operationResults/{id}
  if (lower[2] === "providers" && lower[4] === "locations" && (lower[6] === "operations" || lower[6] === "operationresults") && lower.length === 8) {
    const op = operations.get(segments[7]!);
    const device = op ? devices.get(op.device.toLowerCase()) : undefined;
    if (!device) return { error: armError(404, "NotFound", `Operation '${segments[7]}' was not found.`) };
    const resource = [...config.resources.values()].find((r) => r.device === device);
    return { device, subscriptionId: segments[1]!, name: resource?.name ?? device.name };
  }
  if (
    lower[2] !== "resourcegroups" ||
    !lower[3] ||
    lower[4] !== "providers" ||
    lower[5] !== "microsoft.databoxedge" ||
    lower[6] !== "databoxedgedevices" ||
    !lower[7]
  ) {
    return {
      error: armError(
        404,
        "NotFound",
        `No route for '/${segments.join("/")}' on the cloud prefix: only Microsoft.DataBoxEdge/dataBoxEdgeDevices is served.`,
      ),
    };
  }
  const resource = config.resources.get(lower[7]);
  if (!resource)
    return {
      error: armError(
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.DataBoxEdge/dataBoxEdgeDevices/${segments[7]}' under resource group '${segments[3]}' was not found.`,
      ),
    };
  if (resource.subscriptionId && resource.subscriptionId.toLowerCase() !== lower[1]) {
    return { error: armError(404, "SubscriptionNotFound", `The subscription '${segments[1]}' could not be found.`) };
  }
  if (resource.resourceGroup && resource.resourceGroup.toLowerCase() !== lower[3]) {
    return { error: armError(404, "ResourceGroupNotFound", `Resource group '${segments[3]}' could not be found.`) };
  }
  return { device: resource.device, subscriptionId: segments[1]!, name: resource.name };
}

/** A resolved `/cloud/...` request: operation status, or the DataBoxEdge provider. */
export function handleCloud(ctx: ArmContext, req: ArmRequest): ArmResponse {
  const { lower, segments } = req;
  if (lower[2] === "providers") return operationStatus(ctx, segments[7]!, lower[6] === "operationresults");
  return handleDataBoxEdge(ctx, req, segments.slice(6), lower.slice(6));
}
