// A protobuf Timestamp (a history event's eventTime) in epoch milliseconds, with the sub-millisecond part kept
// (a workflow task lasts a few ms). Its seconds is a Long in decoded protos and a number or string in JSON:
// String() reads each of them. Pure.
export type TimestampLike = { seconds?: unknown; nanos?: unknown } | null | undefined;

export function timestampMs(t: TimestampLike): number | undefined {
  return t ? Number(String(t.seconds ?? 0)) * 1000 + Number(t.nanos ?? 0) / 1e6 : undefined;
}
