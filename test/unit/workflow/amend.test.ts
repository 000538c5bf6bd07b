// A repeated signup (workflows/amend.ts): it fills in the amendable install fields the first one left out
// (osVersion, the case) and never changes a field already in force; other differences are reported.
import { describe, expect, it } from 'vitest';
import { amend } from '../../../workflows/amend';
import { iosUser } from '../../helpers/demo-apps';

describe('amend', () => {
  it('fills in a missing osVersion (and other amendable fields) without touching the rest', () => {
    const first = iosUser({ osVersion: undefined, userAgent: undefined, appVersion: undefined });
    const again = iosUser({ osVersion: '17.1', userAgent: 'Mozilla/5.0', appVersion: '2.5.0' });
    const result = amend(first, again);
    expect(result.amended).toEqual(['osVersion', 'appVersion', 'userAgent']);
    expect(result.install).toEqual({ ...first, osVersion: '17.1', appVersion: '2.5.0', userAgent: 'Mozilla/5.0' });
    expect(result.ignored).toEqual([]);
    // The install in force is not mutated.
    expect(first.osVersion).toBeUndefined();
  });

  it('never changes a field already given, and reports every difference it kept', () => {
    const first = iosUser();
    const again = iosUser({
      osVersion: '18.0',
      installedAt: '2017-01-01T00:00:00Z',
      deviceIds: { idfa: '9876F1AA-2983-3855-27BB-2C626772EFAB' },
      attStatus: 2,
    });
    const result = amend(first, again);
    expect(result.amended).toEqual([]);
    expect(result.install).toEqual(first);
    expect(result.ignored.sort()).toEqual(['attStatus', 'deviceIds', 'installedAt', 'osVersion']);
  });

  it('amends what is missing and reports what differs in one go; an identical signup changes nothing', () => {
    const first = iosUser({ osVersion: undefined });
    const result = amend(first, iosUser({ osVersion: '17.1', customerUserId: 'someone_else' }));
    expect(result.amended).toEqual(['osVersion']);
    expect(result.ignored).toEqual(['customerUserId']);
    expect(result.install.customerUserId).toBe('cuid_1');
    expect(amend(iosUser(), iosUser())).toEqual({ install: iosUser(), amended: [], ignored: [] });
  });

  it('a field left out of the repeat is not a difference (nothing is removed)', () => {
    const result = amend(iosUser(), iosUser({ ip: undefined, customerUserId: undefined }));
    expect(result.ignored).toEqual([]);
    expect(result.install.ip).toBe('203.0.113.7');
  });

  it("does not report the same device ids sent in another key order (the contract's parse orders keys)", () => {
    const first = iosUser({ deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E', idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145' } });
    const again = iosUser({ deviceIds: { idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145', idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E' } });
    expect(amend(first, again).ignored).toEqual([]);
  });
});
