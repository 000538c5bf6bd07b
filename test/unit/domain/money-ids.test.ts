// Exact decimal money, deterministic ids, and the compact hashes the dedup window keeps.
import { describe, expect, it } from 'vitest';
import { addAmounts, amountProblem, compareAmounts, negateAmount, normalizeAmount, subtractAmounts } from '../../../domain/money';
import { deliveryId, fnv1a64, hash30, hash64, messageLetterId, userHash, userWorkflowId } from '../../../domain/ids';

describe('money', () => {
  it('normalises and does exact arithmetic (no floating point drift)', () => {
    expect(normalizeAmount('004.9900')).toBe('4.99');
    expect(normalizeAmount('0.00')).toBe('0');
    expect(addAmounts('0.1', '0.2')).toBe('0.3');
    expect(subtractAmounts('10', '3.35')).toBe('6.65');
    expect(subtractAmounts('1', '1.5')).toBe('-0.5');
    expect(negateAmount('4.99')).toBe('-4.99');
    expect(negateAmount('0')).toBe('0');
    expect(negateAmount('-2.5')).toBe('2.5');
    expect(compareAmounts('100000000000', '99999999999.99999')).toBe(1);
    expect(compareAmounts('1.10', '1.1')).toBe(0);
  });

  it('names the problem with a malformed amount', () => {
    expect(amountProblem('4.99')).toBeUndefined();
    expect(amountProblem('1,234.56')).toMatch(/no signs, commas/);
    expect(amountProblem('1e3')).toMatch(/exponents/);
    expect(amountProblem('$4')).toMatch(/symbols/);
    expect(amountProblem('1.123456')).toMatch(/at most 5 decimal places/);
  });
});

describe('ids', () => {
  it('derives readable workflow ids and stable, distinct delivery ids', () => {
    expect(userWorkflowId('u-42')).toBe('s2s-user-u-42');
    const a = deliveryId('u1', 'event:e1', 'adjust');
    expect(a).toMatch(/^dlv_adj_[0-9a-f]{16}$/);
    expect(deliveryId('u1', 'event:e1', 'adjust')).toBe(a);
    expect(deliveryId('u1', 'event:e1', 'appsflyer')).toMatch(/^dlv_af_/);
    expect(deliveryId('u2', 'event:e1', 'adjust')).not.toBe(a);
    expect(deliveryId('u1', 'refund:e1', 'adjust')).not.toBe(a);
    expect(userHash('u1')).not.toContain('u1');
  });

  it('implements FNV-1a 64 (known vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });
});

describe('dedup hashes', () => {
  it('are fixed-width base64url strings, the same for the same text', () => {
    expect(hash64('event:evt_1')).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(hash30('{"a":1}')).toMatch(/^[A-Za-z0-9_-]{5}$/);
    expect(hash64('event:evt_1')).toBe(hash64('event:evt_1'));
    expect(hash64('event:evt_1')).not.toBe(hash64('refund:evt_1'));
    expect(hash64('')).toHaveLength(11);
    expect(hash64('é€😀')).toHaveLength(11);
  });

  it('do not collide over 200,000 similar ids (64-bit keys), and content fingerprints differ for near-identical content', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(hash64(`event:evt_${i}`));
    expect(seen.size).toBe(200_000);
    const prints = new Set(Array.from({ length: 1000 }, (_, i) => hash30(JSON.stringify({ revenue: `${i}.99` }))));
    expect(prints.size).toBeGreaterThan(995);
  });

  it('dead letters of held messages get their own id, distinct per user and message', () => {
    const id = messageLetterId('u1', 'event:e1');
    expect(id).toMatch(/^dlm_[0-9a-f]{16}$/);
    expect(messageLetterId('u1', 'event:e1')).toBe(id);
    expect(messageLetterId('u2', 'event:e1')).not.toBe(id);
    expect(messageLetterId('u1', 'refund:e1')).not.toBe(id);
    expect(id.slice(4)).not.toBe(deliveryId('u1', 'event:e1', 'adjust').slice(8));
  });
});
