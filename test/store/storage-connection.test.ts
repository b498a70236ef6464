/**
 * Storage settings: which URLs and which credential each client gets from a connection
 * string or from the Functions host's identity-based AzureWebJobsStorage__* settings.
 * Azurite is still reached through its connection string.
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../shared/composition/settings.js";
import { createBlobServiceClient, createQueueServiceClient, createStorageClients } from "../../shared/adapters/store/storage-clients.js";
import { resolveStorageConnection, storageCredential } from "../../shared/adapters/store/storage-connection.js";
import { type Azurite, startAzurite } from "../helpers/azurite.js";

const app = { GITHUB_WEBHOOK_SECRET: "0123456789abcdef-secret", GITHUB_TOKEN: "t", ASE_GITOPS_REPOSITORIES: "o/r" };

const problemsOf = (env: Record<string, string>) => {
  try {
    loadSettings({ ...app, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  return [];
};

describe("identity-based storage settings", () => {
  it("derives the three endpoints from AzureWebJobsStorage__accountName, with DefaultAzureCredential", () => {
    const settings = loadSettings({ ...app, AzureWebJobsStorage__accountName: "stfleet01" });
    expect(settings.storage).toEqual({
      kind: "identity",
      blobUrl: "https://stfleet01.blob.core.windows.net",
      queueUrl: "https://stfleet01.queue.core.windows.net",
      tableUrl: "https://stfleet01.table.core.windows.net",
      identity: { managedIdentityOnly: false },
    });
    expect(settings.storageConnection).toBe("");
    expect(storageCredential(settings.storage.kind === "identity" ? settings.storage.identity : { managedIdentityOnly: false })).toBeInstanceOf(
      DefaultAzureCredential,
    );
  });

  it("takes the explicit service URIs (sovereign clouds, custom DNS) over the account name, matching names as the host does", () => {
    const resolved = resolveStorageConnection({
      azurewebjobsstorage__accountname: "stfleet01",
      AzureWebJobsStorage__queueServiceUri: "https://stfleet01.queue.core.usgovcloudapi.net/",
    });
    expect(resolved.connection).toMatchObject({
      kind: "identity",
      queueUrl: "https://stfleet01.queue.core.usgovcloudapi.net",
      tableUrl: "https://stfleet01.table.core.windows.net",
    });
  });

  it("gives every client its own service URL and a managed-identity credential for a user-assigned identity", () => {
    const resolved = resolveStorageConnection({
      AzureWebJobsStorage__blobServiceUri: "https://st.blob.core.windows.net",
      AzureWebJobsStorage__queueServiceUri: "https://st.queue.core.windows.net",
      AzureWebJobsStorage__tableServiceUri: "https://st.table.core.windows.net",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
    });
    const connection = resolved.connection!;
    expect(connection).toMatchObject({ kind: "identity", identity: { managedIdentityOnly: true, clientId: "00000000-0000-0000-0000-000000000001" } });
    const queues = createQueueServiceClient(connection);
    expect(queues.url).toMatch(/^https:\/\/st\.queue\.core\.windows\.net\/?$/);
    // The queue client keeps its credential protected; reading it is the plain way to see which one it got.
    expect((queues as unknown as { credential: unknown }).credential).toBeInstanceOf(ManagedIdentityCredential);
    const blobs = createBlobServiceClient(connection);
    expect(blobs.url).toMatch(/^https:\/\/st\.blob\.core\.windows\.net\/?$/);
    expect(blobs.credential).toBeInstanceOf(ManagedIdentityCredential);
    const clients = createStorageClients(connection);
    expect(clients.queue("apply-jobs").url).toBe("https://st.queue.core.windows.net/apply-jobs");
    expect(clients.table("deliveries").url).toBe("https://st.table.core.windows.net");
    expect(clients.table("deliveries").tableName).toBe("deliveries");
  });

  it("reports partial or conflicting identity settings, one line each, without echoing values", () => {
    const partial = problemsOf({ AzureWebJobsStorage__queueServiceUri: "https://st.queue.core.windows.net" });
    expect(partial).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage__blobServiceUri is required with the other/),
      expect.stringMatching(/^AzureWebJobsStorage__tableServiceUri is required with the other/),
    ]);
    expect(problemsOf({ AzureWebJobsStorage__accountName: "Not_An_Account" })).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage__accountName must be a storage account name/),
    ]);
    expect(problemsOf({ AzureWebJobsStorage__accountName: "st1", AzureWebJobsStorage__blobServiceUri: "http://st1.blob.core.windows.net" })).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage__blobServiceUri must be an https URL/),
    ]);
    expect(problemsOf({ AzureWebJobsStorage__accountName: "st1", AzureWebJobsStorage__clientId: "abc" })).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage__clientId needs AzureWebJobsStorage__credential=managedidentity/),
    ]);
    expect(problemsOf({ AzureWebJobsStorage__accountName: "st1", AzureWebJobsStorage__credential: "clientsecret" })).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage__credential must be managedidentity/),
    ]);
    const both = problemsOf({
      AzureWebJobsStorage__accountName: "st1",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "a",
      AzureWebJobsStorage__managedIdentityResourceId: "/subscriptions/x",
    });
    expect(both).toEqual([expect.stringMatching(/both name a user-assigned identity: set only one$/)]);
    const conflict = problemsOf({
      AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=st1;AccountKey=c2VjcmV0",
      AzureWebJobsStorage__accountName: "st1",
    });
    expect(conflict).toEqual([expect.stringMatching(/^AzureWebJobsStorage is set together with AzureWebJobsStorage__accountName: use either/)]);
    expect(conflict.join("\n")).not.toContain("c2VjcmV0");
  });

  it("treats empty identity settings as unset (as the portal and local.settings.json write them)", () => {
    const settings = loadSettings({ ...app, AzureWebJobsStorage: "UseDevelopmentStorage=true", AzureWebJobsStorage__accountName: "" } as Record<
      string,
      string
    >);
    expect(settings.storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
    expect(settings.storageConnection).toBe("UseDevelopmentStorage=true");
  });
});

describe("connection-string storage against Azurite", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it("reaches Azurite's queues, tables and blobs through the connection string in settings", async () => {
    const settings = loadSettings({ ...app, AzureWebJobsStorage: azurite.connectionString });
    expect(settings.storage.kind).toBe("connectionString");
    const clients = createStorageClients(settings.storage);
    const queue = clients.queue("storage-connection-test");
    await queue.createIfNotExists();
    await queue.sendMessage("hello");
    expect((await queue.receiveMessages()).receivedMessageItems[0]?.messageText).toBe("hello");
    const table = clients.table("storageconnectiontest");
    await table.createTable();
    await table.upsertEntity({ partitionKey: "p", rowKey: "r", value: 1 });
    expect((await table.getEntity<{ value: number }>("p", "r")).value).toBe(1);
    const container = createBlobServiceClient(settings.storage).getContainerClient("storage-connection-test");
    await container.createIfNotExists();
    expect(await container.exists()).toBe(true);
  });
});
