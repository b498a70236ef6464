/**
 * Points a fleet's manifests at the device simulator: each device's `spec.arm.endpoint`
 * becomes its simulator URL. Comments and layout stay as written (the yaml Document API).
 */
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { isMap, parseAllDocuments } from "yaml";

/** Rewrites every EdgeDevice document of one manifest file. */
export function pointAtSimulator(text: string, endpoints: Readonly<Record<string, string>>): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return text;
  return docs
    .map((doc) => {
      const name = doc.getIn(["metadata", "name"]);
      if (doc.get("kind") === "EdgeDevice" && typeof name === "string" && endpoints[name] && isMap(doc.getIn(["spec", "arm"], true))) {
        doc.setIn(["spec", "arm", "endpoint"], endpoints[name]);
      }
      return doc.toString();
    })
    .join("");
}

/**
 * Every file under `folder` (relative path -> text): manifests pointed at the simulator, the
 * files they name (ssh keys, cloud-init) as they are.
 */
export async function simulatedFleetFiles(folder: string, endpoints: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of (await readdir(folder, { recursive: true, withFileTypes: true })).sort((a, b) =>
    a.parentPath + a.name < b.parentPath + b.name ? -1 : 1,
  )) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, "utf8");
    const name = relative(folder, path).split("\\").join("/");
    files[name] = /\.ya?ml$/i.test(entry.name) && /^kind:\s*EdgeDevice\s*$/m.test(text) ? pointAtSimulator(text, endpoints) : text;
  }
  return files;
}

/** The device credential settings the manifests name (`spec.arm.credential`). */
export function credentialSettings(files: Record<string, string>): string[] {
  const names = new Set<string>();
  for (const text of Object.values(files)) {
    for (const match of text.matchAll(/^\s*credential:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/gm)) names.add(match[1]!);
  }
  const vm = new Set(vmPasswordSettings(files));
  return [...names].filter((n) => !vm.has(n)).sort();
}

/** The VM admin password settings the manifests name (`adminPassword: { credential }`, either YAML style). */
export function vmPasswordSettings(files: Record<string, string>): string[] {
  const names = new Set<string>();
  for (const text of Object.values(files)) {
    for (const match of text.matchAll(/adminPassword:\s*(?:\{\s*)?credential:\s*([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]!);
  }
  return [...names].sort();
}
