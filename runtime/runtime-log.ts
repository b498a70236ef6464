/** Where the local runtime and the functions it hosts write their logs. */
import type { LogHandler } from "@azure/functions";

export interface RuntimeLog {
  info(message: string): void;
  error(message: string): void;
}

export const consoleLog: RuntimeLog = {
  info: (message) => console.log(message),
  error: (message) => console.error(message),
};

export const silentLog: RuntimeLog = { info: () => undefined, error: () => undefined };

/** Routes a function's context.log/warn/error to the runtime log, tagged with its name. */
export function logHandlerFor(log: RuntimeLog, functionName: string): LogHandler {
  return (level, ...args) => {
    const text = `[${functionName}] ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ")}`;
    if (level === "error" || level === "warning" || level === "critical") log.error(text);
    else if (level !== "trace" && level !== "debug") log.info(text);
  };
}
