// End-to-end walk of a card renewal through our own card page in headless Debian
// Chromium, as the demo subscriber on a phone, with cards served by Stripe at
// localstripe (a fake but stateful Stripe) and the page loading localstripe's fake
// Stripe.js (`payments.providers.stripe.js_url`): the card typed into its card
// Element, "save this card for auto-renew" ticked, Pay; the order is paid, the card
// is listed on the account page, and auto-renew is switched to it. Then a top-up with
// a card whose bank wants 3-D Secure, not saved: localstripe's authentication box
// twice (setting the card up, then paying), and the top-up is paid.
//
//   node tests/browser/card.mjs <base-url> <outbox.jsonl>
//   DATACARD_STRIPE_BASE: localstripe's address (the page talks to it, as to Stripe)
//
// tests/browser.rs starts localstripe and a demo server wired to it, and runs this.
// It prints one line per step and exits non-zero, with the reason, at the first
// expectation that fails. Full-page screenshots go to tests/browser/screenshots/card-*.png.

import assert from 'node:assert/strict';

import { DEMO_ICCID_TAIL, clickAndWait, demoLine, nav, orderFacts, orderState, pathOf, startWalk, textOf } from './lib.mjs';

const walk = startWalk('card');
const { BASE, step, note, shoot, logIn } = walk;
const STRIPE = (process.env.DATACARD_STRIPE_BASE || '').replace(/\/+$/, '');
if (!STRIPE) {
  console.error('DATACARD_STRIPE_BASE (localstripe\'s address) is not set');
  process.exit(2);
}

function checkPage(page, expected) {
  return walk.checkPage(page, { lang: 'en', ...expected });
}

async function toAccount(page) {
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await checkPage(page, { path: '/account', h1: 'My account' });
}

walk.run(async (browser) => {
  const { context, page } = await walk.newContext(browser, 'en');
  // Besides our own server, the page may talk to Stripe (here: localstripe) only.
  await context.route(`${STRIPE}/**`, (route) => route.continue());
  const stripeCalls = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${STRIPE}/`)) stripeCalls.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });

  step('log in as the demo subscriber; no saved card yet');
  await logIn(page);
  assert.match(await textOf(page.getByTestId('saved-cards')), /No saved cards/);

  step('Renew …0010 by "Credit or debit card" → Review → Pay → our card page');
  await clickAndWait(page, demoLine(page).getByRole('link', { name: 'Renew', exact: true }));
  await checkPage(page, { path: '/checkout', h1: 'Checkout' });
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { path: '/checkout/review', h1: 'Confirm your order' });
  const total = await textOf(page.getByTestId('order-total'));
  await clickAndWait(page, page.getByRole('button', { name: `Pay ${total}`, exact: true }));
  await checkPage(page, { path: /^\/pay\/stripe\/pay_[A-Za-z0-9_]+$/, h1: 'Pay by card' });
  assert.equal(await textOf(page.getByTestId('card-amount')), total, 'the card page shows the order total');
  const paymentPath = pathOf(page);

  step('localstripe\'s Stripe.js mounted its card Element: type 4242 4242 4242 4242, 12/30, 123');
  const element = page.locator('#card-element');
  await element.locator('input[placeholder="number"]').waitFor();
  assert.match(await textOf(element), /localstripe/, 'the card Element is localstripe\'s fake one');
  await element.locator('input[placeholder="number"]').pressSequentially('4242424242424242');
  await element.locator('input[placeholder="exp_month"]').fill('12');
  await element.locator('input[placeholder="exp_year"]').fill('30');
  await element.locator('input[placeholder="cvc"]').fill('123');
  await element.locator('input[placeholder="postal_code"]').fill('00000');
  const save = page.getByLabel('Save this card for auto-renew');
  await save.check();
  assert.ok(await save.isChecked());
  await walk.pageFacts(page);
  await shoot(page, 'page');

  step(`Pay ${total}: SetupIntent confirmed by Stripe.js, paid by our server → the order page`);
  const payButton = page.getByRole('button', { name: `Pay ${total}`, exact: true });
  const paidAt = Date.now();
  await Promise.all([
    page.waitForURL((url) => url.pathname.startsWith('/orders/'), { waitUntil: 'load', timeout: 20_000 }),
    payButton.click(),
  ]);
  note(`Stripe.js called ${stripeCalls.join(', ')}`);
  assert.ok(
    stripeCalls.some((call) => /^POST \/v1\/setup_intents\/seti_\w+\/confirm$/.test(call)),
    `the card went to Stripe from the browser (confirmCardSetup): ${stripeCalls}`,
  );
  assert.ok(!stripeCalls.some((call) => call.includes('/payment_intents/')), 'no 3-D Secure for 4242…');
  await checkPage(page, { path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  const settled = await walk.waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: 15_000, lang: 'en' });
  note(`fulfilled ${settled.ms} ms after Pay (${settled.polls} reloads)`);
  assert.equal((await orderFacts(page)).Payment, 'Credit or debit card');
  await shoot(page, 'fulfilled');

  step('the card page of a paid order goes to the order');
  await page.goto(`${BASE}${paymentPath}`);
  await checkPage(page, { path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  assert.equal(await orderState(page), 'fulfilled');

  step('My account lists the saved card; auto-renew of …0010 switched to it');
  await toAccount(page);
  const cards = page.getByTestId('saved-cards');
  assert.match(await textOf(cards), /Visa •••• 4242 expires 12\/2030/);
  assert.equal(await cards.getByRole('button', { name: 'Remove Visa •••• 4242', exact: true }).count(), 1);
  const line = demoLine(page);
  await line.getByLabel('Renew automatically').check();
  await line.getByLabel('Pay with').selectOption({ label: 'Saved card' });
  await clickAndWait(page, line.getByRole('button', { name: 'Save auto-renew', exact: true }));
  await checkPage(page, { path: '/account', h1: 'My account' });
  assert.match(await textOf(page.locator('main p[role="status"]').first()), /Auto-renew settings saved/);
  const next = await textOf(demoLine(page).getByTestId('next-charge'));
  note(`…${DEMO_ICCID_TAIL}: ${next}`);
  assert.match(next, /^Next charge: HK\$[\d,]+\.\d\d on .*We charge your newest saved card/);
  await shoot(page, 'account');

  step('Top up HK$100 by card with 4000 0027 6000 3184, not saved: 3-D Secure when setting up and when paying');
  const walletBefore = await textOf(page.getByTestId('wallet-balance'));
  await clickAndWait(page, page.getByRole('link', { name: 'Top up', exact: true }));
  await checkPage(page, { path: '/checkout', h1: 'Top up your wallet' });
  await page.getByLabel('Amount (HK$)').fill('100');
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  const topUpTotal = await textOf(page.getByTestId('order-total'));
  await clickAndWait(page, page.getByRole('button', { name: `Pay ${topUpTotal}`, exact: true }));
  await checkPage(page, { path: /^\/pay\/stripe\/pay_[A-Za-z0-9_]+$/, h1: 'Pay by card' });
  const topUpElement = page.locator('#card-element');
  await topUpElement.locator('input[placeholder="number"]').pressSequentially('4000002760003184');
  await topUpElement.locator('input[placeholder="exp_month"]').fill('12');
  await topUpElement.locator('input[placeholder="exp_year"]').fill('30');
  await topUpElement.locator('input[placeholder="cvc"]').fill('123');
  assert.equal(await page.getByLabel('Save this card for auto-renew').isChecked(), false);
  const authenticate = page.getByRole('button', { name: 'Complete authentication', exact: true });
  await page.getByRole('button', { name: `Pay ${topUpTotal}`, exact: true }).click();
  // localstripe's Stripe.js shows its 3-D Secure box: for the SetupIntent, then for
  // the PaymentIntent our server confirmed.
  await authenticate.waitFor();
  await shoot(page, '3ds');
  await authenticate.click();
  await authenticate.waitFor();
  const topUpPaidAt = Date.now();
  await Promise.all([
    page.waitForURL((url) => url.pathname.startsWith('/orders/'), { waitUntil: 'load', timeout: 20_000 }),
    authenticate.click(),
  ]);
  assert.ok(
    stripeCalls.some((call) => /^POST \/v1\/payment_intents\/pi_\w+\/_authenticate$/.test(call)),
    `the payment's 3-D Secure went through Stripe.js: ${stripeCalls}`,
  );
  const toppedUp = await walk.waitForOrderState(page, 'fulfilled', { since: topUpPaidAt, timeoutMs: 15_000, lang: 'en' });
  note(`top-up fulfilled ${toppedUp.ms} ms after the second authentication`);
  await shoot(page, 'topup-fulfilled');
  await toAccount(page);
  note(`wallet ${walletBefore} → ${await textOf(page.getByTestId('wallet-balance'))}`);
  assert.equal(
    await page.getByTestId('saved-cards').locator('li').count(),
    1,
    'the card paid without "save" is not saved',
  );
  await context.close();
});
