// A repeated signup: it may fill in the optional install fields the first one left out (AMENDABLE_FIELDS,
// e.g. osVersion) and never changes a field already in force; every other difference is reported back.
import { AMENDABLE_FIELDS, type AmendableField, type Signup } from '../domain/contract/install';

export interface Amendment {
  install: Signup;
  amended: AmendableField[];
  /** Fields that differ from the install in force and were not changed. */
  ignored: string[];
}

export function amend(current: Signup, next: Signup): Amendment {
  const install: Signup = { ...current };
  const amended: AmendableField[] = [];
  for (const field of AMENDABLE_FIELDS) {
    if (current[field] === undefined && next[field] !== undefined) {
      (install as Record<AmendableField, unknown>)[field] = next[field];
      amended.push(field);
    }
  }
  const ignored = (Object.keys(next) as Array<keyof Signup>).filter(
    (k) => !amended.includes(k as AmendableField) && JSON.stringify(next[k]) !== JSON.stringify(current[k]),
  );
  return { install, amended, ignored };
}
