// Drives profilegen serve's page in headless Chromium the way a person does: open it with a
// Japanese browser, fill in the form, download the profile; then submit an address no profile
// can serve and read the error. Prints a JSON summary; tests/serve_e2e.rs checks it.
//
// usage: node serve.mjs URL OUT_DIR [SCREENSHOT.png]
import { chromium } from 'playwright-core';
import path from 'node:path';

const [url, outDir, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  timeout: 60_000,
});
try {
  const context = await browser.newContext({
    locale: 'ja-JP',
    acceptDownloads: true,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  await page.goto(url);
  const title = await page.textContent('h1');
  const lang = await page.getAttribute('html', 'lang');
  const passwordFields = await page.locator('input[type=password]').count();
  await page.fill('#email', 'taro@i.softbank.jp');
  await page.fill('#name', '山田 太郎 <&>');
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = download.suggestedFilename();
  await download.saveAs(path.join(outDir, file));

  await page.fill('#email', 'taro@softbank.ne.jp');
  await Promise.all([page.waitForNavigation(), page.click('#download')]);
  const error = (await page.textContent('#error')) ?? '';
  const kept = await page.inputValue('#email');
  console.log(JSON.stringify({ title, lang, passwordFields, file, error, kept }));
} finally {
  await browser.close();
}
