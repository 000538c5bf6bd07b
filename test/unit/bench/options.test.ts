// Command-line parsing of the harnesses: the argv forms, zod validation with messages that name the
// option and say what to write, and the --quick presets.
import { describe, expect, it } from 'vitest';
import { BenchOptions, benchPlan, replayLengthsPlan } from '../../../bench/bench-options';
import { ChaosOptions, chaosPlan, faultMix } from '../../../bench/chaos-options';
import { parseArgv, parseOptions } from '../../../bench/cli-args';
import { problem } from '../../helpers/refused';

describe('argv', () => {
  it('reads --name value, --name=value, flags and repeats', () => {
    expect(parseArgv(['--users', '10', '--json=out.json', '--quick', '--worker-env', 'A=1', '--worker-env', 'B=2'])).toEqual({
      users: '10',
      json: 'out.json',
      quick: true,
      'worker-env': ['A=1', 'B=2'],
    });
  });

  it('refuses positional arguments', () => {
    expect(() => parseArgv(['users'])).toThrow('unexpected argument "users": options look like --users 100');
  });
});

describe('bench options', () => {
  it('defaults to the production policy and a closed loop; --quick is 200 users', () => {
    const plan = benchPlan(parseOptions(BenchOptions, ['--quick']));
    expect(plan).toMatchObject({
      quick: true,
      users: 200,
      eventsPerUser: 10,
      mode: 'closed',
      concurrency: 32,
      settleWindowMs: 2_000,
      maxBatchSize: 10,
      halfLoad: true,
    });
    expect(benchPlan(parseOptions(BenchOptions, [])).users).toBe(1000);
  });

  it('takes --codec as a flag', () => {
    expect(parseOptions(BenchOptions, ['--quick', '--codec']).codec).toBe(true);
    expect(parseOptions(BenchOptions, []).codec).toBeUndefined();
  });

  it('turns --rate or --duration into an open loop', () => {
    expect(benchPlan(parseOptions(BenchOptions, ['--rate', '50']))).toMatchObject({ mode: 'open', ratePerSecond: 50 });
    expect(benchPlan(parseOptions(BenchOptions, ['--users', '10', '--events-per-user', '6', '--duration', '30s']))).toMatchObject({
      mode: 'open',
      ratePerSecond: 2,
    });
  });

  it('explains bad options, naming each', () => {
    const message = problem(() => parseOptions(BenchOptions, ['--users', 'many', '--settle-window', 'soon', '--api', 'grpc']));
    expect(message).toContain('--users: must be a whole number between 1 and 100000, e.g. --users 1000');
    expect(message).toContain('--settle-window: must be a duration such as "2s" or "0ms" (ms, s, m); got "soon"');
    expect(message).toContain('--api: must be "signal" (trackSignal/refundSignal) or "update" (track/refund)');
    expect(problem(() => parseOptions(BenchOptions, ['--rate', '5', '--duration', '10s']))).toContain('--rate: give --rate or --duration, not both');
    expect(problem(() => parseOptions(BenchOptions, ['--usres', '5']))).toContain('unknown option(s) --usres');
    expect(problem(() => parseOptions(BenchOptions, ['--quick', 'yes']))).toContain('--quick: is a flag: write it without a value');
    expect(problem(() => parseOptions(BenchOptions, ['--worker-env', 'lower=1']))).toContain('--worker-env: takes KEY=VALUE with an upper-case variable name');
  });

  it('starts the dev server by default, the PostgreSQL-backed server with --server postgres, and refuses mixing it with --temporal or --db', () => {
    expect(parseOptions(BenchOptions, []).server).toBe('dev');
    expect(parseOptions(BenchOptions, ['--server', 'postgres']).server).toBe('postgres');
    expect(problem(() => parseOptions(BenchOptions, ['--server', 'mysql']))).toContain(
      '--server: must be "dev" (the Temporal CLI\'s dev server) or "postgres"',
    );
    expect(problem(() => parseOptions(BenchOptions, ['--server', 'postgres', '--temporal', '127.0.0.1:7233']))).toContain(
      '--server: --server postgres starts a server; --temporal uses a running one',
    );
    expect(problem(() => parseOptions(BenchOptions, ['--server', 'postgres', '--db', 'file']))).toContain("--db: --db is the dev server's store");
  });
});

describe('chaos options', () => {
  it('has a quick preset of 200 users and 2,000 messages, and the production settle window', () => {
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick']))).toMatchObject({ users: 200, eventsPerUser: 10, settleWindowMs: 2_000, serverRestarts: 1 });
    expect(chaosPlan(parseOptions(ChaosOptions, []))).toMatchObject({ users: 1000, eventsPerUser: 10 });
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick']))).toMatchObject({ idleContinueAsNewEvents: 300 });
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick', '--idle-continue-as-new', '40']))).toMatchObject({ idleContinueAsNewEvents: 40 });
  });

  it('leaves the workers their own workflow cache unless --worker-cache sets one', () => {
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick'])).workerCache).toBeUndefined();
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick', '--worker-cache', '1']))).toMatchObject({ workerCache: 1 });
    expect(problem(() => parseOptions(ChaosOptions, ['--worker-cache', '0']))).toContain('--worker-cache: must be at least 1');
  });

  it('runs one worker on the dev server and two replicas on the PostgreSQL-backed server, unless --replicas says otherwise', () => {
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick']))).toMatchObject({ server: 'dev', replicas: 1 });
    expect(chaosPlan(parseOptions(ChaosOptions, ['--quick', '--server', 'postgres']))).toMatchObject({ server: 'postgres', replicas: 2 });
    expect(chaosPlan(parseOptions(ChaosOptions, ['--server', 'postgres', '--replicas', '3']))).toMatchObject({ replicas: 3 });
    expect(chaosPlan(parseOptions(ChaosOptions, ['--replicas', '2']))).toMatchObject({ server: 'dev', replicas: 2 });
    expect(problem(() => parseOptions(ChaosOptions, ['--replicas', '0']))).toContain('--replicas: must be at least 1');
  });

  it('refuses inconsistent options', () => {
    expect(problem(() => parseOptions(ChaosOptions, ['--kill-min', '30s', '--kill-max', '10s']))).toContain('--kill-min: must not be longer than --kill-max');
    expect(problem(() => parseOptions(ChaosOptions, ['--users', '100', '--events', '10']))).toContain('--events: must be at least --users');
    expect(problem(() => parseOptions(ChaosOptions, ['--fault-rate', '2']))).toContain('--fault-rate: must be at most 0.9');
  });

  it('splits the fault rate over every kind, the same for both vendors', () => {
    const faults = faultMix(0.1, 7);
    const kinds = ['error5xx', 'rate429', 'slow', 'hang', 'reset', 'acceptThenReset'] as const;
    const total = kinds.reduce((sum, k) => sum + ((faults.adjust as Record<string, number>)[k] ?? 0), 0);
    expect(total).toBeCloseTo(0.1, 5);
    for (const k of kinds) expect((faults.adjust as Record<string, number>)[k]).toBeGreaterThan(0);
    expect(faults.appsflyer).toEqual(faults.adjust);
  });
});

describe('replay lengths options', () => {
  it('runs only when asked, with the lengths sorted and distinct, 20 replays each and the production idle cap', () => {
    expect(replayLengthsPlan(parseOptions(BenchOptions, ['--quick']))).toBeUndefined();
    expect(replayLengthsPlan(parseOptions(BenchOptions, ['--replay-lengths', '40,0, 3,3']))).toEqual({
      lengths: [0, 3, 40],
      repeats: 20,
      settleWindowMs: 2000,
      idleContinueAsNewEvents: 300,
    });
    expect(
      replayLengthsPlan(
        parseOptions(BenchOptions, ['--replay-lengths', '1', '--replay-repeats', '5', '--idle-continue-as-new', '0', '--settle-window', '100ms']),
      ),
    ).toEqual({ lengths: [1], repeats: 5, settleWindowMs: 100, idleContinueAsNewEvents: 0 });
  });

  it('explains bad lengths and options given without --replay-lengths', () => {
    expect(problem(() => parseOptions(BenchOptions, ['--replay-lengths', '1,two']))).toContain(
      '--replay-lengths: takes whole numbers between 0 and 500 separated by commas, e.g. --replay-lengths 0,1,3,12,40; got "1,two"',
    );
    expect(problem(() => parseOptions(BenchOptions, ['--replay-lengths', '501']))).toContain('between 0 and 500');
    expect(problem(() => parseOptions(BenchOptions, ['--replay-repeats', '5']))).toContain('--replay-repeats: is an option of --replay-lengths');
    expect(problem(() => parseOptions(BenchOptions, ['--idle-continue-as-new', '40']))).toContain('--idle-continue-as-new: is an option of --replay-lengths');
    expect(problem(() => parseOptions(BenchOptions, ['--replay-lengths', '1', '--scale']))).toContain('--replay-lengths: runs on its own');
  });
});
