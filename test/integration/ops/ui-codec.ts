// The codec server as the browser tests use it, the way an operator of a UI without its own codec setting
// does: a codec server with the harness's keys and a token, CORS for the test UI's origin; the operator logs
// in at its /login page once, then sets the UI's codec server (this browser) to it with "Include cross-origin
// credentials" on, so the UI sends the session cookie with every /decode and /encode.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startCodecServer, type CodecServer } from '../../../codec/codec-server';
import type { RelayHarness } from '../../helpers/relay';

export interface UiCodec {
  server: CodecServer;
  token: string;
  /** Every request the codec server answered: status and how it was let in. */
  requests: Array<{ path: string; status: number; via?: string }>;
}

export async function startUiCodecServer(relay: RelayHarness, uiUrl: string): Promise<UiCodec> {
  const token = randomBytes(32).toString('base64');
  const requests: UiCodec['requests'] = [];
  const server = await startCodecServer({
    host: '127.0.0.1',
    port: 0,
    codec: relay.encryption.codec,
    origins: [uiUrl],
    tokens: [token],
    onRequest: ({ path, status, via }) => requests.push({ path, status, ...(via ? { via } : {}) }),
  });
  return { server, token, requests };
}

/** Logs this browser in at the codec server's /login page (the session cookie lasts 12 hours). */
export async function logInToCodec(page: Page, codec: UiCodec): Promise<void> {
  await page.goto(`${codec.server.url}/login`);
  await page.locator('#token').fill(codec.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('status').filter({ hasText: 'Logged in for 12 hours' }).waitFor();
}

/** Opens the UI's codec server settings (the icon in the top bar) and fills them in; returns before Apply. */
export async function fillUiCodecSettings(page: Page, uiUrl: string, codecUrl: string): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/default/workflows`);
  await page.getByTestId('data-encoder-status').click();
  await page.getByTestId('data-encoder-endpoint-input').fill(codecUrl);
  const credentials = page.getByTestId('data-encoder-include-credentials');
  if (!(await credentials.locator('input').isChecked())) await credentials.click();
}

/** Sets this browser's codec server to `codecUrl` with cross-origin credentials. */
export async function pointUiAtCodec(page: Page, uiUrl: string, codecUrl: string): Promise<void> {
  await fillUiCodecSettings(page, uiUrl, codecUrl);
  await page.getByTestId('confirm-data-encoder-button').click();
  await page.getByTestId('data-encoder-endpoint-input').waitFor({ state: 'hidden' });
}
