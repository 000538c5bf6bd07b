// TLS fixtures for the connection tests: a throw-away CA with a server and a client certificate made by
// `openssl`, and a TLS-terminating proxy (Node tls + net) in front of the plaintext dev server, optionally
// requiring a client certificate (mTLS). The dev server has no TLS flags of its own.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { parseAddress } from '../../../worker/net';

export const SERVER_NAME = 'temporal.s2s.test';
export const CLIENT_NAME = 's2s-relay-worker';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing here (a server cert from it must be refused). */
  otherCaCert: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, cn: string, extensions: string[]): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    dir,
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    String(Date.now()),
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  );
}

function ca(dir: string, name: string, cn: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}

export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-pki-'));
  ca(dir, 'ca', 's2s-relay test CA');
  ca(dir, 'other-ca', 'some other CA');
  leaf(dir, 'server', SERVER_NAME, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${SERVER_NAME}`,
  ]);
  leaf(dir, 'client', CLIENT_NAME, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']);
  const at = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    otherCaCert: at('other-ca.pem'),
  };
}

export interface TlsProxy {
  address: string;
  /** Client certificate common names seen on accepted connections (mTLS). */
  clients: string[];
  accepted: number;
  close(): Promise<void>;
}

/** Terminates TLS (HTTP/2 via ALPN, as gRPC needs) and forwards the bytes to `target` in plaintext. */
export async function startTlsProxy(target: string, pki: TestPki, options: { requireClientCert: boolean }): Promise<TlsProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: TlsProxy = { address: '', clients: [], accepted: 0, close: async () => undefined };
  const server = tls.createServer(
    {
      key: fs.readFileSync(pki.serverKey),
      cert: fs.readFileSync(pki.serverCert),
      ALPNProtocols: ['h2'],
      ...(options.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: fs.readFileSync(pki.caCert) } : {}),
    },
    (socket) => {
      proxy.accepted += 1;
      const cn = socket.getPeerCertificate()?.subject?.CN;
      if (cn) proxy.clients.push(Array.isArray(cn) ? cn.join(',') : cn);
      const upstream = net.connect(parseAddress(target));
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => {
          socket.destroy();
          upstream.destroy();
        });
      }
      socket.pipe(upstream).pipe(socket);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
