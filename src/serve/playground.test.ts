/**
 * The web playground in a real browser: Playwright (playwright-core) driving
 * Debian's Chromium against a server on a mock engine. Chats with streaming,
 * hovers a token to see its probabilities, runs the sentiment and translate
 * panels, and keeps a screenshot in test-artifacts/playground.png.
 * Skipped, saying why, when /usr/bin/chromium is absent (CI installs it).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startServer } from './server.js';
import { MockEngine } from './testing/mock-engine.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

test('playground: streamed chat with token probabilities, task panels', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium)`, timeout: 90_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const engine = new MockEngine({
    info: { id: 'mock', contextLength: 4096 },
    tokenDelayMs: 5,
    respond: (req) => (String(req.prompt).includes('Translate') ? ['La', ' tienda', '.'] : ['The', ' tent', ' is', ' light', ' and', ' warm', '.']),
  });
  const server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, processMetrics: false });
  const profile = mkdtempSync(join(tmpdir(), 'lmkit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 800 },
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    // Browser-side code is passed as strings: this project compiles without the DOM typings.
    await page.waitForFunction("document.getElementById('model')?.options.length === 1");

    await page.fill('#temperature', '0.3');
    await page.fill('#prompt', 'Is the tent warm?');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.msg.assistant .meta');
    const answer = await page.evaluate("Array.from(document.querySelectorAll('.msg.assistant .tok'), (s) => s.textContent).join('')");
    assert.equal(answer, 'The tent is light and warm.');
    assert.equal(await page.locator('.msg.assistant .tok').count(), 7);
    const req = engine.generateCalls().at(-1)!;
    assert.equal(req.logprobs, 5);
    assert.equal(req.sampling.temperature, 0.3);

    await page.hover('.msg.assistant .tok >> nth=1');
    await page.waitForSelector('#tooltip:not([hidden])');
    const tip = await page.textContent('#tooltip');
    assert.match(tip ?? '', /“ tent” \d+\.\d+%/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });

    await page.click('nav button[data-tab="sentiment"]');
    await page.click('#se-run');
    await page.waitForSelector('#se-output .bars');
    assert.equal(await page.locator('#se-output .bars .bar').count(), 3);

    await page.click('nav button[data-tab="translate"]');
    await page.click('#tr-run');
    await page.waitForFunction("document.getElementById('tr-output')?.textContent === 'La tienda.'");
    await page.screenshot({ path: join(ARTIFACTS, 'playground-translate.png') });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
