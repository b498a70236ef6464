/**
 * App settings for the local runtime, as Core Tools reads them: `local.settings.json`
 * (its `Values`), falling back to `local.settings.sample.json`. The process environment wins,
 * so one setting can be overridden without editing the file.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const LocalSettingsFile = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  Host: z.object({ LocalHttpPort: z.number().int().optional() }).optional(),
});

export interface LocalSettings {
  file: string;
  values: Record<string, string>;
  httpPort?: number;
}

export async function readLocalSettings(root: string): Promise<LocalSettings> {
  for (const name of ["local.settings.json", "local.settings.sample.json"]) {
    const path = join(root, name);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue;
    }
    const parsed = LocalSettingsFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${name} is invalid: ${parsed.error.issues[0]!.message}`);
    if (parsed.data.IsEncrypted) throw new Error(`${name} is encrypted; the local runtime reads plain settings only`);
    return { file: path, values: parsed.data.Values, httpPort: parsed.data.Host?.LocalHttpPort };
  }
  return { file: "(none)", values: {} };
}

/** Settings for the app: file values under the environment's. */
export function mergeSettings(file: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const merged: Record<string, string> = { ...file };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}
