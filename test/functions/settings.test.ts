/** App settings: one clear message per problem, defaults, App vs token auth. */
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../shared/composition/settings.js";

const base = {
  GITHUB_WEBHOOK_SECRET: "0123456789abcdef-secret",
  GITHUB_TOKEN: "ghp_abc",
  ASE_GITOPS_REPOSITORIES: "contoso/edge-fleet, contoso/lab-fleet",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};

const problems = (env: Record<string, string | undefined>) => {
  try {
    loadSettings(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
};

describe("settings", () => {
  it("reads a minimal token setup with defaults", () => {
    const settings = loadSettings(base);
    expect(settings).toMatchObject({
      webhookSecrets: [base.GITHUB_WEBHOOK_SECRET],
      githubAuth: { kind: "token", token: "ghp_abc" },
      githubApiUrl: "https://api.github.com",
      repositories: ["contoso/edge-fleet", "contoso/lab-fleet"],
      allowedEndpoints: [],
      fleetPath: "",
    });
    expect(settings.gitCache.startsWith(tmpdir())).toBe(true);
  });

  it("lists every missing setting at once, one line each", () => {
    const list = problems({});
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GITHUB_WEBHOOK_SECRET is required/),
        expect.stringMatching(/^ASE_GITOPS_REPOSITORIES is required/),
        expect.stringMatching(/^AzureWebJobsStorage is required/),
        expect.stringMatching(/^GITHUB_TOKEN is required unless GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY are set/),
      ]),
    );
    expect(list).toHaveLength(4);
  });

  it("names wrong values without echoing secrets", () => {
    const list = problems({
      ...base,
      GITHUB_WEBHOOK_SECRET: "short",
      ASE_GITOPS_REPOSITORIES: "not-a-repo",
      GITHUB_API_URL: "ftp://x",
      ASE_GITOPS_ALLOWED_ENDPOINTS: "http://insecure.example.com",
    });
    expect(list.some((p) => p.startsWith("GITHUB_WEBHOOK_SECRET must be at least 16"))).toBe(true);
    expect(list.some((p) => p.startsWith("ASE_GITOPS_REPOSITORIES") && /owner\/name/.test(p))).toBe(true);
    expect(list.some((p) => p.startsWith("GITHUB_API_URL"))).toBe(true);
    expect(list.some((p) => p.startsWith("ASE_GITOPS_ALLOWED_ENDPOINTS"))).toBe(true);
    expect(list.join("\n")).not.toContain("short");
  });

  it("uses the GitHub App when configured, and wants both halves", () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 1024,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const escaped = privateKey.replace(/\n/g, "\\n");
    const settings = loadSettings({
      ...base,
      GITHUB_TOKEN: "",
      GITHUB_APP_ID: "123",
      GITHUB_APP_PRIVATE_KEY: escaped,
      GITHUB_WEBHOOK_SECRET_PREVIOUS: "previous-secret-123456",
    });
    expect(settings.githubAuth).toEqual({ kind: "app", appId: "123", privateKey });
    expect(settings.webhookSecrets).toHaveLength(2);
    expect(problems({ ...base, GITHUB_TOKEN: undefined, GITHUB_APP_ID: "123" })).toEqual(["GITHUB_APP_PRIVATE_KEY is required with GITHUB_APP_ID"]);
  });

  it("accepts endpoint patterns and a fleet folder", () => {
    const settings = loadSettings({
      ...base,
      ASE_GITOPS_ALLOWED_ENDPOINTS: "*.contoso.com, https://10.0.0.5:8443 management.lab.local",
      ASE_GITOPS_FLEET_PATH: "./fleet/",
    });
    expect(settings.allowedEndpoints).toEqual(["*.contoso.com", "10.0.0.5", "management.lab.local"]);
    expect(settings.fleetPath).toBe("fleet");
    expect(problems({ ...base, ASE_GITOPS_FLEET_PATH: "../etc" })).toHaveLength(1);
    expect(problems({ ...base, ASE_GITOPS_DEVICE_CA: "/no/such/ca.pem" })).toEqual([
      expect.stringMatching(/^ASE_GITOPS_DEVICE_CA must be PEM text or the path/),
    ]);
  });
});
