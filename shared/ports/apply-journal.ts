/** The apply journal: one entry per step transition, append-only (adapters/store/apply-journal.ts). */

export interface JournalEntry {
  repository: string;
  device: string;
  commit: string;
  /** The queue's dequeue count of the job that wrote it. */
  attempt: number;
  /** 1-based step in that attempt's plan; 0 for the job itself (observe, verify, outcome). */
  step: number;
  action: string;
  vm?: string;
  status: string;
  /** ARM deployment the step used, when it deploys a template. */
  deployment?: string;
  /** createVm: sha256 of the VM's customData (never the data itself). */
  customDataSha256?: string;
  message?: string;
  at: string;
}

export interface ApplyJournal {
  append(entry: Omit<JournalEntry, "at"> & { at?: string }): Promise<void>;
  /** Every entry of a device, oldest first. */
  history(repository: string, device: string): Promise<JournalEntry[]>;
  /** Every device with entries, with its repository. */
  devices(): Promise<Array<{ repository: string; device: string }>>;
}
