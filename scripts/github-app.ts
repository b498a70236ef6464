/**
 * Creates the GitHub App from github-app.yml with GitHub's app-manifest flow: writes an HTML
 * page whose form POSTs the manifest (as JSON) to GitHub's "new App" page, with the webhook
 * URL filled in. After creating the App, GitHub redirects to `redirect_url` with a `code`;
 * exchange it for the App's id, private key and webhook secret within an hour:
 *   curl -X POST https://api.github.com/app-manifests/CODE/conversions
 *
 * npm run github-app -- --webhook-url URL [--org ORG] [--github-url https://github.com]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse } from "yaml";

const { values } = parseArgs({
  options: {
    "webhook-url": { type: "string" },
    org: { type: "string" },
    "github-url": { type: "string", default: "https://github.com" },
  },
});

const webhookUrl = values["webhook-url"];
if (!webhookUrl || !/^https:\/\/[^\s/]+\/api\/github\/webhook$/.test(webhookUrl)) {
  console.error("usage: npm run github-app -- --webhook-url https://<app>.azurewebsites.net/api/github/webhook [--org ORG] [--github-url URL]");
  process.exit(1);
}
const manifest = parse(readFileSync(new URL("../github-app.yml", import.meta.url), "utf8")) as Record<string, unknown>;
const origin = new URL(webhookUrl).origin;
manifest.hook_attributes = { url: webhookUrl, active: true };
manifest.redirect_url = `${origin}/`;

const base = values["github-url"]!.replace(/\/+$/, "");
const action = values.org ? `${base}/organizations/${encodeURIComponent(values.org)}/settings/apps/new` : `${base}/settings/apps/new`;
const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
const page = `<!doctype html>
<meta charset="utf-8"><title>Create the ase-gitops GitHub App</title>
<form action="${escape(action)}" method="post">
  <input type="hidden" name="manifest" value="${escape(JSON.stringify(manifest))}">
  <p>Creates a GitHub App named <b>${escape(String(manifest.name))}</b> with webhook ${escape(webhookUrl)}.</p>
  <button type="submit">Create the GitHub App</button>
</form>
`;
const folder = new URL("../.cache/github-app/", import.meta.url);
mkdirSync(folder, { recursive: true });
writeFileSync(new URL("create.html", folder), page);
writeFileSync(new URL("manifest.json", folder), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote .cache/github-app/create.html and manifest.json (form posts to ${action})`);
