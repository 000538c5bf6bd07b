// The UI test's browser launcher: without Chromium it fails with how to install it (CI must not skip).
import { describe, expect, it } from 'vitest';
import { launchChromium } from './browser';

describe('Chromium for the UI test', () => {
  it('a missing Chromium fails with the install command', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/Chromium not found at \/nonexistent\/chromium: .*apt-get install -y chromium/);
  });
});
