// A workflow history as a JSON file (protobufjs's JSON: enums and 64-bit ids as strings, bytes in base64), the
// form of the test fixtures and of a chaos run's replay-failure-*.json: written by the chaos run, read back by
// `npm run replay` and the tests.
import fs from 'node:fs';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export function writeHistoryFile(file: string, history: History): void {
  fs.writeFileSync(file, JSON.stringify(temporal.api.history.v1.History.fromObject(history).toJSON()));
}

export function readHistoryFile(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
}
