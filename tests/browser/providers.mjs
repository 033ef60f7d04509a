// End-to-end walk of the four seed payment methods in headless Debian Chromium, as
// the demo subscriber on a phone, with the demo's payments wired to the local FAKES of
// Stripe, Alipay and WeChat Pay (src/fakes/, `payments.fakes = true`). Every payment
// runs the real adapter: our server calls the fake's API in the provider's own wire
// format, the payer pays on the fake's page, and the fake sends a notification signed
// as the provider signs it to our webhook, which verifies it with the adapter's code.
//
// The demo line is renewed once per method: card (Stripe: hosted card page), Alipay
// (QR code → the fake "Alipay app" page), WeChat Pay (QR code → the fake "WeChat app"
// page) and the wallet (topped up first by card when its HK$50.00 is short); a card
// declined with Stripe's test card 4000 0000 0000 0002 changes nothing.
//
//   node tests/browser/providers.mjs <base-url> <outbox.jsonl>
//   (or DATACARD_BASE_URL / DATACARD_OUTBOX in the environment)
//
// tests/browser.rs starts a demo server with the fakes and runs this. It prints one
// line per step and exits non-zero, with the reason, at the first expectation that
// fails. Full-page screenshots go to tests/browser/screenshots/providers-*.png.
//
// It expects a freshly seeded demo server (it counts the demo line's queued periods
// from the seed), as tests/browser.rs starts for each run.

import assert from 'node:assert/strict';

import {
  DEMO_ICCID_TAIL,
  cents,
  clickAndWait,
  demoLine,
  hkd,
  nav,
  orderState,
  pathOf,
  startWalk,
  textOf,
} from './lib.mjs';

const walk = startWalk('providers');
const { BASE, step, note, pageFacts, shoot, logIn } = walk;

// The notification comes from the fake by HTTP a moment after paying.
const SETTLE_TIMEOUT_MS = 15_000;

/** Every page of this walk is in English. */
function checkPage(page, expected) {
  return walk.checkPage(page, { lang: 'en', ...expected });
}

/** Reloads the order page until its state is `wanted` (no Refresh: the notification must do it). */
function waitForOrderState(page, wanted, since) {
  return walk.waitForOrderState(page, wanted, { since, timeoutMs: SETTLE_TIMEOUT_MS, lang: 'en' });
}

/** The addresses a navigation went through, first to last (redirects included). */
function redirectChain(response) {
  const chain = [];
  for (let request = response.request(); request; request = request.redirectedFrom()) {
    chain.unshift(new URL(request.url()).pathname);
  }
  return chain;
}

// ---- pages ----------------------------------------------------------------------

async function toAccount(page) {
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await checkPage(page, { path: '/account', h1: 'My account' });
}

/** How many periods are queued after the running one on the demo line. */
async function queuedCount(page) {
  const card = demoLine(page);
  if ((await card.getByTestId('queued').count()) === 0) return 0;
  return card.evaluate((article) => article.querySelectorAll('[data-testid="queued"] li').length);
}

async function walletBalance(page) {
  return cents(await textOf(page.getByTestId('wallet-balance')));
}

/** A fake provider's page: the banner, one h1 naming the fake, the amount. */
async function fakePage(page, { provider, path, amount, shot }) {
  assert.match(pathOf(page), path, `expected the fake ${provider}'s page, at ${page.url()}`);
  const facts = await pageFacts(page);
  assert.match(facts.h1s[0], new RegExp(`^FAKE ${provider} · `), `the fake page's h1: ${facts.h1s[0]}`);
  assert.match(facts.title, /for testing/, `the fake page's title should say it is for testing: ${facts.title}`);
  const banner = await textOf(page.getByTestId('fake-banner'));
  assert.match(banner, new RegExp(`FAKE ${provider} for testing only`), `the fake page's banner: ${banner}`);
  assert.ok(await page.getByTestId('fake-banner').isVisible(), 'the FAKE banner should be visible');
  assert.equal(await textOf(page.getByTestId('fake-amount')), amount, `the amount on the fake ${provider} page`);
  if (shot) await shoot(page, shot);
}

/** Account → Renew on the demo line → method → Review → Pay; returns the navigation response and total. */
async function renewWith(page, methodName) {
  await clickAndWait(page, demoLine(page).getByRole('link', { name: 'Renew', exact: true }));
  await checkPage(page, { path: '/checkout', h1: 'Checkout' });
  assert.ok(
    await page.getByRole('radio', { name: `Renew eSIM …${DEMO_ICCID_TAIL}`, exact: true }).isChecked(),
    'Renew should preselect its line',
  );
  await page.getByRole('radio', { name: methodName }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { path: '/checkout/review', h1: 'Confirm your order' });
  const total = await textOf(page.getByTestId('order-total'));
  const response = await clickAndWait(page, page.getByRole('button', { name: `Pay ${total}`, exact: true }));
  return { total, response };
}

/** On the fake Stripe's card page: type a card (or keep the prefilled 4242…) and pay. */
async function payByCard(page, { total, number, shot }) {
  await fakePage(page, { provider: 'Stripe', path: /^\/fake\/stripe\/card\/pi_[A-Za-z0-9]+$/, amount: total, shot });
  const field = page.getByLabel('Card number');
  if (number) {
    await field.fill(number);
  } else {
    assert.equal(await field.inputValue(), '4242 4242 4242 4242', 'the card page prefills Stripe\'s test card');
  }
  const paidAt = Date.now();
  await Promise.all([
    page.waitForURL((url) => url.pathname.startsWith('/orders/'), { waitUntil: 'load' }),
    page.getByRole('button', { name: `Pay ${total}`, exact: true }).click(),
  ]);
  return paidAt;
}

/** The order page of a QR payment: the code, and the link to the fake wallet app's page. */
async function qrOrder(page, { method, fakePath }) {
  await checkPage(page, { path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  assert.equal(await orderState(page), 'pending_payment');
  assert.match(await textOf(page.locator('main')), new RegExp(`Scan this code with your phone's ${method} app to pay\\.`));
  const qr = page.locator('figure.qr');
  assert.equal(await qr.count(), 1, 'expected one QR code');
  assert.equal(await qr.getAttribute('aria-label'), method, 'the QR should be named for screen readers');
  const box = await qr.locator('svg').boundingBox();
  assert.ok(box && box.width >= 200, `the QR should be big enough to scan: ${JSON.stringify(box)}`);
  const data = await qr.getAttribute('data-qr');
  assert.ok(data.startsWith(`${BASE}${fakePath}`), `the QR should open the fake ${method} page: ${data}`);
  const link = page.getByRole('link', { name: 'Or pay on this device', exact: true });
  assert.equal(await link.getAttribute('href'), data, 'the link and the QR lead to the same page');
  return { orderId: pathOf(page).split('/').pop(), link };
}

// ---- the walk -------------------------------------------------------------------

const ledger = { queued: 0 };

async function expectRenewed(page, orderId, paidAt, label, method) {
  const settled = await waitForOrderState(page, 'fulfilled', paidAt);
  note(`order ${orderId} fulfilled ${settled.ms} ms after paying (${settled.polls} reloads, no Refresh)`);
  assert.equal(await textOf(page.getByTestId('order-state')), 'Done');
  assert.equal(await page.locator('figure.qr').count(), 0, 'a paid order shows no payment QR');
  const payment = await page.locator('main dl.facts').evaluate((dl) => {
    const dt = [...dl.querySelectorAll('dt')].find((d) => d.textContent.trim() === 'Payment');
    return dt ? dt.nextElementSibling.textContent.trim() : '';
  });
  assert.equal(payment, method, 'the order names its payment method');
  await shoot(page, `${label}-fulfilled`);
  await toAccount(page);
  ledger.queued += 1;
  assert.equal(await queuedCount(page), ledger.queued, `the demo line should have ${ledger.queued} queued period(s) after the ${label} renewal`);
}

async function cardRenewal(page) {
  step('card: Renew …0010 with "Credit or debit card" → /pay/stripe/… → the fake Stripe card page');
  const { total, response } = await renewWith(page, /^Credit or debit card/);
  const chain = redirectChain(response);
  note(`went through ${chain.join(' → ')}`);
  assert.ok(chain.some((p) => /^\/pay\/stripe\/pay_/.test(p)), `the payer should pass our card page /pay/stripe/…: ${chain.join(' → ')}`);
  const paidAt = await payByCard(page, { total, shot: 'stripe-card' });

  step(`card: paid ${total} with 4242… → the order is fulfilled by Stripe's signed payment_intent.succeeded`);
  await checkPage(page, { path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  await expectRenewed(page, pathOf(page).split('/').pop(), paidAt, 'card', 'Credit or debit card');
  await shoot(page, 'account-after-card');
}

async function qrRenewal(page, { method, label, fakePath, provider, button }) {
  step(`${label}: Renew …0010 with ${method} → the order page shows the fake's QR code`);
  const { total } = await renewWith(page, new RegExp(`^${method}`));
  const { orderId, link } = await qrOrder(page, { method, fakePath });
  await shoot(page, `${label}-qr`);

  step(`${label}: open the payment page (the fake ${provider} app after scanning) and pay ${total}`);
  await clickAndWait(page, link);
  await fakePage(page, { provider, path: new RegExp(`^${fakePath}[A-Za-z0-9]+$`), amount: total, shot: `${label}-app` });
  const paidAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: button, exact: true }));
  assert.equal(pathOf(page), `/orders/${orderId}`, 'after paying, the fake goes back to the order page');

  step(`${label}: the order is fulfilled by the fake's signed notification`);
  await expectRenewed(page, orderId, paidAt, label, method);
}

async function declinedCard(page) {
  step('declined: Renew with a card, pay with Stripe\'s declined test card 4000 0000 0000 0002');
  const walletBefore = await walletBalance(page);
  const { total } = await renewWith(page, /^Credit or debit card/);
  const declinedAt = await payByCard(page, { total, number: '4000 0000 0000 0002' });
  await checkPage(page, { path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  const settled = await waitForOrderState(page, 'failed', declinedAt);
  note(`failed ${settled.ms} ms after paying (payment_intent.payment_failed)`);
  assert.match(await textOf(page.locator('main p[role="status"]')), /Nothing was charged/);
  await shoot(page, 'declined');
  await toAccount(page);
  assert.equal(await queuedCount(page), ledger.queued, 'a declined renewal adds no period');
  assert.equal(await walletBalance(page), walletBefore, 'a declined card leaves the wallet alone');
}

async function walletRenewal(page) {
  step('wallet: what does a renewal cost, and does the wallet cover it?');
  let balance = await walletBalance(page);
  await clickAndWait(page, demoLine(page).getByRole('link', { name: 'Renew', exact: true }));
  const walletChoice = page.getByRole('radio', { name: /^Wallet balance/ });
  await walletChoice.check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  const price = cents(await textOf(page.getByTestId('order-total')));
  note(`wallet ${hkd(balance)}, a renewal from the wallet costs ${hkd(price)}`);
  await toAccount(page);

  if (balance < price) {
    const topup = Math.ceil((price - balance) / 10_000) * 100;
    step(`wallet: ${hkd(balance)} is short → Top up HK$${topup} by card through the fake Stripe`);
    await clickAndWait(page, page.getByRole('link', { name: 'Top up', exact: true }));
    await checkPage(page, { path: '/checkout', h1: 'Top up your wallet' });
    await page.getByLabel('Amount (HK$)').fill(String(topup));
    await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
    await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
    await checkPage(page, { path: '/checkout/review', h1: 'Confirm your order' });
    const total = await textOf(page.getByTestId('order-total'));
    await clickAndWait(page, page.getByRole('button', { name: `Pay ${total}`, exact: true }));
    const paidAt = await payByCard(page, { total, shot: 'topup-card' });
    const settled = await waitForOrderState(page, 'fulfilled', paidAt);
    note(`top-up fulfilled ${settled.ms} ms after paying`);
    await shoot(page, 'topup-fulfilled');
    await toAccount(page);
    assert.equal(await walletBalance(page), balance + topup * 100, `the wallet should be HK$${topup} higher`);
    balance += topup * 100;
  }

  step(`wallet: Renew …0010 from the wallet (${hkd(price)}) → fulfilled at once`);
  const { total } = await renewWith(page, /^Wallet balance/);
  assert.equal(cents(total), price);
  await checkPage(page, { path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  assert.equal(await orderState(page), 'fulfilled', 'a wallet payment fulfils at once');
  await shoot(page, 'wallet-fulfilled');
  await toAccount(page);
  ledger.queued += 1;
  assert.equal(await queuedCount(page), ledger.queued, `the demo line should have ${ledger.queued} queued periods`);
  assert.equal(await walletBalance(page), balance - price, `the wallet should be ${hkd(price)} lower`);
  await shoot(page, 'account-after-all');
}

async function orderList(page) {
  step('orders: every order of the walk is listed with its final state');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Orders', exact: true }));
  await checkPage(page, { path: '/orders', h1: 'My orders' });
  const states = await page.locator('main [data-order] [data-testid="order-state"]').evaluateAll((badges) =>
    badges.map((b) => b.dataset.state),
  );
  note(`orders, newest first: ${states.join(', ')}`);
  assert.ok(states.length >= 5, `expected at least 5 orders, found ${states.length}`);
  assert.equal(states.filter((s) => s === 'failed').length, 1, 'exactly one order (the declined card) failed');
  assert.ok(states.filter((s) => s !== 'failed').every((s) => s === 'fulfilled'), `every other order is fulfilled: ${states}`);
  await shoot(page, 'orders');
}

walk.run(async (browser) => {
  const { context, page } = await walk.newContext(browser, 'en');
  step('log in as the demo subscriber; the demo line has no queued period, the wallet HK$50.00');
  await logIn(page);
  assert.equal(await demoLine(page).count(), 1, `expected the demo line …${DEMO_ICCID_TAIL}`);
  assert.equal(await queuedCount(page), 0, 'the demo line should start with no queued periods');
  assert.equal(await walletBalance(page), 5000, 'the demo wallet starts at HK$50.00');
  await shoot(page, 'account-before');

  await cardRenewal(page);
  await qrRenewal(page, { method: 'Alipay', label: 'alipay', fakePath: '/fake/alipay/qr/', provider: 'Alipay', button: 'Pay · 付款' });
  await qrRenewal(page, {
    method: 'WeChat Pay',
    label: 'wechat',
    fakePath: '/fake/wechat_pay/qr/',
    provider: 'WeChat Pay',
    button: 'Pay · 支付',
  });
  await declinedCard(page);
  await walletRenewal(page);
  await orderList(page);
  await context.close();
});
