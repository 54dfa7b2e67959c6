// GraphiQL as served by the server, in Debian's headless Chromium driven by
// playwright-core, with every non-local request blocked (a closed network):
// set the Authorization header, run the default query, see the result, and
// save a screenshot.
// Env: GRAPHQL_URL, COMPANY_TOKEN, CHROMIUM (path), SCREENSHOT (output path).
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.GRAPHQL_URL;
const token = process.env.COMPANY_TOKEN;
const screenshot = process.env.SCREENSHOT;
const profile = mkdtempSync(join(tmpdir(), 'ifin-chromium-'));
const origin = new URL(url).origin;

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
  viewport: { width: 1400, height: 900 },
});
const outside = [];
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
  outside.push(u);
  return route.abort();
});
const consoleErrors = [];
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // The page's Content-Security-Policy must allow everything it does.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) consoleErrors.push(m.text());
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  // The Headers tab is open by default; put the token into its editor.
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
  await page.waitForSelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', { timeout: 10000 });
  const set = await page.evaluate((text) => {
    const editors = [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')];
    const visible = editors.find((e) => !e.classList.contains('hidden'));
    const cm = visible && visible.querySelector('.CodeMirror');
    if (!cm || !cm.CodeMirror) return false;
    cm.CodeMirror.setValue(text);
    return true;
  }, headers);
  if (!set) throw new Error('no headers editor found');
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => (document.querySelector('.graphiql-response')?.innerText || '').includes('Norrlands Snickeri AB'),
    null,
    { timeout: 20000 },
  );
  const response = await page.$eval('.graphiql-response', (e) => e.innerText);
  if (response.includes('"errors"')) throw new Error(`the query answered with errors: ${response}`);
  // The token lives in the tab's sessionStorage only, never in localStorage.
  const stored = await page.evaluate(() => ({ local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) }));
  if (stored.local.includes(token)) throw new Error('the token was written to localStorage');
  if (!stored.session.includes(token)) throw new Error(`the token is not in sessionStorage: ${stored.session}`);
  if (screenshot) {
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  if (outside.length) throw new Error(`the page requested the internet: ${outside.join(', ')}`);
  if (consoleErrors.length) throw new Error(`page errors: ${consoleErrors.join('; ')}`);
  console.log(`GraphiQL ran the query; screenshot: ${screenshot || '(none)'}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
