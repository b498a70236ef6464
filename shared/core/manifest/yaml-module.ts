/**
 * The `yaml` package, loaded on first use (issue 16): only the positional path needs it, and
 * a plan whose manifests are all valid never takes that path, so startup skips its ~150 ms.
 * Loaded with require (yaml ships CommonJS for Node) so the positional path stays synchronous.
 */
import { createRequire } from "node:module";

type Yaml = typeof import("yaml");
let loaded: Yaml | undefined;

export function yamlModule(): Yaml {
  return (loaded ??= createRequire(import.meta.url)("yaml") as Yaml);
}
