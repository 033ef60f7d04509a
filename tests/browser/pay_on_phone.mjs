// The demo subscriber pays on the phone that holds the eSIM (390×844, a phone's
// User-Agent): Alipay opens the provider's mobile page rather than a QR code to scan
// on the same screen, and the order page turns paid by itself (its script follows
// the payment, no reload); a declined card says why and Retry pays by card again
// without leaving the flow; a wallet too short says so on the review, tops up the
// shortfall and comes back to the same checkout; a pending order is cancelled. Then
// the failed order and the short wallet again in Traditional Chinese.
//
//   node tests/browser/pay_on_phone.mjs <base-url> <outbox.jsonl>
//
// Screenshots: tests/browser/screenshots/pay-on-phone-*.png.

import assert from 'node:assert/strict';

import { IPHONE, clickAndWait, orderState, pathOf, pressOnSandbox, startWalk, textOf, turnsByItself } from './lib.mjs';

const walk = startWalk('pay_on_phone', { shotPrefix: 'pay-on-phone-' });
const { BASE, step, note, checkPage, shoot, logIn, sandboxPage } = walk;


/** The checkout for one period of the demo plan on the demo line, by `method`, to the review. */
async function reviewWith(page, { lang = 'en', method }) {
  await page.goto(`${BASE}/checkout?plan=HK-30D-20G&lang=${lang}`);
  await checkPage(page, { lang, path: '/checkout' });
  await page.getByRole('radio', { name: method }).check();
  await clickAndWait(page, page.locator('main form button[type="submit"]').last());
  await checkPage(page, { lang, path: '/checkout/review' });
}

walk.run(async (browser) => {
  const { context, page } = await walk.newContext(browser, 'en-US');
  await page.setExtraHTTPHeaders({ 'User-Agent': IPHONE });

  step('en: log in on the phone');
  await logIn(page);

  // ---- Alipay without a second device -------------------------------------------
  step('en: renew by Alipay → Pay goes straight to the provider’s mobile page, no QR to scan');
  await reviewWith(page, { method: /^Alipay/ });
  await clickAndWait(page, page.getByRole('button', { name: /^Pay HK\$/ }));
  await sandboxPage(page, { amount: 'HK$89.32', shot: 'en-alipay-provider' });

  step('en: back to the order while it waits: the big button opens Alipay, the QR is folded away');
  await page.goto(`${BASE}/orders?lang=en`);
  await clickAndWait(page, page.locator('main [data-order]').first().getByRole('link'));
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  assert.equal(await orderState(page), 'pending_payment');
  assert.equal(await textOf(page.getByTestId('waiting-for')), 'Waiting for Alipay to confirm your payment.');
  const payHere = page.getByTestId('pay-here');
  assert.equal(await textOf(payHere), 'Pay with Alipay');
  const box = await payHere.boundingBox();
  assert.ok(box && box.height >= 44 && box.width >= 300, `the pay button is big on a phone: ${JSON.stringify(box)}`);
  assert.equal(await page.locator('figure.qr').count(), 0, 'no QR: the provider answers a phone with its mobile page');
  assert.equal(await page.locator('meta[http-equiv]').count(), 0, 'no meta refresh');
  await shoot(page, 'en-alipay-order-pending');

  step('en: press "Pay with Alipay", pay there → the order page turns paid by itself');
  await clickAndWait(page, payHere);
  await sandboxPage(page, { amount: 'HK$89.32' });
  await pressOnSandbox(page, 'Pay · 付款');
  const confirming = await textOf(page.locator('main'));
  assert.doesNotMatch(confirming, /Pay by /, 'back from the provider: no invitation to pay again');
  assert.equal(await page.getByTestId('pay-here').count(), 0, 'back from the provider: no pay button');
  const ms = await turnsByItself(page, 'fulfilled');
  note(`fulfilled ${ms} ms after the return, without a reload by the walk`);
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  await shoot(page, 'en-alipay-paid-by-itself');

  // ---- a declined card, then Retry by card ----------------------------------------
  step('en: renew by card, the bank declines → the order says why, with Retry, another method and support');
  await reviewWith(page, { method: /^Credit or debit card/ });
  await clickAndWait(page, page.getByRole('button', { name: /^Pay HK\$/ }));
  await sandboxPage(page, { amount: 'HK$90.20' });
  await pressOnSandbox(page, 'Decline · 拒絕');
  await turnsByItself(page, 'failed');
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  const failedOrder = pathOf(page);
  assert.match(await textOf(page.getByTestId('decline-reason')), /Your bank declined the payment/);
  assert.equal(await page.getByTestId('other-method').count(), 1);
  assert.match(await textOf(page.getByTestId('support')), /\+852 3000 1234/);
  await shoot(page, 'en-card-declined');

  step('en: Retry → the provider’s page for a new payment → Pay → paid by itself');
  await clickAndWait(page, page.getByRole('button', { name: 'Try again with Credit or debit card' }));
  await sandboxPage(page, { amount: 'HK$90.20' });
  await pressOnSandbox(page, 'Pay · 付款');
  assert.notEqual(pathOf(page), failedOrder, 'a new order for the same choice');
  await turnsByItself(page, 'fulfilled');
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  await shoot(page, 'en-card-retried-paid');

  // ---- the wallet short -----------------------------------------------------------
  step('en: renew from the wallet (HK$50.00): the review says HK$38.00 short before any Pay');
  await reviewWith(page, { method: /^Wallet balance/ });
  assert.match(await textOf(page.getByTestId('wallet-short')), /HK\$38\.00 short/);
  assert.equal(await page.getByRole('button', { name: /^Pay HK\$/ }).count(), 0, 'no Pay that cannot work');
  await shoot(page, 'en-wallet-short');

  step('en: "Top up HK$38.00" → the top-up, prefilled → pay by card → back to the checkout');
  await clickAndWait(page, page.getByTestId('top-up-shortfall'));
  await checkPage(page, { lang: 'en', path: '/checkout' });
  assert.equal(await page.locator('#f-topup').inputValue(), '38');
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.locator('main form button[type="submit"]').last());
  await checkPage(page, { lang: 'en', path: '/checkout/review' });
  await clickAndWait(page, page.getByRole('button', { name: /^Pay HK\$/ }));
  await sandboxPage(page, { amount: 'HK$38.95' });
  await pressOnSandbox(page, 'Pay · 付款');
  await turnsByItself(page, 'fulfilled');
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  await shoot(page, 'en-topup-done');
  await clickAndWait(page, page.getByTestId('resume-checkout'));
  await checkPage(page, { lang: 'en', path: '/checkout/review' });
  assert.equal(await page.getByTestId('wallet-short').count(), 0);
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$88.00' }));
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  assert.equal(await orderState(page), 'fulfilled', 'paid from the topped-up wallet');

  // ---- cancel a pending order -----------------------------------------------------
  step('en: a pending Alipay order is cancelled from its page');
  await reviewWith(page, { method: /^Alipay/ });
  await clickAndWait(page, page.getByRole('button', { name: /^Pay HK\$/ }));
  await page.goto(`${BASE}/orders?lang=en`);
  await clickAndWait(page, page.locator('main [data-order]').first().getByRole('link'));
  assert.equal(await orderState(page), 'pending_payment');
  await clickAndWait(page, page.getByRole('button', { name: 'Cancel this order' }));
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/ });
  assert.equal(await orderState(page), 'cancelled');
  assert.equal(await page.getByRole('button', { name: 'Try again with Alipay' }).count(), 1);
  await shoot(page, 'en-cancelled');

  // ---- auto-renew from a wallet that cannot pay it ----------------------------------
  step('en: auto-renew: no saved card to pick; from the (now empty) wallet it warns with the shortfall');
  await page.goto(`${BASE}/account?lang=en`);
  await checkPage(page, { lang: 'en', path: '/account' });
  const autoRenew = page.getByTestId('auto-renew').first();
  assert.equal(await autoRenew.locator('option[value="card"]').count(), 0, 'no "saved card" without one');
  await autoRenew.getByLabel('Renew automatically').check();
  await autoRenew.getByLabel('Pay with').selectOption('wallet');
  await clickAndWait(page, autoRenew.getByRole('button', { name: 'Save auto-renew' }));
  await checkPage(page, { lang: 'en', path: '/account' });
  const short = page.getByTestId('auto-renew').first().getByTestId('wallet-short');
  assert.match(await textOf(short), /Top up HK\$88\.00 or more/);
  await short.scrollIntoViewIfNeeded();
  await shoot(page, 'en-auto-renew-wallet-short');

  // ---- zh-HK ----------------------------------------------------------------------
  step('zh-HK: the declined order and the short wallet, in Traditional Chinese');
  await page.goto(`${BASE}${failedOrder}?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: failedOrder });
  assert.match(await textOf(page.getByTestId('decline-reason')), /你的銀行拒絕了這次付款/);
  assert.equal(await page.getByRole('button', { name: '再用信用卡或扣賬卡付款' }).count(), 1);
  await shoot(page, 'zh-card-declined');
  await reviewWith(page, { lang: 'zh-HK', method: /^錢包餘額/ });
  assert.match(await textOf(page.getByTestId('wallet-short')), /尚欠 HK\$88\.00/);
  assert.equal(await textOf(page.getByTestId('top-up-shortfall')), '增值 HK$88.00');
  await shoot(page, 'zh-wallet-short');
  await reviewWith(page, { lang: 'zh-HK', method: /^支付寶/ });
  await clickAndWait(page, page.getByRole('button', { name: /^付款/ }));
  await page.goto(`${BASE}/orders?lang=zh-HK`);
  await clickAndWait(page, page.locator('main [data-order]').first().getByRole('link'));
  await checkPage(page, { lang: 'zh-HK', path: /^\/orders\/[^/]+$/ });
  assert.equal(await textOf(page.getByTestId('pay-here')), '用支付寶付款');
  await shoot(page, 'zh-alipay-order-pending');
  await context.close();
});
