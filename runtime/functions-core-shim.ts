/**
 * Stands in for `@azure/functions-core`, the module the Functions Node.js worker provides at
 * run time, so the app's own `app.http(...)` / `app.storageQueue(...)` registrations are
 * recorded exactly as the host would receive them (same metadata, same bindings). The worker
 * does the same thing: it intercepts `require` for that one module name.
 */
import Module from "node:module";

export interface BindingMetadata {
  type: string;
  direction: "in" | "out" | "inout";
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
  [key: string]: unknown;
}

export type RegisteredHandler = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  handler: RegisteredHandler;
  trigger: BindingMetadata;
}

export interface FunctionsRegistry {
  functions: RegisteredFunction[];
  hooks: Map<string, Array<(context: unknown) => unknown>>;
  /** What @azure/functions announced itself as (`{ name, version }`). */
  programmingModel?: { name?: string; version?: string };
}

const CORE_MODULE = "@azure/functions-core";
let installed: FunctionsRegistry | undefined;

/** Installs the stand-in once per process and returns what the app registers through it. */
export function installFunctionsCore(): FunctionsRegistry {
  if (installed) return installed;
  const registry: FunctionsRegistry = { functions: [], hooks: new Map() };
  const core = {
    version: "ase-gitops-local-runtime",
    hostVersion: "4.x (ase-gitops local runtime)",
    setProgrammingModel: (model: { name?: string; version?: string }) => {
      registry.programmingModel = model;
    },
    getProgrammingModel: () => registry.programmingModel,
    registerFunction(metadata: FunctionMetadata, handler: RegisteredHandler) {
      const trigger = Object.values(metadata.bindings).find((b) => b.type.toLowerCase().endsWith("trigger"));
      if (!trigger) throw new Error(`function ${metadata.name} has no trigger binding`);
      if (registry.functions.some((f) => f.metadata.name === metadata.name)) {
        throw new Error(`a function named ${metadata.name} is already registered`);
      }
      registry.functions.push({ metadata, handler, trigger });
      return {
        dispose: () =>
          registry.functions.splice(
            registry.functions.findIndex((f) => f.metadata === metadata),
            1,
          ),
      };
    },
    registerHook(name: string, callback: (context: unknown) => unknown) {
      const list = registry.hooks.get(name) ?? [];
      list.push(callback);
      registry.hooks.set(name, list);
      return { dispose: () => list.splice(list.indexOf(callback), 1) };
    },
    log: (level: string, category: string, message: string) => {
      if (level === "error" || level === "warning") console.error(`[${category}] ${message}`);
    },
  };
  const originalRequire = Module.prototype.require;
  Module.prototype.require = function patchedRequire(this: NodeJS.Module, id: string) {
    if (id === CORE_MODULE) return core;
    return originalRequire.call(this, id);
  } as typeof Module.prototype.require;
  installed = registry;
  return registry;
}
