/** Storage that lost its tables and queues (a restarted in-memory Azurite) is created again on the error. */
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Azurite, startAzurite } from "../helpers/azurite.js";
import { APPLY_JOURNAL_TABLE, createApplyJournal } from "../../shared/adapters/store/apply-journal.js";
import { createJobQueue } from "../../shared/adapters/store/job-queue.js";

/** The host's queue-trigger encoding: base64 of the UTF-8 JSON. */
const decodeQueueMessage = (text: string): unknown => JSON.parse(Buffer.from(text, "base64").toString("utf8"));
import { createStorageClients } from "../../shared/adapters/store/storage-clients.js";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

describe("storage that lost its tables and queues", () => {
  it("a journal write after its table was deleted creates the table again, and lists of a missing table are empty", async () => {
    const storage = createStorageClients(azurite.connectionString);
    const journal = createApplyJournal(storage.table(APPLY_JOURNAL_TABLE));
    const entry = { repository: "o/r", device: "dev", commit: "c".repeat(40), attempt: 1, step: 0, action: "observe", status: "started" };
    await journal.append(entry);
    const raw = TableClient.fromConnectionString(azurite.connectionString, APPLY_JOURNAL_TABLE, { allowInsecureConnection: true });
    await raw.deleteTable();
    expect(await journal.history("o/r", "dev")).toEqual([]);
    await raw.deleteTable().catch(() => undefined);
    await journal.append({ ...entry, status: "succeeded" });
    expect((await journal.history("o/r", "dev")).map((e) => e.status)).toEqual(["succeeded"]);
  });

  it("a job sent after its queue was deleted creates the queue again", async () => {
    const storage = createStorageClients(azurite.connectionString);
    const queue = createJobQueue(storage);
    await queue.send("reset-jobs", { n: 1 });
    const raw = new QueueClient(azurite.connectionString, "reset-jobs");
    await raw.delete();
    await queue.send("reset-jobs", { n: 2 });
    const got = await raw.receiveMessages({ numberOfMessages: 32 });
    expect(got.receivedMessageItems.map((m) => decodeQueueMessage(m.messageText))).toEqual([{ n: 2 }]);
  });
});
