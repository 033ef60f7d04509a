// End-to-end walk of offers and a coupon in headless Debian Chromium, as the demo
// subscriber on a phone: the plans page shows the offers they qualify for (the
// first-month discount on HK-30D-UNL, the public coupon WELCOME10), checkout reached
// by keyboard takes a wrong code and says so at the field, then takes WELCOME10, the
// review names each discount and why, the card payment goes through the sandbox
// provider, and the order keeps the discounts; in Chinese, the used-up coupon is
// gone from the plans page and refused at checkout with a clear message.
//
//   node tests/browser/coupon.mjs <base-url> <outbox.jsonl>
//
// tests/browser.rs starts a freshly seeded demo server and runs this (the walk relies
// on the demo subscriber never having ordered HK-30D-UNL nor used WELCOME10).
// Full-page screenshots go to tests/browser/screenshots/coupon-*.png.

import assert from 'node:assert/strict';

import {
  DEMO_ICCID_TAIL,
  cents,
  clickAndWait,
  focused,
  hkd,
  langSwitch,
  nav,
  orderFacts,
  pathOf,
  pressOnSandbox,
  startWalk,
  tabTo,
  textOf,
} from './lib.mjs';

const walk = startWalk('coupon');
const { step, note, checkPage, shoot, logIn, choosePlan, sandboxPage } = walk;

// src/catalog/demo.toml: HK-30D-UNL at HK$168.00 with 30 % off the first month of a
// first order of it; WELCOME10 takes 10 % off the price, once per account.
const PLAN = { code: 'HK-30D-UNL', en: 'Hong Kong 30 Days Unlimited', zh: '香港 30 日 無限數據', price: 16_800 };
const FIRST_MONTH = { code: 'FIRST-MONTH-30', en: 'First month −30 %', zh: '首月七折', amount: 5_040 };
const COUPON = { code: 'WELCOME10', en: 'Welcome: 10 % off', zh: '迎新九折', amount: 1_680 };
const CARD_FEE_BASIS_POINTS = 250;
const SETTLE_TIMEOUT_MS = 10_000;

/** The offers listed on a plan's card: [{ code, text }]. */
async function offersOn(page, planCode) {
  return page.locator(`li.plan[data-plan="${planCode}"] ul.offers > li`).evaluateAll((items) =>
    items.map((li) => ({ code: li.dataset.offer, text: li.textContent.replace(/\s+/g, ' ').trim() })),
  );
}

/** The review page's discount rows: [{ promotion, name, reason, amount }]. */
async function discountRows(page) {
  return page.locator('table.breakdown tr.discount').evaluateAll((rows) =>
    rows.map((tr) => {
      const th = tr.querySelector('th');
      const reason = th.querySelector('.hint');
      return {
        promotion: tr.dataset.promotion,
        name: [...th.childNodes].filter((n) => n !== reason).map((n) => n.textContent).join('').trim(),
        reason: reason ? reason.textContent.trim() : '',
        amount: tr.querySelector('td').textContent.trim(),
      };
    }),
  );
}

/** The order page's discounts: [{ promotion, name, amount, reason }]. */
async function orderDiscounts(page) {
  return page.locator('main dl.facts dd[data-promotion]').evaluateAll((dds) =>
    dds.map((dd) => {
      const reason = dd.querySelector('.hint');
      return {
        promotion: dd.dataset.promotion,
        name: dd.previousElementSibling.textContent.trim(),
        amount: [...dd.childNodes].filter((n) => n !== reason).map((n) => n.textContent).join('').trim(),
        reason: reason ? reason.textContent.trim() : '',
      };
    }),
  );
}

/** The coupon field's state: value, invalid, what describes it, its error. */
async function couponField(page) {
  const input = page.locator('#f-coupon');
  const error = page.getByTestId('coupon-error');
  return {
    value: await input.inputValue(),
    invalid: await input.getAttribute('aria-invalid'),
    describedBy: (await input.getAttribute('aria-describedby')) || '',
    error: (await error.count()) ? { text: await textOf(error), code: await error.getAttribute('data-code'), role: await error.getAttribute('role') } : null,
  };
}

/** Whether the element is fully inside the viewport (seen without scrolling). */
function inView(locator) {
  return locator.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });
}

/** Types `code` into the focused coupon field (replacing what is there) and presses Enter. */
async function typeCouponAndSubmit(page, code) {
  assert.equal((await focused(page)).id, 'f-coupon', 'the coupon field should have focus');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(code);
  const started = Date.now();
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  return { response, ms: Date.now() - started };
}

// ---- the walk -------------------------------------------------------------------

async function offersOnPlans(page) {
  step('en: log in; the plans page shows the offers the demo subscriber qualifies for');
  await logIn(page);
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Plans', exact: true }));
  await checkPage(page, { lang: 'en', path: '/plans', h1: 'Plans' });
  const unlimited = await offersOn(page, PLAN.code);
  note(`offers on ${PLAN.code}: ${unlimited.map((o) => o.text).join(' | ')}`);
  const codes = unlimited.map((o) => o.code);
  assert.ok(codes.includes(FIRST_MONTH.code) && codes.includes(COUPON.code), `${PLAN.code} should offer ${FIRST_MONTH.code} and ${COUPON.code}: ${codes}`);
  assert.ok(codes.indexOf(FIRST_MONTH.code) < codes.indexOf(COUPON.code), 'offers are listed highest priority first');
  const first = unlimited.find((o) => o.code === FIRST_MONTH.code).text;
  assert.match(first, /^First month −30 %\s*30 % off the first period of your first order of this plan$/, `the first-month offer: ${first}`);
  const coupon = unlimited.find((o) => o.code === COUPON.code).text;
  assert.match(coupon, /^Welcome: 10 % off\s*10 % off with code WELCOME10 · Use this code$/, `the coupon offer: ${coupon}`);
  const useLink = page.locator(`li.plan[data-plan="${PLAN.code}"] li[data-offer="${COUPON.code}"]`).getByRole('link', { name: 'Use this code' });
  assert.equal(await useLink.getAttribute('href'), `/checkout?plan=${PLAN.code}&method=card&coupon=${COUPON.code}`);
  // The demo line's own plan stays at list price: only the coupon is offered on it.
  assert.deepEqual((await offersOn(page, 'HK-30D-20G')).map((o) => o.code), [COUPON.code]);
  await page.locator(`li.plan[data-plan="${PLAN.code}"]`).screenshot({ path: walk.shotPath('en-plan-offers') });
  await shoot(page, 'en-plans');
}

async function wrongCoupon(page) {
  step(`en: Choose ${PLAN.en} → checkout; card; reach the coupon field by keyboard`);
  // The plans page prices by card, the first month's discount taken: HK$117.60 + 2.5 %.
  await choosePlan(page, { lang: 'en', name: PLAN.en, price: hkd(12_054), choose: 'Choose', checkoutH1: 'Checkout' });
  assert.ok(await page.getByRole('radio', { name: `Renew eSIM …${DEMO_ICCID_TAIL}`, exact: true }).isChecked(), 'the only line is preselected');
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  const field = page.getByRole('textbox', { name: 'Coupon code (optional)' });
  assert.equal(await field.count(), 1, 'the coupon field is a textbox named by its label');
  assert.equal(await field.getAttribute('aria-describedby'), 'f-coupon-hint', 'the hint describes the field');
  // From the number of periods: the payment methods (a radio group is one stop), then the coupon.
  await page.getByRole('radio', { name: /^1 × 30 days/ }).focus();
  const stops = await tabTo(page, 'f-coupon', 4);
  note(`from the number of periods, the coupon field is ${stops} Tab stops away`);
  assert.equal(stops, 2, 'the coupon field should come right after the payment methods');
  await shoot(page, 'en-checkout');

  step('en: type a wrong code and press Enter: the page says so at the field at once');
  const wrong = await walk.expectRefusal(async () => {
    const { response, ms } = await typeCouponAndSubmit(page, 'WELCOME11');
    note(`the answer came ${ms} ms after Enter (HTTP ${response.status()})`);
    assert.ok(ms < 2_000, `feedback on a wrong code should be instant, took ${ms} ms`);
    return response;
  });
  assert.equal(wrong.status(), 400, 'an unknown coupon is a 400');
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Checkout' });
  const state = await couponField(page);
  assert.deepEqual(
    state,
    {
      value: 'WELCOME11',
      invalid: 'true',
      describedBy: 'f-coupon-hint f-coupon-error',
      error: { text: 'We do not know that coupon code. Check it and try again.', code: 'coupon_not_found', role: 'alert' },
    },
    `the coupon field after a wrong code: ${JSON.stringify(state)}`,
  );
  assert.equal(await page.getByRole('alert').count(), 1, 'one alert: the error at the field, no second banner');
  assert.equal((await focused(page)).id, 'f-coupon', 'the refused field has focus, ready to correct');
  assert.ok(await inView(page.getByTestId('coupon-error')), 'the error is on screen without scrolling');
  assert.ok(await page.getByRole('radio', { name: /^Credit or debit card/ }).isChecked(), 'the other choices are kept');
  await page.screenshot({ path: walk.shotPath('en-wrong-coupon-screen') });
  await shoot(page, 'en-wrong-coupon');
}

async function validCoupon(page) {
  step('en: correct it to "welcome10" (any case) → the review lists each discount and why');
  const { response } = await typeCouponAndSubmit(page, 'welcome10');
  assert.equal(response.status(), 200);
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
  const rows = await discountRows(page);
  assert.deepEqual(
    rows,
    [
      { promotion: FIRST_MONTH.code, name: FIRST_MONTH.en, reason: '30 % off the first period: your first order of this plan', amount: `−${hkd(FIRST_MONTH.amount)}` },
      { promotion: COUPON.code, name: COUPON.en, reason: 'Coupon WELCOME10: 10 % off', amount: `−${hkd(COUPON.amount)}` },
    ],
    `the discounts: ${JSON.stringify(rows, null, 1)}`,
  );
  const subtotal = PLAN.price - FIRST_MONTH.amount - COUPON.amount;
  const fee = Math.round((subtotal * CARD_FEE_BASIS_POINTS) / 10_000);
  const total = hkd(subtotal + fee);
  assert.equal(await textOf(page.locator('table.breakdown tr').filter({ hasText: 'Payment fee' }).locator('td')), hkd(fee));
  assert.equal(await textOf(page.getByTestId('order-total')), total);
  note(`${hkd(PLAN.price)} − ${hkd(FIRST_MONTH.amount)} − ${hkd(COUPON.amount)} + fee ${hkd(fee)} = ${total}`);
  await shoot(page, 'en-review-coupon');
  return total;
}

async function payAndSeeOrder(page, total) {
  step(`en: Pay ${total} → the sandbox provider → Pay → the order is fulfilled`);
  await clickAndWait(page, page.getByRole('button', { name: `Pay ${total}`, exact: true }));
  await sandboxPage(page, { amount: total });
  const paidAt = await pressOnSandbox(page, 'Pay · 付款');
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  const settled = await walk.waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: SETTLE_TIMEOUT_MS, lang: 'en' });
  note(`fulfilled ${settled.ms} ms after Pay`);

  step('en: the order shows both discounts with their reasons, and the total paid');
  const facts = await orderFacts(page);
  assert.equal(facts.Price, hkd(PLAN.price));
  assert.equal(facts.Total, total);
  assert.deepEqual(await orderDiscounts(page), [
    { promotion: FIRST_MONTH.code, name: FIRST_MONTH.en, amount: `−${hkd(FIRST_MONTH.amount)}`, reason: '30 % off the first period: your first order of this plan' },
    { promotion: COUPON.code, name: COUPON.en, amount: `−${hkd(COUPON.amount)}`, reason: 'Coupon WELCOME10: 10 % off' },
  ]);
  await page.locator('main dl.facts').screenshot({ path: walk.shotPath('en-order-coupon-facts') });
  await shoot(page, 'en-order-coupon');

  step('zh: the same order in Chinese names the discounts in Chinese');
  await clickAndWait(page, langSwitch(page, '繁體中文'));
  await checkPage(page, { lang: 'zh-HK', path: /^\/orders\/[^/]+$/, h1: /^訂單/ });
  const zh = await orderDiscounts(page);
  assert.deepEqual(
    zh.map(({ name, amount }) => ({ name, amount })),
    [
      { name: FIRST_MONTH.zh, amount: `−${hkd(FIRST_MONTH.amount)}` },
      { name: COUPON.zh, amount: `−${hkd(COUPON.amount)}` },
    ],
  );
  assert.equal(zh[1].reason, '優惠碼 WELCOME10：減 10 %');
  await shoot(page, 'zh-order-coupon');
}

async function usedUpCoupon(page) {
  step('zh: 計劃 no longer offers WELCOME10 (used) nor the first month (ordered)');
  await clickAndWait(page, nav(page).getByRole('link', { name: '計劃', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/plans', h1: '計劃' });
  const left = await offersOn(page, PLAN.code);
  note(`offers on ${PLAN.code} now: ${left.map((o) => o.text).join(' | ') || 'none'}`);
  assert.ok(!left.some((o) => o.code === COUPON.code || o.code === FIRST_MONTH.code), JSON.stringify(left));
  assert.deepEqual(await offersOn(page, 'HK-30D-20G'), []);

  step('zh: 揀選 香港 30 日 20GB, type WELCOME10 again → refused: used up for this account');
  const plan = page.locator('li.plan[data-plan="HK-30D-20G"]');
  await clickAndWait(page, plan.getByRole('link', { name: '揀選 香港 30 日 20GB', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/checkout', h1: '結帳' });
  await page.getByRole('textbox', { name: '優惠碼（可選）' }).fill(COUPON.code);
  await walk.expectRefusal(() => clickAndWait(page, page.getByRole('button', { name: '檢視訂單', exact: true })));
  await checkPage(page, { lang: 'zh-HK', path: '/checkout/review', h1: '結帳' });
  const state = await couponField(page);
  assert.deepEqual(state.error, { text: '你已用盡此優惠碼的使用次數。', code: 'coupon_already_used', role: 'alert' }, JSON.stringify(state));
  assert.equal(state.invalid, 'true');
  assert.equal((await focused(page)).id, 'f-coupon', 'the refused field has focus');
  await shoot(page, 'zh-coupon-used-up');

  step('zh: without the code the same order reviews at list price');
  await page.locator('#f-coupon').fill('');
  await clickAndWait(page, page.getByRole('button', { name: '檢視訂單', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/checkout/review', h1: '確認訂單' });
  assert.deepEqual(await discountRows(page), []);
  assert.equal(cents(await textOf(page.getByTestId('order-total'))), 8_800 + 220, 'HK$88.00 and the 2.5 % card fee');
  assert.equal(pathOf(page), '/checkout/review');
}

walk.run(async (browser) => {
  // The browser asks for Chinese, as most in Hong Kong do: English comes from ?lang=en.
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  await offersOnPlans(page);
  await wrongCoupon(page);
  const total = await validCoupon(page);
  await payAndSeeOrder(page, total);
  await usedUpCoupon(page);
  await context.close();
});
