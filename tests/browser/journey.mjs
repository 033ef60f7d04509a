// Issue 12's "Done when", as one walk: a new subscriber on an iPhone (390×844, its
// user agent), once in Traditional Chinese, English and Simplified Chinese, with the
// demo's payments through the real adapters and the local fakes of Alipay and Stripe
// (`payments.fakes`, as `serve --demo` runs):
//
// plans page → a plan chosen while logged out → register with an 8-digit local
// number (no +852) and the SMS code → back on the checkout with the plan → for every
// method the plans page's total is the review's → a new eSIM by Alipay: Pay opens
// Alipay's mobile cashier, the order page offers "Pay with Alipay" (no QR to scan),
// paid there the order page turns fulfilled by itself → the install section: the
// iPhone one-tap link's carddata decodes to the LPA string of the SM-DP+ address and
// activation code shown → renew the line by card, declined (Stripe's test card
// 4000 0000 0000 0002) → the failed order says why and Retry pays by card without
// going back to the plans → the account card shows one 有效至 / Valid until / 有效期至,
// the renewal review's.
//
//   node tests/browser/journey.mjs <base-url> <outbox.jsonl>
//
// Labels come from the language's catalog (src/i18n/<tag>.toml); the words the issue
// names (有效至 …) are checked as written. Screenshots: screenshots/journey-<lang>-*.png.

import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';

import {
  APPLE_SETUP,
  IPHONE,
  catalog,
  checkInstallLinks,
  clickAndWait,
  installFacts,
  nav,
  orderState,
  pathOf,
  say,
  startWalk,
  textOf,
  turnsByItself,
} from './lib.mjs';

const walk = startWalk('journey');
const { BASE, step, note, checkPage, shoot, newestCode } = walk;

const PLAN = 'HK-30D-20G';
// The demo's enabled methods: the plans page must offer each.
const METHODS = ['card', 'alipay', 'wechat_pay', 'wallet'];
const LANGUAGES = [
  { lang: 'zh-HK', locale: 'zh-HK', validUntil: '有效至' },
  { lang: 'en', locale: 'en-GB', validUntil: 'Valid until' },
  { lang: 'zh-CN', locale: 'zh-CN', validUntil: '有效期至' },
];

/** The addresses a navigation went through, first to last (redirects included). */
function redirectChain(response) {
  const chain = [];
  for (let request = response.request(); request; request = request.redirectedFrom()) {
    chain.unshift(new URL(request.url()).pathname);
  }
  return chain;
}

function planCard(page) {
  return page.locator(`li.plan[data-plan="${PLAN}"]`);
}

async function reviewFacts(page) {
  return {
    total: await textOf(page.getByTestId('order-total')),
    validUntil: await textOf(page.getByTestId('valid-until')),
  };
}

/** A fake provider's page (bilingual, plainly a fake): the amount it asks for. */
async function fakePage(page, { path, amount, shot }) {
  assert.match(pathOf(page), path, `expected the fake provider's page, at ${page.url()}`);
  const facts = await walk.pageFacts(page);
  assert.match(facts.h1s[0], /^FAKE /, `the fake page's h1: ${facts.h1s[0]}`);
  assert.equal(await textOf(page.getByTestId('fake-amount')), amount, 'the amount on the fake page');
  if (shot) await shoot(page, shot);
}

/** On the fake Stripe's card page: a card number, then Pay; ends on our order page. */
async function payByCard(page, { total, number, tag, shot }) {
  await fakePage(page, { path: /^\/fake\/stripe\/card\/pi_[A-Za-z0-9]+$/, amount: total, shot });
  await page.getByLabel('Card number').fill(number);
  await Promise.all([
    page.waitForURL((url) => url.pathname.startsWith('/orders/'), { waitUntil: 'load' }),
    page.getByRole('button', { name: `Pay ${total}`, exact: true }).click(),
  ]);
  assert.match(pathOf(page), /^\/orders\/[^/]+$/, `${tag}: back on the order page`);
}

async function journey(browser, { lang, locale, validUntil }) {
  const T = catalog(lang);
  const tag = lang.toLowerCase();
  const check = (page, expected) => checkPage(page, { lang, ...expected });
  const { context, page } = await walk.newContext(browser, locale, { userAgent: IPHONE });
  const local = `6${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const typed = `${local.slice(0, 4)} ${local.slice(4)}`;
  const phone = `+852${local}`;
  const email = `journey-${tag}-${local}-${Date.now()}@example.com`;
  const password = `Walk-the-journey-${randomInt(100_000, 999_999)}`;

  // ---- sign up from a chosen plan ---------------------------------------------------
  step(`${tag}: the plans page, logged out; choose ${PLAN}`);
  await page.goto(`${BASE}/`);
  await clickAndWait(page, nav(page).getByRole('link', { name: T['nav.plans'], exact: true }));
  await check(page, { path: '/plans', h1: T['plans.title'] });
  // The fee's number and its % sign stay on one line (a no-break space between them).
  const feeSaid = await page.getByTestId('method-fee').textContent();
  assert.ok(feeSaid.includes('2.5\u00a0%'), `the fee as one unit: ${JSON.stringify(feeSaid)}`);
  await shoot(page, `${tag}-plans`);
  await clickAndWait(page, planCard(page).getByRole('link', { name: new RegExp(`^${T['plans.choose']}`) }));
  await check(page, { path: '/login', h1: T['login.title'] });
  const next = new URL(new URL(page.url()).searchParams.get('next'), BASE);
  assert.deepEqual([next.pathname, next.searchParams.get('plan')], ['/checkout', PLAN], 'the login keeps the plan');

  step(`${tag}: create an account with the local number "${typed}" (no +852)`);
  await clickAndWait(page, page.locator('main').getByRole('link', { name: T['login.no_account'] }));
  await check(page, { path: '/register', h1: T['register.title'] });
  await page.getByLabel(T['register.phone'], { exact: true }).fill(typed);
  await page.getByLabel(T['register.email'], { exact: true }).fill(email);
  await page.getByLabel(T['register.password'], { exact: true }).fill(password);
  const askedAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: T['register.submit'] }));
  await check(page, { path: '/register/verify', h1: T['verify.title'] });
  assert.equal(new URL(page.url()).searchParams.get('phone'), phone, 'the local number, read as +852');
  const code = await newestCode(phone, askedAt);
  await page.getByLabel(T['verify.code'], { exact: true }).fill(code);
  await clickAndWait(page, page.getByRole('button', { name: T['verify.submit'] }));
  await check(page, { path: '/checkout', h1: T['checkout.title'] });
  assert.equal(new URL(page.url()).searchParams.get('plan'), PLAN, 'back on the checkout with the plan');
  await shoot(page, `${tag}-checkout-after-register`);

  // ---- the plans page's total is the review's, for every method ---------------------
  await page.goto(`${BASE}/plans`);
  const methods = await page.locator('nav.methods a').evaluateAll((links) => links.map((a) => a.dataset.method));
  assert.deepEqual([...methods].sort(), [...METHODS].sort(), 'the plans page offers every enabled method');
  for (const method of methods) {
    await page.goto(`${BASE}/plans?method=${method}`);
    await check(page, { path: '/plans', h1: T['plans.title'] });
    const link = page.locator(`nav.methods a[data-method="${method}"]`);
    assert.equal(await link.getAttribute('aria-current'), 'true', `${method} is the plans page's method`);
    const shown = await textOf(planCard(page).getByTestId('plan-total'));
    await clickAndWait(page, planCard(page).getByRole('link', { name: new RegExp(`^${T['plans.choose']}`) }));
    await check(page, { path: '/checkout', h1: T['checkout.title'] });
    assert.ok(await page.locator(`input[name="method"][value="${method}"]`).isChecked(), `${method} carried to the checkout`);
    await clickAndWait(page, page.getByRole('button', { name: T['checkout.review'], exact: true }));
    await check(page, { path: '/checkout/review', h1: T['checkout.review_title'] });
    const total = await textOf(page.getByTestId('order-total'));
    step(`${tag}: ${T[`plans.method_${method}`]}: plans page ${shown}, review ${total}`);
    assert.equal(total, shown, `by ${method} the review's total is the plans page's`);
  }

  // ---- a new eSIM by Alipay on this phone -------------------------------------------
  step(`${tag}: a new eSIM by Alipay → Pay opens Alipay's mobile cashier, no QR`);
  const alipay = say(T, 'checkout.method_alipay');
  await page.goto(`${BASE}/checkout?plan=${PLAN}`);
  await check(page, { path: '/checkout', h1: T['checkout.title'] });
  await page.getByRole('radio', { name: new RegExp(`^${alipay}`) }).check();
  await clickAndWait(page, page.getByRole('button', { name: T['checkout.review'], exact: true }));
  await check(page, { path: '/checkout/review', h1: T['checkout.review_title'] });
  const newEsim = await reviewFacts(page);
  await clickAndWait(page, page.getByRole('button', { name: say(T, 'checkout.pay', { total: newEsim.total }), exact: true }));
  await fakePage(page, { path: /^\/fake\/alipay\/cashier\/[A-Za-z0-9]+$/, amount: newEsim.total, shot: `${tag}-alipay-cashier` });

  step(`${tag}: the order page while it waits: "Pay with Alipay", no QR code to scan`);
  await page.goto(`${BASE}/orders`);
  await clickAndWait(page, page.locator('main [data-order]').first().getByRole('link'));
  await check(page, { path: /^\/orders\/[^/]+$/ });
  const orderPath = pathOf(page);
  assert.equal(await orderState(page), 'pending_payment');
  const payHere = page.getByTestId('pay-here');
  assert.equal(await textOf(payHere), say(T, 'order.open_app', { method: alipay }));
  const box = await payHere.boundingBox();
  assert.ok(box && box.height >= 44 && box.width >= 300, `the pay button is big on a phone: ${JSON.stringify(box)}`);
  assert.equal(await page.locator('figure.qr').count(), 0, 'no QR code on the phone that pays');
  assert.equal(await page.locator('meta[http-equiv]').count(), 0, 'no meta refresh');
  await shoot(page, `${tag}-alipay-order-waiting`);

  step(`${tag}: Pay with Alipay → pay at the fake cashier → the order page turns fulfilled by itself`);
  await clickAndWait(page, payHere);
  await fakePage(page, { path: /^\/fake\/alipay\/cashier\/[A-Za-z0-9]+$/, amount: newEsim.total });
  await Promise.all([
    page.waitForURL((url) => url.pathname === orderPath, { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Pay · 付款', exact: true }).click(),
  ]);
  const ms = await turnsByItself(page, 'fulfilled');
  note(`fulfilled ${ms} ms after coming back, no reload by the walk`);
  await check(page, { path: orderPath });
  await shoot(page, `${tag}-alipay-fulfilled`);

  // ---- install with the one-tap link ------------------------------------------------
  step(`${tag}: install: the iPhone link first, its carddata the LPA string of the two fields`);
  const install = await installFacts(page);
  checkInstallLinks(install, 'ios');
  const ios = install.links[0];
  assert.equal(ios.text, T['install.ios']);
  assert.ok(ios.href.startsWith(APPLE_SETUP), ios.href);
  const carddata = new URL(ios.href).searchParams.get('carddata');
  assert.equal(carddata, `LPA:1$${install.smdp}$${install.matchingId}`, 'carddata is LPA:1$<SM-DP+ address>$<activation code>');
  note(`${install.smdp} + ${install.matchingId} → ${ios.href}`);
  await page.locator('section.install').screenshot({ path: walk.shotPath(`${tag}-install`) });

  // ---- renew by card: declined, then Retry ------------------------------------------
  step(`${tag}: renew the new line by card; the bank declines (4000 0000 0000 0002)`);
  await clickAndWait(page, nav(page).getByRole('link', { name: T['nav.account'], exact: true }));
  await check(page, { path: '/account', h1: T['account.title'] });
  const line = page.locator('article.card[data-iccid]');
  assert.equal(await line.count(), 1, 'the new subscriber has one line');
  const iccid = await line.getAttribute('data-iccid');
  await clickAndWait(page, line.getByRole('link', { name: T['account.renew'], exact: true }));
  await check(page, { path: '/checkout', h1: T['checkout.title'] });
  const card = say(T, 'checkout.method_card');
  await page.getByRole('radio', { name: new RegExp(`^${card}`) }).check();
  await clickAndWait(page, page.getByRole('button', { name: T['checkout.review'], exact: true }));
  await check(page, { path: '/checkout/review', h1: T['checkout.review_title'] });
  const renewal = await reviewFacts(page);
  note(`renewal review: ${JSON.stringify(renewal)}`);
  await shoot(page, `${tag}-renewal-review`);
  await clickAndWait(page, page.getByRole('button', { name: say(T, 'checkout.pay', { total: renewal.total }), exact: true }));
  await payByCard(page, { total: renewal.total, number: '4000 0000 0000 0002', tag, shot: `${tag}-card-page` });
  await turnsByItself(page, 'failed');
  await check(page, { path: /^\/orders\/[^/]+$/ });
  const failedOrder = pathOf(page);
  const reason = page.getByTestId('decline-reason');
  assert.equal(await reason.getAttribute('data-reason'), 'declined');
  assert.equal(await textOf(reason), say(T, 'order.reason.declined', { method: card }));
  assert.equal(await page.getByTestId('other-method').count(), 1, 'another method offered');
  await shoot(page, `${tag}-declined`);

  step(`${tag}: Retry by card → the card page straight away → paid → fulfilled by itself`);
  const response = await clickAndWait(page, page.getByRole('button', { name: say(T, 'order.retry', { method: card }), exact: true }));
  const chain = redirectChain(response);
  note(`retry went through ${chain.join(' → ')}`);
  assert.ok(!chain.some((p) => p === '/plans' || p.startsWith('/checkout')), `Retry does not go back to the plans or the checkout: ${chain.join(' → ')}`);
  await payByCard(page, { total: renewal.total, number: '4242 4242 4242 4242', tag });
  assert.notEqual(pathOf(page), failedOrder, 'a new order for the same choice');
  await turnsByItself(page, 'fulfilled');
  await check(page, { path: /^\/orders\/[^/]+$/ });
  await shoot(page, `${tag}-retried-paid`);

  // ---- the account card: one valid-until, the renewal review's ----------------------
  step(`${tag}: the account card shows one "${validUntil}", the renewal review's`);
  await clickAndWait(page, nav(page).getByRole('link', { name: T['nav.account'], exact: true }));
  await check(page, { path: '/account', h1: T['account.title'] });
  const after = page.locator(`article.card[data-iccid="${iccid}"]`);
  assert.equal(await after.getByTestId('valid-until').count(), 1, 'one valid-until on the card');
  assert.equal(await textOf(after.getByTestId('valid-until')), renewal.validUntil, 'the account says what the review said');
  const terms = await after.locator('dt').allInnerTexts();
  assert.equal(terms.filter((t) => t.trim() === validUntil).length, 1, `one "${validUntil}" among ${JSON.stringify(terms)}`);
  const text = await textOf(page.locator('main'));
  assert.equal(text.split(validUntil).length - 1, 1, `"${validUntil}" once on the account page`);
  assert.ok(text.includes(`+852 ${typed}`), `the account shows the number as typed, with its code: +852 ${typed}`);
  // The demo's fake Stripe cannot save a card: no hint to tick a box its page never shows.
  assert.equal(await page.getByTestId('no-saved-card').count(), 0, 'no "save this card" hint without a way to');
  assert.equal(await page.getByTestId('saved-cards').count(), 0, 'no empty "Saved cards" without a way to save one');
  await shoot(page, `${tag}-account`);
  await after.screenshot({ path: walk.shotPath(`${tag}-account-card`) });
  await context.close();
}

walk.run(async (browser) => {
  for (const language of LANGUAGES) await journey(browser, language);
});
