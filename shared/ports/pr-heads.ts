/** The newest head seen per pull request (adapters/store/pr-heads.ts). */

export interface PrHead {
  headSha: string;
  /** ISO time of the pull request update that produced this head. */
  updatedAt: string;
}

export interface PrHeadStore {
  get(repository: string, pr: number): Promise<PrHead | undefined>;
  /** Records `head` unless a newer one is there; returns the record now stored. */
  advance(repository: string, pr: number, head: PrHead): Promise<PrHead>;
}
