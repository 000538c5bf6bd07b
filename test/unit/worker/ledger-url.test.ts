// S2S_LEDGER_URL: which ledger a worker opens (a PostgreSQL server, an embedded directory, memory or off),
// parsed and validated with the worker settings, without opening anything.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from '../../../worker/config';
import { parseLedgerUrl } from '../../../worker/ledger';

describe('S2S_LEDGER_URL', () => {
  it('names a PostgreSQL server, an embedded directory, memory or off; anything else is refused', () => {
    expect(parseLedgerUrl('postgres://u:p@db.internal:5432/s2s')).toEqual({ kind: 'postgres', url: 'postgres://u:p@db.internal:5432/s2s' });
    expect(parseLedgerUrl('postgresql://db/s2s')).toMatchObject({ kind: 'postgres' });
    expect(parseLedgerUrl('pglite:.data/ledger')).toEqual({ kind: 'embedded', dir: path.resolve('.data/ledger') });
    expect(parseLedgerUrl('pglite:///var/lib/s2s/ledger')).toEqual({ kind: 'embedded', dir: '/var/lib/s2s/ledger' });
    expect(parseLedgerUrl('pglite:memory')).toEqual({ kind: 'memory' });
    expect(parseLedgerUrl('off')).toEqual({ kind: 'off' });
    expect(parseLedgerUrl('pglite:')).toMatch(/must name a directory/);
    expect(parseLedgerUrl('mysql://u:secret@db/x')).toMatch(/^must be postgres:\/\/.*got "mysql:\/\/\*\*\*@db\/x"$/);
  });

  it('is validated with the worker settings, defaulting to the embedded ledger under .data/', () => {
    expect(readWorkerEnv({ S2S_APP_CONFIG: 'config/demo.yaml' }).S2S_LEDGER_URL).toBe('pglite:.data/ledger');
    expect(readWorkerEnv({ S2S_APP_CONFIG: 'config/demo.yaml', S2S_LEDGER_URL: ' ' }).S2S_LEDGER_URL).toBe('pglite:.data/ledger');
    expect(() => readWorkerEnv({ S2S_APP_CONFIG: 'config/demo.yaml', S2S_LEDGER_URL: 'redis://cache:6379' })).toThrow(
      /S2S_LEDGER_URL: must be postgres:\/\/user:password@host:5432\/database/,
    );
  });
});
