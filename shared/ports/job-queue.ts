/** Sending job messages to a queue (adapters/store/job-queue.ts: Azure Storage queues). */

export interface SendOptions {
  /** Keep the message invisible this long (a job put back for later). */
  delaySeconds?: number;
}

export interface JobQueue {
  send(queue: string, message: unknown, options?: SendOptions): Promise<void>;
}
