/**
 * The device's token service (ADFS): OpenID discovery and the OAuth2 token endpoint with
 * the password grant (user EdgeArmUser) and refresh tokens. Tokens are opaque, per device,
 * with an expiry; the ARM side accepts only live tokens of its own device.
 */
import { randomBytes } from "node:crypto";
import type { SimDevice } from "./device-state.js";

export const ARM_USER = "EdgeArmUser";
export const DEVICE_TENANT_ID = "c0257de7-538f-415c-993a-1b87a031879d";

export interface AdfsConfig {
  password: string;
  tokenLifetimeSec: number;
}

export interface AdfsResponse {
  status: number;
  body: unknown;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** An unsigned id_token: MSAL decodes it for the account, it does not verify ADFS signatures. */
function idToken(issuer: string, clientId: string, lifetimeSec: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: clientId,
    iss: issuer,
    iat: now,
    nbf: now,
    exp: now + lifetimeSec,
    sub: "edgearmuser",
    upn: ARM_USER,
    unique_name: ARM_USER,
    oid: "00000000-0000-0000-0000-00000000a5e0",
    tid: DEVICE_TENANT_ID,
  };
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
}

export function openIdConfiguration(authority: string): unknown {
  return {
    issuer: authority,
    authorization_endpoint: `${authority}/oauth2/authorize/`,
    token_endpoint: `${authority}/oauth2/token/`,
    jwks_uri: `${authority}/discovery/keys`,
    end_session_endpoint: `${authority}/oauth2/logout`,
    response_types_supported: ["code", "id_token", "code id_token", "token"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", "password"],
    subject_types_supported: ["pairwise"],
    scopes_supported: ["openid", "profile", "email", "offline_access", "user_impersonation"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "private_key_jwt"],
    access_token_issuer: "http://simulator/adfs/services/trust",
  };
}

const refreshTokens = new WeakMap<SimDevice, Map<string, number>>();

export function tokenRequest(device: SimDevice, authority: string, form: URLSearchParams, config: AdfsConfig): AdfsResponse {
  const grant = form.get("grant_type");
  const clientId = form.get("client_id") ?? "";
  const refreshes = refreshTokens.get(device) ?? new Map<string, number>();
  refreshTokens.set(device, refreshes);
  if (grant === "password") {
    const user = (form.get("username") ?? "").replace(/^.*\\/, "");
    if (user.toLowerCase() !== ARM_USER.toLowerCase() || form.get("password") !== config.password) {
      return { status: 400, body: { error: "invalid_grant", error_description: "MSIS9659: Invalid 'username' or 'password'." } };
    }
  } else if (grant === "refresh_token") {
    const expiry = refreshes.get(form.get("refresh_token") ?? "");
    if (!expiry || expiry < Date.now()) {
      return {
        status: 400,
        body: { error: "invalid_grant", error_description: "MSIS9615: The refresh token received in 'refresh_token' parameter is invalid." },
      };
    }
  } else {
    return { status: 400, body: { error: "unsupported_grant_type", error_description: `MSIS9611: The grant type '${grant}' is not supported.` } };
  }
  const accessToken = `sim.${device.name}.${randomBytes(24).toString("base64url")}`;
  const refreshToken = `simr.${randomBytes(24).toString("base64url")}`;
  device.tokens.set(accessToken, Date.now() + config.tokenLifetimeSec * 1000);
  refreshes.set(refreshToken, Date.now() + 8 * 3600_000);
  return {
    status: 200,
    body: {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: config.tokenLifetimeSec,
      refresh_token: refreshToken,
      refresh_token_expires_in: 8 * 3600,
      id_token: idToken(authority, clientId, config.tokenLifetimeSec),
      scope: form.get("scope") ?? "openid",
    },
  };
}

export type TokenCheck = "ok" | "missing" | "invalid" | "expired";

export function checkBearer(device: SimDevice, header: string | undefined): TokenCheck {
  return checkBearerIn(device.tokens, header);
}

/** The same check against any token table (the cloud token service keeps its own). */
export function checkBearerIn(tokens: ReadonlyMap<string, number>, header: string | undefined): TokenCheck {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!m) return "missing";
  const expiry = tokens.get(m[1]!);
  if (expiry === undefined) return "invalid";
  if (expiry <= Date.now()) return "expired";
  return "ok";
}
