// Workflow time. Inside the Temporal workflow sandbox `Date` is Temporal's deterministic clock (the time of
// the current workflow task, identical on replay), so this is the only clock workflow code may read.
export { isoTime } from '../domain/contract/time';

export function workflowNow(): number {
  return new Date().getTime();
}
