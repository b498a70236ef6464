import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_DEQUEUE_COUNT, queueJob } from "../../functions/runtime/queue-job.js";
import { MessageTooLargeError } from "../../shared/adapters/store/job-queue.js";
import { GitHubError } from "../../shared/adapters/github/errors.js";
import { DeviceError } from "../../shared/core/errors/device-error.js";
import { type CapturedLog, invocationContext } from "../helpers/functions-host.js";

const Job = z.object({ id: z.string() });

function handlerThrowing(error: unknown, seen: Array<{ attempt: number; maxAttempts: number }> = []) {
  return queueJob({
    queue: "test-jobs",
    schema: Job,
    describe: (job) => job.id,
    run: async (_job, { attempt, maxAttempts }) => {
      seen.push({ attempt, maxAttempts });
      if (error) throw error;
      return { done: true };
    },
  });
}

describe("queueJob: the one retry-or-drop rule of every queue function", () => {
  it("completes a terminal failure (a message that can never fit is not sent five times)", async () => {
    const logs: CapturedLog[] = [];
    await expect(
      handlerThrowing(new MessageTooLargeError("apply-jobs", 70_000))({ id: "a" }, invocationContext("t", {}, logs)),
    ).resolves.toBeUndefined();
    expect(logs.map((l) => l.message).join("\n")).toMatch(/test-jobs a \(try 1\): QUEUE_MESSAGE_TOO_LARGE: .*terminal: not retried/);
    await expect(handlerThrowing(new DeviceError("NO_ARM_SPEC", "no arm", false))({ id: "b" }, invocationContext("t"))).resolves.toBeUndefined();
  });

  it("rethrows a transient failure so the queue tries again", async () => {
    const error = new GitHubError("GITHUB_UNAVAILABLE", "503", true, 503);
    await expect(handlerThrowing(error)({ id: "a" }, invocationContext("t", { dequeueCount: 3 }))).rejects.toBe(error);
  });

  it("rethrows an unclassified error with its stack in the log: dropping it could lose work", async () => {
    const logs: CapturedLog[] = [];
    const error = new TypeError("x is undefined");
    await expect(handlerThrowing(error)({ id: "a" }, invocationContext("t", {}, logs))).rejects.toBe(error);
    expect(logs.map((l) => l.message).join("\n")).toMatch(/UNCLASSIFIED: x is undefined\nTypeError: x is undefined\n\s+at /);
  });

  it("drops an invalid message without running it, and passes the try number to a valid one", async () => {
    const seen: Array<{ attempt: number; maxAttempts: number }> = [];
    const logs: CapturedLog[] = [];
    await handlerThrowing(undefined, seen)({ nope: 1 }, invocationContext("t", {}, logs));
    expect(seen).toEqual([]);
    expect(logs.map((l) => l.message).join("\n")).toMatch(/test-jobs: dropping an invalid message: id: /);
    await handlerThrowing(undefined, seen)({ id: "a" }, invocationContext("t", { dequeueCount: 4 }));
    expect(seen).toEqual([{ attempt: 4, maxAttempts: MAX_DEQUEUE_COUNT }]);
  });
});
