/**
 * Timer triggers on NCRONTAB schedules (six fields, seconds first; `%SETTING%` allowed), as
 * the host runs them: one invocation at a time per function, `runOnStartup` honoured. An
 * empty schedule setting disables the timer (how this app keeps timers off by default).
 */
import { randomUUID } from "node:crypto";
import functions from "@azure/functions";
import { CronExpressionParser } from "cron-parser";
import type { RegisteredFunction } from "./functions-core-shim.js";
import { logHandlerFor, type RuntimeLog } from "./runtime-log.js";

const { InvocationContext } = functions;

export interface TimerRunner {
  schedule: string;
  stop(): Promise<void>;
}

export function startTimer(fn: RegisteredFunction, schedule: string, log: RuntimeLog): TimerRunner {
  const interval = CronExpressionParser.parse(schedule, { tz: "UTC" });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let last = new Date();

  const invoke = async (isPastDue: boolean) => {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: fn.metadata.name,
      logHandler: logHandlerFor(log, fn.metadata.name),
    });
    const now = new Date();
    try {
      await fn.handler(
        {
          isPastDue,
          schedule: { adjustForDST: false },
          scheduleStatus: { last: last.toISOString(), next: interval.next().toISOString(), lastUpdated: now.toISOString() },
        },
        context,
      );
    } catch (error) {
      log.error(`[${fn.metadata.name}] ${(error as Error).message}`);
    }
    interval.reset(new Date());
    last = now;
  };

  const arm = () => {
    if (stopped) return;
    const next = CronExpressionParser.parse(schedule, { tz: "UTC", currentDate: new Date() }).next().getTime();
    timer = setTimeout(
      () => {
        running = invoke(false).finally(arm);
      },
      Math.max(0, next - Date.now()),
    );
  };

  if (fn.trigger.runOnStartup === true) running = invoke(false).finally(arm);
  else arm();

  return {
    schedule,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
