// Per-device Adjust state the rules read (high-water created_at per event token and across revenue
// events, unique tokens already tracked, last session), keyed by "app | environment | device" because
// Adjust keeps sandbox and production apart. Written only through effects of accepted requests.
import type { DeviceStateView, Effect } from './verdict';

interface ScopeState {
  lastByToken: Map<string, number>;
  lastRevenueMs?: number;
  unique: Set<string>;
  lastSessionMs?: number;
}

export class DeviceState implements DeviceStateView {
  private readonly scopes = new Map<string, ScopeState>();

  private get(scope: string): ScopeState {
    let s = this.scopes.get(scope);
    if (!s) {
      s = { lastByToken: new Map(), unique: new Set() };
      this.scopes.set(scope, s);
    }
    return s;
  }

  lastEventMs(scope: string, eventToken: string): number | undefined {
    return this.scopes.get(scope)?.lastByToken.get(eventToken);
  }

  lastRevenueMs(scope: string): number | undefined {
    return this.scopes.get(scope)?.lastRevenueMs;
  }

  uniqueTracked(scope: string, eventToken: string): boolean {
    return this.scopes.get(scope)?.unique.has(eventToken) ?? false;
  }

  lastSessionMs(scope: string): number | undefined {
    return this.scopes.get(scope)?.lastSessionMs;
  }

  /** Applies the effects this module owns; others are ignored. */
  apply(effect: Effect): void {
    if (effect.kind === 'adjustEventTracked') {
      const s = this.get(effect.scope);
      s.lastByToken.set(effect.eventToken, Math.max(effect.createdAtMs, s.lastByToken.get(effect.eventToken) ?? -Infinity));
      if (effect.revenue) s.lastRevenueMs = Math.max(effect.createdAtMs, s.lastRevenueMs ?? -Infinity);
      if (effect.unique) s.unique.add(effect.eventToken);
    } else if (effect.kind === 'adjustSessionTracked') {
      const s = this.get(effect.scope);
      s.lastSessionMs = Math.max(effect.atMs, s.lastSessionMs ?? -Infinity);
    }
  }

  clear(): void {
    this.scopes.clear();
  }
}
