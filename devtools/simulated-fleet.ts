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

/** Every manifest under `folder` (relative path -> text), pointed at the simulator. */
export async function simulatedFleetFiles(folder: string, endpoints: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of (await readdir(folder, { recursive: true })).sort()) {
    if (!/\.ya?ml$/i.test(entry)) continue;
    const text = await readFile(join(folder, entry), "utf8");
    files[relative(folder, join(folder, entry)).split("\\").join("/")] = pointAtSimulator(text, endpoints);
  }
  return files;
}

/** The credential settings the manifests name (`spec.arm.credential`). */
export function credentialSettings(files: Record<string, string>): string[] {
  const names = new Set<string>();
  for (const text of Object.values(files)) {
    for (const match of text.matchAll(/^\s*credential:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/gm)) names.add(match[1]!);
  }
  return [...names].sort();
}
