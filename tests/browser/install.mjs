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

import { clickAndWait, langSwitch, nav, orderState, pathOf, startWalk, textOf } from './lib.mjs';

const walk = startWalk('install');
const { step, note, checkPage, shoot, logIn } = walk;

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
const APPLE_SETUP = 'https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=';
const ANDROID_SETUP = 'https://esimsetup.android.com/esim_qrcode_provisioning?carddata=';

/** What the install section shows: its links in page order, the two fields, the QR. */
async function installFacts(scope) {
  return scope.locator('section.install').evaluate((section) => {
    const links = [...section.querySelectorAll('a[data-testid^="install-"]')].map((a) => ({
      which: a.dataset.testid,
      href: a.getAttribute('href'),
      text: a.textContent.trim(),
      height: a.getBoundingClientRect().height,
    }));
    const field = (id) => section.querySelector(`[data-testid="${id}"]`);
    const boxFits = (el) => el.scrollWidth <= el.clientWidth + 1;
    return {
      links,
      smdp: field('smdp-address').textContent.trim(),
      matchingId: field('matching-id').textContent.trim(),
      lpa: field('activation-code').textContent.trim(),
      qr: section.querySelector('figure.qr')?.dataset.qr,
      fieldsFit: boxFits(field('smdp-address')) && boxFits(field('matching-id')),
      copyButtons: [...section.querySelectorAll('button.copy')].map((b) => ({
        hidden: b.hidden,
        height: b.getBoundingClientRect().height,
        label: b.getAttribute('aria-label'),
      })),
    };
  });
}

function checkLinks(facts, first) {
  const lpa = facts.lpa;
  assert.match(lpa, /^LPA:1\$[a-z0-9.-]+\$[A-Z0-9-]+$/, `the LPA string: ${lpa}`);
  assert.equal(lpa, `LPA:1$${facts.smdp}$${facts.matchingId}`, 'the two fields are the LPA string’s parts');
  assert.equal(facts.qr, lpa, 'the QR code holds the LPA string');
  assert.deepEqual(
    facts.links.map((l) => l.which),
    first === 'ios' ? ['install-ios', 'install-android'] : ['install-android', 'install-ios'],
    `this phone's own link first: ${JSON.stringify(facts.links)}`,
  );
  const byWhich = Object.fromEntries(facts.links.map((l) => [l.which, l]));
  const carddata = encodeURIComponent(lpa);
  assert.equal(byWhich['install-ios'].href, `${APPLE_SETUP}${carddata}`);
  assert.equal(byWhich['install-android'].href, `${ANDROID_SETUP}${carddata}`);
  assert.equal(
    decodeURIComponent(new URL(byWhich['install-ios'].href).searchParams.get('carddata')),
    lpa,
    'carddata decodes to the LPA string',
  );
  for (const link of facts.links) {
    assert.ok(link.height >= 44, `${link.which} is ${link.height}px tall`);
  }
  assert.ok(facts.fieldsFit, 'the SM-DP+ address and the activation code fit in their boxes');
}

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
  checkLinks(facts, 'ios');
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
  checkLinks(cardFacts, 'ios');
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
  checkLinks(facts, 'android');
  assert.equal(facts.links[0].text, '在 Android 手機安裝');
  await shoot(page, 'zh-android-order');
  await context.close();
}

walk.run(async (browser) => {
  const orderPath = await iphone(browser);
  await android(browser, orderPath);
});
