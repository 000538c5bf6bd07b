// The backend's commands: signup, track, refund and ad-revenue. Each document is checked against the message
// contract before the CLI connects (so a bad one answers exit 2 with no server), then sent as an update (the
// workflow's answer is printed) or, with --signal, as a fire-and-forget signal.
import type { MessageName } from '../../domain/contract';
import { EXIT, type ExitCode } from '../errors';
import { checkInput, type RelayClient } from '../relay-client';
import type { MessageAnswer } from '../../domain/status';
import { readDocument, tooMany, type Parsed } from './args';
import { formatMessageAnswer, formatSignup } from './format';
import { withWorker, type CliIo } from './io';

const MESSAGE_OF: Record<string, Exclude<MessageName, 'redrive' | 'forget'>> = {
  signup: 'signup',
  track: 'track',
  refund: 'refund',
  'ad-revenue': 'adRevenue',
};

export function isMessageCommand(command: string): boolean {
  return command in MESSAGE_OF;
}

export async function runMessageCommand(
  parsed: Parsed,
  io: CliIo,
  connect: () => Promise<RelayClient>,
  print: (value: unknown, human: string) => void,
): Promise<ExitCode> {
  const command = parsed.command as string;
  const name = MESSAGE_OF[command] as Exclude<MessageName, 'redrive' | 'forget'>;
  tooMany(parsed.args, 1, command);
  const doc = checkInput(name, readDocument(parsed.args[0], command, io.stdin));
  const client = await connect();
  const timeoutMs = io.answerTimeoutMs ?? 20_000;
  const userId = doc.userId;
  if (parsed.signal) {
    if (name === 'signup') await client.signupSignal(doc as never);
    else if (name === 'track') await client.trackSignal(doc as never);
    else if (name === 'refund') await client.refundSignal(doc as never);
    else await client.adRevenueSignal(doc as never);
    print({ status: 'signalled' }, `${command} signalled`);
    return EXIT.ok;
  }
  if (name === 'signup') {
    const answer = await withWorker(
      client,
      timeoutMs,
      { action: `signup of user ${userId}`, update: { subject: 'the install context', userId, started: true } },
      () => client.signup(doc as never),
    );
    print(answer, formatSignup(answer));
    return EXIT.ok;
  }
  const id = 'refundId' in doc ? doc.refundId : 'eventId' in doc ? doc.eventId : '?';
  const subject = name === 'refund' ? 'the refund' : name === 'track' ? 'the event' : 'the ad revenue';
  const action = name === 'track' ? `track of event ${id} for user ${userId}` : `${command} ${id} for user ${userId}`;
  const answer: MessageAnswer = await withWorker(client, timeoutMs, { action, update: { subject, userId, started: name !== 'refund' } }, () =>
    name === 'track' ? client.track(doc as never) : name === 'refund' ? client.refund(doc as never) : client.adRevenue(doc as never),
  );
  print(answer, formatMessageAnswer(answer));
  return answer.conflictingDuplicate ? EXIT.conflictingDuplicate : EXIT.ok;
}
