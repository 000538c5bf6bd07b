// How the contract reports a refused message: a list of issues, each naming the field (a dotted path) and
// the rule, the same from the client, the CLI and the workflow (which sends them back as the details of a
// RelayInputError failure, see domain/errors.ts).
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the field, e.g. `revenue` or `deviceIds.idfa`; `(message)` for the message as a whole. */
  path: string;
  message: string;
}

type ZodIssue = z.ZodError['issues'][number];

/**
 * Each zod issue as a field issue. A value that fits no branch of a union gets the issues of the one branch
 * whose type it has (an array with too many entries hears that, not "must be a string or an array").
 */
export function fromZod(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => flatten(issue, []));
}

function flatten(issue: ZodIssue, base: PropertyKey[]): FieldIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const wrongType = (i: ZodIssue) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
    const fitting = issue.errors.filter((branch) => branch.some((i) => !wrongType(i)));
    if (fitting.length === 1) return (fitting[0] as ZodIssue[]).flatMap((i) => flatten(i, path));
    const first = issue.errors.find((branch) => branch.length > 0)?.[0];
    if (fitting.length === 0 && first && issue.message === 'Invalid input') return [{ path: dotted(path), message: first.message }];
  }
  return [{ path: dotted(path), message: issue.message }];
}

function dotted(path: PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(message)';
}

/** One line for all issues: `revenue: must be ...; currency: ...`. */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** One line for a zod error (settings, environment): each problem with its field. */
export function describeZod(error: z.ZodError): string {
  return describeIssues(fromZod(error));
}
