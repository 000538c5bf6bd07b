// Debian's Chromium for the UI test, driven by playwright-core (which downloads no browser). A missing
// Chromium is an error that says how to install it: the UI test never skips.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.S2S_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, and no background connections: the CI machine has no internet and refuses them in bulk. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(executablePath = CHROMIUM_PATH): Promise<Browser> {
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: the UI test needs Debian's Chromium. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (as root), or set S2S_CHROMIUM to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
}
