// End-to-end walk of installing a new eSIM on the phone it was bought on, in headless
// Debian Chromium on a 390×844 screen: the demo subscriber buys a day pass from the
// wallet on an iPhone (its user agent), the order page offers "Install on iPhone"
// first (Apple's esimsetup link whose carddata is the whole LPA string), Android's
// link after it, the SM-DP+ address and activation code with copy buttons that copy,
// the QR code for another device, and says the plan starts at install (the server
// runs with [lines] validity_start = "at_install"); the account card offers the same
// in Chinese; an Android phone gets its own link first. (That the copy buttons are
// hidden until the script shows them is checked on the page's HTML in
// tests/suite/orders/install.rs.)
//
//   node tests/browser/install.mjs <base-url> <outbox.jsonl>
//
// tests/browser.rs starts a freshly seeded demo server and runs this.
// Full-page screenshots go to tests/browser/screenshots/install-*.png.

import assert from 'node:assert/strict';

import { IPHONE, checkInstallLinks, clickAndWait, installFacts, langSwitch, nav, orderState, pathOf, startWalk, textOf } from './lib.mjs';

const walk = startWalk('install');
const { step, note, checkPage, shoot, logIn } = walk;

const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';

/** Buys HK-1D-1G as a new eSIM from the wallet; ends on its order page. */
async function buyDayPass(page) {
  step('en: a day pass on a new eSIM from the wallet: review → Pay');
  await page.goto(`${walk.BASE}/checkout/review?plan=HK-1D-1G&target=new&method=wallet&periods=1&lang=en`);
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
  await clickAndWait(page, page.locator('main').getByRole('button', { name: /^Pay HK\$/ }));
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/, h1: /^Order/ });
  assert.equal(await orderState(page), 'fulfilled', 'a wallet payment fulfils at once');
  return pathOf(page);
}

async function iphone(browser) {
  const { context, page } = await walk.newContext(browser, 'en-GB', { userAgent: IPHONE });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: walk.BASE });
  step('en, iPhone: log in as the demo subscriber');
  await logIn(page);
  const orderPath = await buyDayPass(page);

  step('en, iPhone: the order page offers Install on iPhone first, then Android, then the fields and the QR');
  const facts = await installFacts(page);
  checkInstallLinks(facts, 'ios');
  assert.equal(facts.links[0].text, 'Install on iPhone');
  note(`${facts.lpa} → ${facts.links[0].href}`);
  assert.deepEqual(
    facts.copyButtons.map((b) => [b.hidden, b.height >= 44, b.label]),
    [
      [false, true, 'Copy the SM-DP+ address'],
      [false, true, 'Copy the Activation code'],
    ],
  );
  const waiting = await textOf(page.getByTestId('starts-at-install'));
  assert.match(waiting, /^Your plan starts when you install the eSIM, at the latest \d+ \w+ \d{4}, \d\d:\d\d\.$/);
  await shoot(page, 'en-iphone-order');

  step('en, iPhone: Copy puts the activation code on the clipboard and says so');
  const copy = page.getByRole('button', { name: 'Copy the Activation code' });
  await copy.click();
  await page.waitForFunction(() => [...document.querySelectorAll('button.copy')].some((b) => b.textContent.trim() === 'Copied'));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), facts.matchingId);
  await shoot(page, 'en-iphone-copied');

  step('en → zh, iPhone: the account card of the new line offers the same install, and when it starts');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await clickAndWait(page, langSwitch(page, '繁體中文'));
  await checkPage(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const card = page.locator('article.card[data-iccid]').filter({ has: page.locator('section.install') });
  assert.equal(await card.count(), 1, 'one line waits to be installed');
  assert.equal(await textOf(card.locator('.status')), '等待安裝');
  assert.equal(await textOf(card.locator('h3')), '香港日票 1GB');
  const cardFacts = await installFacts(card);
  checkInstallLinks(cardFacts, 'ios');
  assert.equal(cardFacts.links[0].text, '在 iPhone 安裝');
  assert.equal(cardFacts.lpa, facts.lpa);
  assert.match(await textOf(card.getByTestId('starts-at-install')), /^你的計劃由安裝 eSIM 時開始，最遲於 .+ 開始。$/);
  await shoot(page, 'zh-iphone-account');
  await card.screenshot({ path: walk.shotPath('zh-iphone-account-card') });
  await context.close();
  return orderPath;
}

async function android(browser, orderPath) {
  const { context, page } = await walk.newContext(browser, 'zh-HK', { userAgent: ANDROID });
  step('zh, Android: the same order page offers Android’s link first');
  await logIn(page);
  await page.goto(`${walk.BASE}${orderPath}?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: orderPath, h1: /^訂單/ });
  const facts = await installFacts(page);
  checkInstallLinks(facts, 'android');
  assert.equal(facts.links[0].text, '在 Android 手機安裝');
  await shoot(page, 'zh-android-order');
  await context.close();
}

walk.run(async (browser) => {
  const orderPath = await iphone(browser);
  await android(browser, orderPath);
});
