/** Which webhook deliveries were accepted (adapters/store/delivery-log.ts). */

export interface DeliveryLog {
  /** true when this delivery id is new (and is now recorded), false for a repeat. */
  claim(deliveryId: string, event: string): Promise<boolean>;
  /** Forgets a claim, so GitHub's redelivery is processed after we failed to enqueue. */
  release(deliveryId: string): Promise<void>;
  /** Deletes rows older than the cut-off; returns how many. */
  sweep(olderThan: Date): Promise<number>;
}
