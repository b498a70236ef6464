/**
 * github-app.yml is valid YAML in GitHub's app-manifest format (the keys Probot's Manifest
 * type and GitHub's docs list), asks for the permissions and events the controller uses,
 * and a plan of the repository root ignores it rather than reporting an invalid device.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { z } from "zod";
import { parseManifestText } from "../../shared/core/manifest/load.js";

const ROOT = join(import.meta.dirname, "../..");

const AppManifest = z.strictObject({
  name: z.string().min(1).max(34),
  url: z.url(),
  description: z.string().optional(),
  public: z.boolean().optional(),
  hook_attributes: z.strictObject({ url: z.url(), active: z.boolean().optional() }).optional(),
  redirect_url: z.url().optional(),
  callback_urls: z.array(z.url()).max(10).optional(),
  setup_url: z.url().optional(),
  setup_on_update: z.boolean().optional(),
  request_oauth_on_install: z.boolean().optional(),
  default_permissions: z.record(z.string(), z.enum(["read", "write", "admin"])).optional(),
  default_events: z.array(z.string()).optional(),
});

describe("github-app.yml", () => {
  it("is valid YAML in the app-manifest format with the permissions and events the controller needs", async () => {
    const text = await readFile(join(ROOT, "github-app.yml"), "utf8");
    const doc = parseDocument(text, { uniqueKeys: true });
    expect(doc.errors).toEqual([]);
    const manifest = AppManifest.parse(doc.toJS());
    expect(manifest.default_permissions).toEqual({ checks: "write", pull_requests: "write", issues: "write", contents: "read", metadata: "read" });
    expect(manifest.default_events).toEqual(["pull_request", "push", "check_run", "repository_dispatch"]);
    expect(manifest.hook_attributes?.url).toMatch(/\/api\/github\/webhook$/);
  });

  it("is not mistaken for a device manifest", async () => {
    const text = await readFile(join(ROOT, "github-app.yml"), "utf8");
    expect(parseManifestText(text, "github-app.yml")).toEqual({ devices: [], invalid: [] });
  });

  it("npm run github-app writes a form that posts the manifest with the given webhook URL", async () => {
    const run = promisify(execFile);
    await run(
      process.execPath,
      [
        join(ROOT, "node_modules/tsx/dist/cli.mjs"),
        "scripts/github-app.ts",
        "--webhook-url",
        "https://fleet.example.net/api/github/webhook",
        "--org",
        "contoso",
      ],
      { cwd: ROOT },
    );
    const page = await readFile(join(ROOT, ".cache/github-app/create.html"), "utf8");
    expect(page).toContain('action="https://github.com/organizations/contoso/settings/apps/new"');
    const manifest = JSON.parse(await readFile(join(ROOT, ".cache/github-app/manifest.json"), "utf8"));
    expect(manifest.hook_attributes).toEqual({ url: "https://fleet.example.net/api/github/webhook", active: true });
    expect(AppManifest.safeParse(manifest).success).toBe(true);
  });
});
