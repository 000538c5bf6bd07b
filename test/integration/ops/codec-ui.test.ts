// Encrypted payloads in the Temporal UI, in a real browser (Debian's Chromium via playwright-core) against the
// test run's dev server: a user's history (workflow input, activity summaries, the signup's install context)
// shows only ciphertext without a codec server; with the codec server set in the UI but the operator not
// logged in, the codec server refuses (401) and the UI still shows ciphertext; after logging in at the codec
// server's /login page, the same page is readable. Screenshots to artifacts/ui/, and with
// S2S_DOCS_SCREENSHOTS=1 to docs/images/ (docs/privacy.md shows them). Never skips: without Chromium it fails.
import { randomInt, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, testUserId, type RelayHarness } from '../../helpers/relay';
import { launchChromium } from './browser';
import { signedUpUser, statusWhen } from './ops-helpers';
import { DOCS, saveFailure, shot } from './screenshots';
import { fillUiCodecSettings, logInToCodec, startUiCodecServer, type UiCodec } from './ui-codec';

let relay: RelayHarness;
let codec: UiCodec;
let browser: Browser | undefined;

beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
  codec = await startUiCodecServer(relay, inject('temporalUiUrl'));
});

afterAll(async () => {
  await browser?.close();
  await codec?.server.close();
  await relay?.stop();
});

describe('encrypted payloads in the Temporal UI', () => {
  it('ciphertext without the codec server, and while not logged in to it; readable once logged in', async () => {
    browser = await launchChromium(); // without Chromium this test fails, saying how to install it
    const page: Page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(15_000);
    const ui = inject('temporalUiUrl');
    const install = await signedUpUser(relay, {
      userId: DOCS ? 'user_3091' : testUserId('codec'),
      deviceIds: { idfa: DOCS ? '6D92078A-8246-4BA4-AE5B-76104861E7DC' : randomUUID().toUpperCase(), idfv: randomUUID().toUpperCase() },
      ip: DOCS ? '198.51.100.23' : `198.51.100.${randomInt(2, 250)}`,
      customerUserId: DOCS ? 'cust-8841' : `cust-${randomUUID().slice(0, 8)}`,
    });
    const personal = [install.deviceIds?.idfa as string, install.ip as string, install.customerUserId as string, install.appsflyerId as string];
    await relay.client.track(purchase(install.userId, 'evt_501', secondsAgo(10), '9.99'));
    await statusWhen(relay, install.userId, 'purchase delivered to both vendors', (s) => s.counters.delivered === 2 && s.pending === 0);
    const workflowPage = `${ui}/namespaces/default/workflows/s2s-user-${install.userId}`;
    // The first attempts to both vendors: one local activity, its summary naming both parts.
    const summary = 'adjust purchase(p4rch1) evt_501 9.99 USD | appsflyer af_purchase evt_501 9.99 USD';
    const bodyText = () => page.locator('body').innerText();
    /** The signup (the oldest accepted update: the list is newest first) with its input, the install context. */
    const openSignup = async () => {
      const row = page.getByTestId('event-summary-row').filter({ hasText: 'Workflow Execution Update Accepted' }).last();
      await row.click();
      await row.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.evaluate('window.scrollBy(0, -60)');
    };

    try {
      // 1. No codec server: the workflow input and every payload are ciphertext, the summaries too.
      await page.goto(workflowPage);
      await page.getByText('"encryption-key-id"').first().waitFor();
      await page.getByText('sendFirstAttempts', { exact: true }).first().waitFor();
      expect(await page.getByText(summary).count(), 'activity summaries are encrypted too').toBe(0);
      await shot(page, 'codec-off-history');
      await openSignup();
      await page.getByText('"encryption-key-id"').nth(1).waitFor();
      const encrypted = await bodyText();
      for (const value of personal) expect(encrypted, `${value} shown without the codec server`).not.toContain(value);
      await shot(page, 'codec-off-signup');

      // 2. The UI pointed at the codec server, the operator not logged in: refused, still ciphertext.
      await fillUiCodecSettings(page, ui, codec.server.url);
      await shot(page.locator('aside', { has: page.getByTestId('data-encoder-title') }), 'codec-settings');
      await page.getByTestId('confirm-data-encoder-button').click();
      await page.goto(workflowPage);
      await page.getByTestId('data-encoder-status-error').waitFor();
      await page.getByText('"encryption-key-id"').first().waitFor();
      for (const value of personal) expect(await bodyText()).not.toContain(value);
      expect(codec.requests.filter((r) => r.path === '/decode').map((r) => r.status)).toContain(401);
      expect(codec.requests.some((r) => r.path === '/decode' && r.status === 200)).toBe(false);

      // 3. Logged in at the codec server: the same page is readable.
      await logInToCodec(page, codec);
      await page.goto(workflowPage);
      await page.getByText(summary).first().waitFor();
      await page.getByText(`"userId": "${install.userId}"`).first().waitFor();
      await page.getByTestId('data-encoder-status-success').waitFor();
      await shot(page, 'codec-on-history');
      await openSignup();
      await page.getByText(`"idfa": "${install.deviceIds?.idfa}"`).waitFor();
      const decoded = await bodyText();
      for (const value of personal) expect(decoded, `${value} readable with the codec server`).toContain(value);
      await shot(page, 'codec-on-signup');
      const served = codec.requests.filter((r) => r.path === '/decode' && r.status === 200);
      expect(served.length).toBeGreaterThan(0);
      expect(served.every((r) => r.via === 'session')).toBe(true);
    } catch (error) {
      await saveFailure(page, 'codec-failure');
      throw error;
    }
  }, 120_000);
});
