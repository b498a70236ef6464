/**
 * Which storage account the app talks to, and as whom: a connection string in
 * AzureWebJobsStorage (Azurite, keys), or the Functions host's identity-based settings
 * (`AzureWebJobsStorage__accountName`, `__blobServiceUri` / `__queueServiceUri` /
 * `__tableServiceUri`, `__credential`, `__clientId`, `__managedIdentityResourceId`), read
 * the same way so the host's triggers and our own clients use one account and one identity.
 * The host matches setting names case-insensitively, so we do too.
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";

export const STORAGE_SETTING = "AzureWebJobsStorage";

export interface StorageIdentity {
  /** `credential=managedidentity`: only the app's managed identity; otherwise DefaultAzureCredential (az login, env, managed identity). */
  managedIdentityOnly: boolean;
  /** A user-assigned identity, by client id or by resource id (never both). */
  clientId?: string;
  resourceId?: string;
}

export type StorageConnection =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; blobUrl: string; queueUrl: string; tableUrl: string; identity: StorageIdentity };

const SERVICES = ["blob", "queue", "table"] as const;
type Service = (typeof SERVICES)[number];

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/** One identity-based setting, e.g. part("accountName") reads AzureWebJobsStorage__accountName. */
function partsOf(env: Record<string, string | undefined>, prefix: string): Map<string, { name: string; value: string }> {
  const start = `${prefix.toLowerCase()}__`;
  const parts = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "" || !name.toLowerCase().startsWith(start)) continue;
    parts.set(name.slice(start.length).toLowerCase(), { name, value: value.trim() });
  }
  return parts;
}

const httpsUrl = (value: string): string | undefined => {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && !url.search && !url.hash ? url.href.replace(/\/+$/, "") : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Reads the storage settings. Returns the connection, or the problems (one line each, no
 * values echoed) when none or only part of one is configured.
 */
export function resolveStorageConnection(
  env: Record<string, string | undefined>,
  prefix: string = STORAGE_SETTING,
): { connection: StorageConnection; problems: [] } | { connection?: undefined; problems: string[] } {
  const connectionString = Object.entries(env)
    .find(([name, value]) => name.toLowerCase() === prefix.toLowerCase() && value)?.[1]
    ?.trim();
  const parts = partsOf(env, prefix);
  if (connectionString && parts.size > 0) {
    return {
      problems: [
        `${prefix} is set together with ${[...parts.values()].map((p) => p.name).join(", ")}: use either the connection string or the identity-based settings, not both`,
      ],
    };
  }
  if (connectionString) return { connection: { kind: "connectionString", connectionString }, problems: [] };
  if (parts.size === 0) {
    return {
      problems: [
        `${prefix} is required (storage connection string, UseDevelopmentStorage=true for Azurite), or ${prefix}__accountName (or ${prefix}__blobServiceUri, __queueServiceUri and __tableServiceUri) for a managed identity`,
      ],
    };
  }

  const problems: string[] = [];
  const account = parts.get("accountname");
  if (account && !ACCOUNT_NAME.test(account.value))
    problems.push(`${account.name} must be a storage account name (3-24 lowercase letters and digits)`);
  const urls = new Map<Service, string>();
  for (const service of SERVICES) {
    const part = parts.get(`${service}serviceuri`);
    if (part) {
      const url = httpsUrl(part.value);
      if (url) urls.set(service, url);
      else problems.push(`${part.name} must be an https URL such as https://ACCOUNT.${service}.core.windows.net`);
    } else if (account) {
      // The host's shorthand for public Azure; sovereign clouds and custom DNS set the URIs.
      urls.set(service, `https://${account.value}.${service}.core.windows.net`);
    } else {
      problems.push(
        `${prefix}__${service}ServiceUri is required with the other ${prefix}__*ServiceUri settings (the app uses blobs, queues and tables), or set ${prefix}__accountName`,
      );
    }
  }

  const credential = parts.get("credential");
  const clientId = parts.get("clientid");
  const resourceId = parts.get("managedidentityresourceid");
  const managedIdentityOnly = credential?.value.toLowerCase() === "managedidentity";
  if (credential && !managedIdentityOnly) problems.push(`${credential.name} must be managedidentity (or unset for DefaultAzureCredential)`);
  for (const part of [clientId, resourceId]) {
    if (part && !credential) problems.push(`${part.name} needs ${prefix}__credential=managedidentity (it names a user-assigned managed identity)`);
  }
  if (clientId && resourceId) problems.push(`${clientId.name} and ${resourceId.name} both name a user-assigned identity: set only one`);

  if (problems.length > 0) return { problems };
  return {
    connection: {
      kind: "identity",
      blobUrl: urls.get("blob")!,
      queueUrl: urls.get("queue")!,
      tableUrl: urls.get("table")!,
      identity: {
        managedIdentityOnly,
        ...(clientId ? { clientId: clientId.value } : {}),
        ...(resourceId ? { resourceId: resourceId.value } : {}),
      },
    },
    problems: [],
  };
}

/** The token credential for an identity-based connection (no network until a token is needed). */
export function storageCredential(identity: StorageIdentity): TokenCredential {
  if (identity.managedIdentityOnly) {
    if (identity.clientId) return new ManagedIdentityCredential({ clientId: identity.clientId });
    if (identity.resourceId) return new ManagedIdentityCredential({ resourceId: identity.resourceId });
    return new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential();
}

/** A non-secret description for logs: the account's endpoints or the redacted connection string. */
export function describeStorageConnection(connection: StorageConnection): string {
  if (connection.kind === "identity")
    return `${connection.queueUrl} (identity${connection.identity.managedIdentityOnly ? ": managed identity" : ""})`;
  return connection.connectionString.replace(/(AccountKey|SharedAccessSignature)=[^;]*/gi, "$1=***");
}
