// The Temporal Web UI as the ops console, in a real browser (Debian's Chromium driven by playwright-core)
// against the test run's dev server: an operator finds a user by the S2SUserId search attribute (typing the
// query into the UI's filter), lists users with dead letters, reads the history (activity summaries for both
// vendors, a receipt), the user metadata (summary, current details) and the search attributes, and redrives
// from the UI with the `redrive` update. The payloads are encrypted (the test run's key), so first the
// operator logs in to a codec server and points this browser's UI at it (test/integration/ops/ui-codec.ts); the UI then
// decodes what it shows and encodes the update it sends. Screenshots go to artifacts/ui/ (git-ignored); with
// S2S_DOCS_SCREENSHOTS=1 (`npm run docs:screenshots`) the documented ones are also written to docs/images/.
// Without Chromium the test fails and says how to install it: it never skips.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findUsers, OPS_QUERIES } from '../../../client/ops-queries';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, testUserId, waitFor, type RelayHarness } from '../../helpers/relay';
import { launchChromium } from './browser';
import { breakTrialToken, purchaseRefundAndDeadLetter, signedUpUser, statusWhen } from './ops-helpers';
import { ARTIFACTS, DOCS, saveFailure, shot as saveShot } from './screenshots';
import { logInToCodec, pointUiAtCodec, startUiCodecServer, type UiCodec } from './ui-codec';

let relay: RelayHarness;
let codec: UiCodec | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const stale of ['failure.png', 'failure.html']) fs.rmSync(path.join(ARTIFACTS, stale), { force: true });
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
  codec = await startUiCodecServer(relay, inject('temporalUiUrl'));
});

afterAll(async () => {
  await browser?.close();
  await codec?.server.close();
  await relay?.stop();
});

const shot = (name: string, target: Page | Locator = page) => saveShot(target, name);

/**
 * Runs in a rendered-markdown frame: the bottom of its last non-blank text, and the frame's height (the UI
 * sizes the frame once, at load). A string, so the test compiles without the DOM library.
 */
const LAST_TEXT_BOTTOM = `(() => {
  let textBottom = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if ((node.textContent || '').replace(/[\\s\\u00a0]/g, '') === '') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) textBottom = Math.max(textBottom, rect.bottom);
  }
  return { textBottom, frameHeight: window.innerHeight };
})()`;

/** Types a visibility query into the workflow list's raw-query box, as an operator does. */
async function filterWorkflows(query: string): Promise<void> {
  const input = page.getByTestId('manual-search-input');
  if (!(await input.isVisible())) await page.getByTestId('toggle-manual-query').click();
  await input.fill(query);
  await input.press('Enter');
}

/** The workflow list row of a user and its cells by column header. */
async function listRow(workflowId: string): Promise<Record<string, string>> {
  const row = page.locator('tbody tr').filter({ has: page.getByRole('link', { name: workflowId, exact: true }) });
  await row.waitFor();
  const headers = (await page.locator('thead').first().locator('th').allInnerTexts()).map((h) => h.trim());
  const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
  return Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? '']));
}

/** The rendered markdown frames of the User Metadata tab (summary, details, current details). */
async function markdownFrameWith(text: string): Promise<Frame> {
  return waitFor(
    `a rendered markdown frame showing "${text}"`,
    async () => {
      for (const frame of page.frames()) {
        if (!frame.url().includes('/render?')) continue;
        const body = await frame
          .locator('body')
          .innerText()
          .catch(() => '');
        if (body.includes(text)) return frame;
      }
      return undefined;
    },
    15_000,
    200,
  );
}

describe('Temporal UI as the ops console', () => {
  it('finds a user by search attribute, reads the history and metadata, lists dead letters, redrives', async () => {
    browser = await launchChromium(); // without Chromium this test fails, saying how to install it
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(15_000);
    const started = Date.now();
    // A user with a purchase and its refund delivered to both vendors and a trial dead-lettered at Adjust,
    // and a second user with a dead letter.
    const userId = DOCS ? 'user_1042' : testUserId('ui');
    const otherId = DOCS ? 'user_2077' : testUserId('ui2');
    const install = await signedUpUser(relay, { userId });
    await purchaseRefundAndDeadLetter(relay, userId, { purchase: 'evt_1001', refund: 'rf_1001', trial: 'evt_1002' });
    await signedUpUser(relay, { userId: otherId });
    breakTrialToken(relay);
    await relay.client.track({ userId: otherId, eventId: 'evt_2001', name: 'trial', occurredAt: secondsAgo(5) });
    await relay.client.track(purchase(otherId, 'evt_2002', secondsAgo(4), '9.99'));
    await statusWhen(relay, otherId, 'dead letter', (s) => s.deadLetters.length === 1 && s.pending === 0);
    relay.emulator.setConfig(defaultEmulatorConfig); // the operator's fix
    for (const id of [userId, otherId]) {
      await waitFor(`visibility of ${id}`, async () => (await findUsers(relay.client, OPS_QUERIES.user(id)))[0]?.deadLetters === 1, 15_000, 200);
    }
    const ui = inject('temporalUiUrl');
    expect(ui, 'the test server runs the Web UI').toMatch(/^http/);
    const workflowId = `s2s-user-${userId}`;

    try {
      // 0. The payloads are encrypted: log in to the codec server and point this browser's UI at it.
      await logInToCodec(page, codec as UiCodec);
      await pointUiAtCodec(page, ui, (codec as UiCodec).server.url);

      // 1. Find the user: the operator adds the S2S columns once (kept in the browser), then filters.
      await page.goto(`${ui}/namespaces/default/workflows`);
      await page.getByTestId('workflows-summary-table-configuration-button').click();
      for (const column of ['S2SState', 'S2SPending', 'S2SDeadLetters']) await page.getByRole('button', { name: `Add ${column} column` }).click();
      for (const column of ['Run ID', 'Type']) await page.getByRole('button', { name: `Remove ${column} column` }).click();
      await page.getByRole('button', { name: 'Close' }).click();
      await page.locator('.drawer-portal h5').first().waitFor({ state: 'hidden' });
      await filterWorkflows(OPS_QUERIES.user(userId));
      await expect.poll(async () => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(1);
      expect(await listRow(workflowId)).toMatchObject({ 'Workflow ID': workflowId, S2SState: 'ok', S2SPending: '0', S2SDeadLetters: '1' });
      await shot('find-user');

      // 2. Users needing attention: dead letters.
      await filterWorkflows(OPS_QUERIES.deadLetters);
      expect(await listRow(`s2s-user-${otherId}`)).toMatchObject({ S2SDeadLetters: '1' });
      expect(await listRow(workflowId)).toMatchObject({ S2SDeadLetters: '1' });
      await shot('dead-letters');

      // 3. The history: one summary per send, naming what each vendor got (a message's first attempts to both
      //    vendors are one sendFirstAttempts: its summary names both parts).
      await page.getByRole('link', { name: workflowId, exact: true }).click();
      await page.getByTestId('workflow-id-heading').filter({ hasText: workflowId }).waitFor();
      for (const summary of [
        // (The timeline may cut a long summary short: the start of each is checked.)
        /^adjust purchase\(p4rch1\) evt_1001 4\.99 USD \| appsflyer af_purchase evt_1001/,
        /^adjust refund\(r3fnd1\) rf_1001 \(refund of evt_1001\) \| appsflyer/,
        /^adjust trial\(tr1al1\) evt_1002 \| appsflyer af_start_trial evt_1002/,
      ]) {
        await expect.poll(() => page.getByText(summary).first().isVisible(), { timeout: 15_000, message: String(summary) }).toBe(true);
      }
      await shot('history');

      // 4. When AppsFlyer got the purchase, and what it answered: the activity's result (receipt). (These events
      //    are past the settle window when the track update brings them, so they go in a regular activity.)
      await page.getByText('Compact', { exact: true }).click();
      const row = page.getByTestId('event-summary-row').filter({ hasText: 'appsflyer af_purchase evt_1001 4.99 USD' }).first();
      await row.click();
      const result = page.getByText('"outcome": "delivered"').first();
      await result.waitFor();
      await expect
        .poll(() =>
          page
            .getByText(/"deliveryId": "dlv_af_\w+"/)
            .first()
            .isVisible(),
        )
        .toBe(true);
      await page
        .getByText('Activity Task Completed')
        .first()
        .evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.evaluate('window.scrollBy(0, -120)'); // the summary of the send, above its result
      await shot('activity-result');

      // 5. User metadata: the static summary, every send's summary, and the current details (lanes, dead
      //    letter), fully visible (the UI sizes the frame once; nothing may be clipped).
      await page.getByTestId('user-metadata-tab').click();
      await markdownFrameWith(`user ${userId} · demo-ios (ios) · installed ${install.installedAt}`);
      await page
        .getByText('adjust refund(r3fnd1) rf_1001 (refund of evt_1001) | appsflyer cancel_purchase rf_1001 -4.99 USD (refund of evt_1001)', { exact: true })
        .waitFor();
      const current = await markdownFrameWith('dead letter: adjust event evt_1002 (trial)');
      const body = await current.locator('body').innerText();
      expect(body).toMatch(/adjust: 0 queued · last evt_1002 dead-lettered \(400\)/);
      expect(body).toMatch(/appsflyer: 0 queued · last evt_1002 delivered \(200\)/);
      for (const frame of [current, await markdownFrameWith('users with dead letters')]) {
        const fit = await frame.evaluate<{ textBottom: number; frameHeight: number }>(LAST_TEXT_BOTTOM);
        expect(fit.textBottom, `the last line of ${frame.url().slice(0, 60)}... fits its frame`).toBeLessThanOrEqual(fit.frameHeight);
      }
      await shot('user-metadata');

      // 6. Search attributes of the workflow.
      await page.getByTestId('search-attributes-tab').click();
      await page.getByText('"S2SDeadLetters": 1').waitFor();
      await page.getByText(`"S2SUserId": "${userId}"`).waitFor();
      await shot('search-attributes');

      // 7. After the fix: redrive from the UI (More Actions → Send an Update → redrive, {} = all dead letters).
      await page.getByRole('button', { name: 'More Actions' }).click();
      await page.getByRole('menuitem', { name: 'Send an Update' }).click();
      const modal = page.getByTestId('update-confirmation-modal').last();
      await modal.getByTestId('update-select-button').click();
      // Each option shows the handler's name and its description (what data it takes).
      const redriveOption = page.getByRole('option').filter({ has: page.locator('span', { hasText: /^redrive$/ }) });
      expect(await redriveOption.textContent()).toContain('"ids"');
      await redriveOption.click();
      const data = modal.locator('.cm-content[role=textbox]');
      await data.click();
      await data.fill('{}');
      await shot('redrive-update');
      await modal.getByRole('button', { name: 'Submit' }).click();
      await page.getByText('Update successful').waitFor();
      const after = await statusWhen(
        relay,
        userId,
        'redriven and delivered',
        (s) => s.deadLetters.length === 0 && s.counters.redriven === 1 && s.pending === 0,
      );
      expect(after.lanes.adjust.last).toMatchObject({ messageId: 'evt_1002', outcome: 'delivered' });
    } catch (error) {
      await saveFailure(page);
      throw error;
    }
    // The UI decoded through the codec server with the session cookie, and encoded the redrive update there.
    expect((codec as UiCodec).requests.filter((r) => r.status === 200 && r.via === 'session').map((r) => r.path)).toEqual(
      expect.arrayContaining(['/decode', '/encode']),
    );
    expect(Date.now() - started, 'the UI test stays fast').toBeLessThan(60_000);
  }, 90_000);
});
