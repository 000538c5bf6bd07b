// The dedup window: every message id the user's workflow accepted within policy.dedupMaxAgeDays, kept as a
// compact 64-bit hash with a 30-bit fingerprint of the content (16 bytes each in the carried state), so
// dedup is exact for the whole window, not for the last N ids. Only a user with more than
// policy.dedupMaxEntries messages in the window loses its oldest days, and the window says since when.
import type { Policy } from '../domain/config';
import { hash30, hash64 } from '../domain/ids';
import type { DedupSnapshot } from '../domain/snapshot';

const DAY_MS = 86_400_000;
const RECORD = 16; // 11-char key hash + 5-char content hash

export interface DedupEntry {
  /** Days since the epoch when the id was first accepted. */
  day: number;
  /** Fingerprint of the first message's content, to flag a duplicate whose content differs. */
  content: string;
}

export class DedupWindow {
  private readonly entries = new Map<string, DedupEntry>();
  private shortenedFrom: number | undefined;

  static from(snapshot: DedupSnapshot | undefined): DedupWindow {
    const window = new DedupWindow();
    for (const [day, records] of Object.entries(snapshot?.days ?? {})) {
      for (let i = 0; i + RECORD <= records.length; i += RECORD) {
        window.entries.set(records.slice(i, i + 11), { day: Number(day), content: records.slice(i + 11, i + RECORD) });
      }
    }
    window.shortenedFrom = snapshot?.shortenedFrom;
    return window;
  }

  static fingerprint(content: unknown): string {
    return hash30(JSON.stringify(content));
  }

  get size(): number {
    return this.entries.size;
  }

  /** The first day still remembered when the window had to be shortened, else undefined. */
  get shortenedSinceDay(): number | undefined {
    return this.shortenedFrom;
  }

  lookup(key: string): DedupEntry | undefined {
    return this.entries.get(hash64(key));
  }

  remember(key: string, content: unknown, nowMs: number): void {
    this.entries.set(hash64(key), { day: Math.floor(nowMs / DAY_MS), content: DedupWindow.fingerprint(content) });
  }

  forget(key: string): void {
    this.entries.delete(hash64(key));
  }

  /**
   * Forgets ids older than the window, then the oldest days while over the entry limit (never `keep`, the
   * keys of messages still held or queued). Returns how many were forgotten.
   */
  prune(nowMs: number, policy: Policy, keep: ReadonlySet<string>): number {
    const oldestDay = Math.floor((nowMs - policy.dedupMaxAgeDays * DAY_MS) / DAY_MS);
    const kept = new Set([...keep].map(hash64));
    let forgotten = 0;
    for (const [hash, entry] of this.entries) {
      if (entry.day < oldestDay && !kept.has(hash)) {
        this.entries.delete(hash);
        forgotten += 1;
      }
    }
    // Once the age window has moved past the day it was shortened to, the window is whole again.
    if (this.shortenedFrom !== undefined && this.shortenedFrom <= oldestDay) this.shortenedFrom = undefined;
    if (this.entries.size > policy.dedupMaxEntries) {
      const byDay = [...this.entries].filter(([hash]) => !kept.has(hash)).sort((a, b) => a[1].day - b[1].day);
      for (const [hash, entry] of byDay) {
        if (this.entries.size <= policy.dedupMaxEntries) break;
        this.entries.delete(hash);
        forgotten += 1;
        this.shortenedFrom = entry.day + 1;
      }
    }
    return forgotten;
  }

  toJSON(): DedupSnapshot {
    const days: Record<string, string> = {};
    for (const [hash, entry] of this.entries) days[entry.day] = (days[entry.day] ?? '') + hash + entry.content;
    return { days, ...(this.shortenedFrom !== undefined ? { shortenedFrom: this.shortenedFrom } : {}) };
  }
}
