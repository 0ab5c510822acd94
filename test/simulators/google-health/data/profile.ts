/** What the generated data of one simulated user depends on. */
export interface Profile {
  readonly healthUserId: string;
  /** The wearer's UTC offset in seconds (Google's `utcOffset`, `3600s`). */
  readonly offsetS: number;
  /** No data exists before this instant (the account's history start). */
  readonly originMs: number;
  readonly tracker: { readonly displayName: string; readonly manufacturer: string };
  readonly scale: { readonly displayName: string; readonly manufacturer: string };
}
