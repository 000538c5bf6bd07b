// Money as exact decimal strings. Revenue never passes through floating point arithmetic: amounts are
// parsed into scaled BigInts (6 decimal places), compared and subtracted exactly, and printed back.

import { MAX_DECIMALS } from './contract/limits';

const SCALE = 6;
const FACTOR = 10n ** BigInt(SCALE);
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Why `value` is not a plain decimal amount, or undefined when it is one. */
export function amountProblem(value: string): string | undefined {
  if (!DECIMAL.test(value)) return 'must be a plain decimal number such as 4.99 (digits and one decimal point, no signs, commas, symbols or exponents)';
  const decimals = value.split('.')[1]?.length ?? 0;
  if (decimals > MAX_DECIMALS) return `must have at most ${MAX_DECIMALS} decimal places`;
  return undefined;
}

export function toUnits(value: string): bigint {
  if (!DECIMAL.test(value)) throw new Error(`not a decimal amount: ${value}`);
  const negative = value.startsWith('-');
  const [whole = '0', frac = ''] = (negative ? value.slice(1) : value).split('.');
  const units = BigInt(whole) * FACTOR + BigInt((frac + '0'.repeat(SCALE)).slice(0, SCALE));
  return negative ? -units : units;
}

export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / FACTOR;
  const frac = (abs % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Canonical form: no leading zeros, no trailing fractional zeros, no `-0`. */
export function normalizeAmount(value: string): string {
  return fromUnits(toUnits(value));
}

export function compareAmounts(a: string, b: string): number {
  const d = toUnits(a) - toUnits(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function subtractAmounts(a: string, b: string): string {
  return fromUnits(toUnits(a) - toUnits(b));
}

export function addAmounts(a: string, b: string): string {
  return fromUnits(toUnits(a) + toUnits(b));
}

export function negateAmount(a: string): string {
  return fromUnits(-toUnits(a));
}

export function isPositive(a: string): boolean {
  return toUnits(a) > 0n;
}
