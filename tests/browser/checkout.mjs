// End-to-end walk of checkout and orders in headless Debian Chromium, as the demo
// subscriber on a phone: a card renewal through the sandbox provider's page, an Alipay
// renewal settled by "Refresh" before the provider's notification, a new eSIM paid
// from the wallet in Traditional Chinese, a declined card payment, and the order list.
//
//   node tests/browser/checkout.mjs <base-url> <outbox.jsonl>
//   (or DATACARD_BASE_URL / DATACARD_OUTBOX in the environment)
//
// tests/browser.rs starts a demo server and runs this. It prints one line per step
// and exits non-zero, with the reason, at the first expectation that fails.
// Full-page screenshots go to tests/browser/screenshots/checkout-*.png.
//
// It expects a freshly seeded demo server (it counts the demo subscriber's orders and
// periods from the seed), as tests/browser.rs starts for each run.
//
// DATACARD_NOTIFY_DELAY_MS (optional): how late the server's sandbox provider sends
// its notification. When it is 1 s or more, "Refresh" pressed right after paying must
// settle the order by itself, before the notification arrives.

import assert from 'node:assert/strict';

import {
  DEMO_ICCID_TAIL,
  breakdown,
  cents,
  clickAndWait,
  demoLine,
  hkd,
  langSwitch,
  nav,
  orderFacts,
  orderState,
  pathOf,
  pressOnSandbox,
  startWalk,
  textOf,
} from './lib.mjs';

const walk = startWalk('checkout');
const { step, note, checkPage, shoot, logIn, choosePlan, sandboxPage } = walk;
const NOTIFY_DELAY_MS = Number(process.env.DATACARD_NOTIFY_DELAY_MS || 0);

// How long an order may take to settle after paying (the notification comes by HTTP).
const SETTLE_TIMEOUT_MS = 10_000;

/** Reloads the order page until its state is `wanted`; returns the ms since `since`. */
function waitForOrderState(page, wanted, { since, timeoutMs = SETTLE_TIMEOUT_MS, lang }) {
  return walk.waitForOrderState(page, wanted, { since, timeoutMs, lang });
}

// ---- pages ----------------------------------------------------------------------

/** The account page's queued periods of a line (collapsed under "N more periods"): [{ text, start, end }] (raw date texts). */
async function queuedPeriods(card) {
  if ((await card.getByTestId('queued').count()) === 0) return [];
  return card.evaluate((article) => {
    const list = article.querySelector('[data-testid="queued"] ul');
    return [...list.querySelectorAll('li')].map((li) => {
      const dates = [...li.querySelectorAll('.nowrap')].map((s) => s.textContent.trim());
      return { text: li.textContent.replace(/\s+/g, ' ').trim(), start: dates[0], end: dates[1] };
    });
  });
}

/** The validity of a line's running period, as its two date texts. */
async function currentValidity(card) {
  return card.evaluate((article) => {
    const dts = [...article.querySelectorAll('dl.facts dt')];
    const dd = dts.map((dt) => dt.nextElementSibling).find((d) => d && d.querySelectorAll('.nowrap').length === 2);
    return dd ? [...dd.querySelectorAll('.nowrap')].map((s) => s.textContent.trim()) : [];
  });
}

/** Checks that periods run end to end after the running one. */
function assertStacked(current, queued, heading, count) {
  assert.equal(queued.length, count, `expected ${count} entries under "${heading}", found ${JSON.stringify(queued)}`);
  assert.equal(current.length, 2, 'the running period should show its validity');
  let previousEnd = current[1];
  for (const [i, period] of queued.entries()) {
    assert.equal(
      period.start,
      previousEnd,
      `queued period ${i + 1} should start when the one before it ends (${previousEnd}): ${period.text}`,
    );
    previousEnd = period.end;
  }
}

// ---- the walk -------------------------------------------------------------------

/** 1: card renewal of two periods in English, settled by the provider's notification. */
async function cardRenewal(page, orders) {
  step('en: log in as the demo subscriber with ?lang=en');
  await logIn(page);
  const line = demoLine(page);
  assert.equal(await line.count(), 1, `expected the demo line …${DEMO_ICCID_TAIL} on the account page`);
  assert.equal(await line.getByTestId('queued').count(), 0, 'the demo line should start with no queued periods');
  await shoot(page, 'en-account-before');

  step('en: Plans → Choose "Hong Kong 30 Days 20 GB" → checkout with …0010 preselected');
  await choosePlan(page, {
    lang: 'en',
    name: 'Hong Kong 30 Days 20 GB',
    price: 'HK$90.20', // by card, the plans page's first method: HK$88.00 + 2.5 %
    choose: 'Choose',
    checkoutH1: 'Checkout',
  });
  assert.equal(new URL(page.url()).searchParams.get('plan'), 'HK-30D-20G');
  const renew = page.getByRole('radio', { name: `Renew eSIM …${DEMO_ICCID_TAIL}`, exact: true });
  assert.equal(await renew.count(), 1, `expected a "Renew eSIM …${DEMO_ICCID_TAIL}" choice`);
  assert.ok(await renew.isChecked(), `"Renew eSIM …${DEMO_ICCID_TAIL}" should be preselected`);
  assert.ok(!(await page.getByRole('radio', { name: 'A new eSIM', exact: true }).isChecked()), '"A new eSIM" should not be preselected');

  step('en: 2 periods, "Credit or debit card" (fee 2.5 %), Review order');
  await page.getByRole('radio', { name: /^2 × 30 days/ }).check();
  const card = page.getByRole('radio', { name: /^Credit or debit card/ });
  assert.equal(await card.count(), 1, 'expected one "Credit or debit card" choice');
  await card.check();
  const cardLabel = await textOf(page.locator('label.choice').filter({ has: card }));
  const feePercent = /\bfee (\d+(?:\.\d+)?) %/.exec(cardLabel);
  assert.ok(feePercent && Number(feePercent[1]) === 2.5, `the card choice should state its 2.5 % fee: ${cardLabel}`);
  note(`card choice reads "${cardLabel}"`);
  await shoot(page, 'en-choose');
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });

  step('en: review shows Price HK$176.00, Payment fee HK$4.40, Total HK$180.40');
  const rows = await breakdown(page);
  assert.deepEqual(
    rows,
    { 'Hong Kong 30 Days 20 GB': '2 × HK$88.00', Price: 'HK$176.00', 'Pay with': 'Card · fee 2.5 %', 'Payment fee': 'HK$4.40', Total: 'HK$180.40' },
    `the review breakdown: ${JSON.stringify(rows)}`,
  );
  assert.equal(await textOf(page.getByTestId('order-total')), 'HK$180.40');
  await shoot(page, 'en-review');

  step('en: "Pay HK$180.40" → the sandbox provider page shows HK$180.40');
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$180.40', exact: true }));
  await sandboxPage(page, { amount: 'HK$180.40', shot: 'sandbox-card' });
  assert.match(await textOf(page.locator('main')), /HK-30D-20G · card/);

  step('en: press Pay → back on the order page, which says what is happening');
  const paidAt = await pressOnSandbox(page, 'Pay · 付款');
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  const orderId = pathOf(page).split('/').pop();
  orders.push({ id: orderId, state: 'fulfilled', total: 'HK$180.40', what: 'Renewal · Hong Kong 30 Days 20 GB × 2 · eSIM …0010' });
  const first = await orderState(page);
  const explain = await textOf(page.locator('main p[role="status"]'));
  note(`order ${orderId} is ${first} on return: "${explain}"`);
  if (first === 'pending_payment') {
    assert.match(explain, /Refresh to check now.*do not pay again/, 'a pending order should say what happens next, and not invite a second payment');
    assert.equal(await page.getByRole('button', { name: 'Refresh', exact: true }).count(), 1, 'a pending order offers Refresh');
    await shoot(page, 'en-order-card-pending');
  }

  step('en: reload until the order is fulfilled (the provider notifies by HTTP)');
  const settled = await waitForOrderState(page, 'fulfilled', { since: paidAt, lang: 'en' });
  note(`fulfilled ${settled.ms} ms after Pay (${settled.polls} reloads; notification delay ${NOTIFY_DELAY_MS ? `${NOTIFY_DELAY_MS} ms` : "the server's default"})`);
  assert.equal(await textOf(page.getByTestId('order-state')), 'Done');
  assert.equal(await textOf(page.locator('main p[role="status"]')), 'Your order is complete and shows on your account.');
  assert.equal(await page.getByRole('button', { name: 'Refresh', exact: true }).count(), 0, 'a finished order has no Refresh');
  const facts = await orderFacts(page);
  assert.equal(facts.Total, 'HK$180.40');
  assert.equal(facts['Payment fee'], 'HK$4.40');
  assert.equal(facts.Payment, 'Credit or debit card');
  await shoot(page, 'en-order-card-fulfilled');

  step('en: My account lists the 2 new periods under "Next periods", end to end');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  const queued = await queuedPeriods(demoLine(page));
  assertStacked(await currentValidity(demoLine(page)), queued, 'Next periods', 2);
  for (const period of queued) assert.match(period.text, /^Hong Kong 30 Days 20 GB: /);
  assert.equal(await textOf(page.getByTestId('wallet-balance')), 'HK$50.00', 'a card payment leaves the wallet alone');
  await shoot(page, 'en-account-renewed');
}

/** 2: Alipay renewal; Refresh right after paying, before the notification. */
async function alipayRenewal(page, orders) {
  step('en: renew again with Alipay (fee 1.5 %): review shows Total HK$178.64');
  await choosePlan(page, {
    lang: 'en',
    name: 'Hong Kong 30 Days 20 GB',
    price: 'HK$90.20', // by card, the plans page's first method: HK$88.00 + 2.5 %
    choose: 'Choose',
    checkoutH1: 'Checkout',
  });
  assert.ok(await page.getByRole('radio', { name: `Renew eSIM …${DEMO_ICCID_TAIL}`, exact: true }).isChecked());
  await page.getByRole('radio', { name: /^2 × 30 days/ }).check();
  await page.getByRole('radio', { name: /^Alipay/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
  const rows = await breakdown(page);
  assert.deepEqual(
    rows,
    { 'Hong Kong 30 Days 20 GB': '2 × HK$88.00', Price: 'HK$176.00', 'Pay with': 'Alipay · fee 1.5 %', 'Payment fee': 'HK$2.64', Total: 'HK$178.64' },
    `the review breakdown: ${JSON.stringify(rows)}`,
  );

  step('en: "Pay HK$178.64" → the order page with an Alipay QR and a payment-page link');
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$178.64', exact: true }));
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  const orderId = pathOf(page).split('/').pop();
  orders.push({ id: orderId, state: 'fulfilled', total: 'HK$178.64', what: 'Renewal · Hong Kong 30 Days 20 GB × 2 · eSIM …0010' });
  assert.equal(await orderState(page), 'pending_payment');
  assert.equal(await textOf(page.getByTestId('order-state')), 'Waiting for your payment');
  assert.match(await textOf(page.locator('main')), /Scan this code with your phone's Alipay app to pay\./);
  const qr = page.locator('figure.qr');
  assert.equal(await qr.count(), 1, 'expected one QR code');
  assert.equal(await qr.getAttribute('aria-label'), 'Alipay', 'the QR should be named for screen readers');
  const svg = qr.locator('svg');
  assert.ok(await svg.isVisible(), 'the QR svg should be visible');
  const box = await svg.boundingBox();
  assert.ok(box && box.width >= 200 && box.height >= 200, `the QR should be big enough to scan: ${JSON.stringify(box)}`);
  const payLink = page.getByRole('link', { name: 'Or pay on this device', exact: true });
  assert.equal(await payLink.count(), 1, 'expected an "Or pay on this device" link');
  const payHref = await payLink.getAttribute('href');
  assert.equal(await qr.getAttribute('data-qr'), payHref, 'the QR and the link should lead to the same payment page');
  await shoot(page, 'en-order-alipay-qr');

  step('en: open the payment page, press Pay, back on the order page');
  await clickAndWait(page, payLink);
  await sandboxPage(page, { amount: 'HK$178.64', shot: 'sandbox-alipay' });
  assert.match(await textOf(page.locator('main')), /HK-30D-20G · alipay/);
  const paidAt = await pressOnSandbox(page, 'Pay · 付款');
  assert.equal(pathOf(page), `/orders/${orderId}`);
  await checkPage(page, { lang: 'en', path: `/orders/${orderId}`, h1: /^Order\b/ });
  const onReturn = await orderState(page);

  step('en: press Refresh at once: the order is fulfilled within a few seconds');
  let settled;
  if (onReturn === 'pending_payment') {
    const refresh = page.getByRole('button', { name: 'Refresh', exact: true });
    assert.equal(await refresh.count(), 1, 'a pending order offers Refresh');
    await clickAndWait(page, refresh);
    const refreshedAfter = Date.now() - paidAt;
    await checkPage(page, { lang: 'en', path: `/orders/${orderId}`, h1: /^Order\b/ });
    const afterRefresh = await orderState(page);
    note(`Refresh answered ${refreshedAfter} ms after Pay: ${afterRefresh}`);
    if (NOTIFY_DELAY_MS >= 1000 && refreshedAfter < NOTIFY_DELAY_MS) {
      // The notification cannot have arrived yet: Refresh itself asked the provider.
      assert.equal(afterRefresh, 'fulfilled', `Refresh ${refreshedAfter} ms after paying (notification due after ${NOTIFY_DELAY_MS} ms) should settle the order`);
    }
    settled = await waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: 5_000, lang: 'en' });
  } else {
    note(`the order was already ${onReturn} on return; no Refresh to press`);
    settled = await waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: 5_000, lang: 'en' });
  }
  note(`fulfilled ${settled.ms} ms after Pay`);
  assert.equal(await page.locator('figure.qr').count(), 0, 'a paid order shows no payment QR');
  assert.equal((await orderFacts(page)).Payment, 'Alipay');
  await shoot(page, 'en-order-alipay-fulfilled');

  step('en: after the late notification too, the line has exactly 4 queued periods');
  const wait = Math.max(0, paidAt + (NOTIFY_DELAY_MS || 300) + 1_000 - Date.now());
  await page.waitForTimeout(wait);
  await page.reload({ waitUntil: 'load' });
  assert.equal(await orderState(page), 'fulfilled', 'the late notification must not change a fulfilled order');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  assertStacked(await currentValidity(demoLine(page)), await queuedPeriods(demoLine(page)), 'Next periods', 4);
  await shoot(page, 'en-account-renewed-twice');
}

/** 3: a new eSIM paid from the wallet, in Traditional Chinese. */
async function walletNewEsim(page, orders) {
  step('zh: switch to 繁體中文 on the account page; read the wallet balance');
  await clickAndWait(page, langSwitch(page, '繁體中文'));
  await checkPage(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const before = cents(await textOf(page.getByTestId('wallet-balance')));
  const linesBefore = await page.locator('article.card[data-iccid]').count();
  note(`wallet ${hkd(before)}, ${linesBefore} eSIM(s)`);

  step('zh: 計劃 → 揀選 香港日票 1GB (HK$18.00) → 新 eSIM, 錢包餘額 → 檢視訂單');
  await choosePlan(page, {
    lang: 'zh-HK',
    name: '香港日票 1GB',
    price: 'HK$18.45', // by card: HK$18.00 + 2.5 %
    choose: '揀選',
    checkoutH1: '結帳',
  });
  await page.getByRole('radio', { name: '新 eSIM', exact: true }).check();
  const wallet = page.getByRole('radio', { name: /^錢包餘額/ });
  assert.equal(await wallet.count(), 1, 'expected a 錢包餘額 choice');
  const walletLabel = await textOf(page.locator('label.choice').filter({ has: wallet }));
  assert.ok(walletLabel.startsWith(`錢包餘額（${hkd(before)}）`), `the wallet choice should show the balance: ${walletLabel}`);
  await wallet.check();
  await shoot(page, 'zh-choose');
  await clickAndWait(page, page.getByRole('button', { name: '檢視訂單', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/checkout/review', h1: '確認訂單' });

  step('zh: the review total is HK$18.00 → 付款 HK$18.00');
  const rows = await breakdown(page);
  assert.deepEqual(
    rows,
    { '香港日票 1GB': '1 × HK$18.00', 價格: 'HK$18.00', 付款方式: '錢包 · 不收手續費', 付款手續費: 'HK$0.00', 總額: 'HK$18.00' },
    `the review breakdown: ${JSON.stringify(rows)}`,
  );
  await shoot(page, 'zh-review');
  await clickAndWait(page, page.getByRole('button', { name: '付款 HK$18.00', exact: true }));

  step('zh: the order page shows 已完成, an activation QR and an LPA:1$ code');
  await checkPage(page, { lang: 'zh-HK', path: /^\/orders\/[^/]+$/, h1: /^訂單/ });
  const orderId = pathOf(page).split('/').pop();
  orders.push({ id: orderId, state: 'fulfilled', total: 'HK$18.00', what: 'New eSIM · Hong Kong Day Pass 1 GB × 1' });
  assert.equal(await orderState(page), 'fulfilled', 'a wallet payment fulfils at once');
  assert.equal(await textOf(page.getByTestId('order-state')), '已完成');
  const code = await textOf(page.getByTestId('activation-code'));
  assert.ok(code.startsWith('LPA:1$'), `the activation code should start LPA:1$, got "${code}"`);
  const qr = page.locator('section.card figure.qr');
  assert.equal(await qr.count(), 1, 'expected one activation QR');
  assert.ok(await qr.locator('svg').isVisible(), 'the activation QR should be visible');
  assert.equal(await qr.getAttribute('data-qr'), code, 'the QR should hold the activation code');
  assert.equal(await page.getByRole('heading', { name: '安裝你的 eSIM', exact: true }).count(), 1);
  assert.equal((await orderFacts(page)).付款, '錢包餘額');
  await shoot(page, 'zh-order-new-esim');

  step('zh: 我的帳戶 shows a second eSIM 等待安裝, and the wallet HK$18.00 lower');
  await clickAndWait(page, nav(page).getByRole('link', { name: '我的帳戶', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const lines = page.locator('article.card[data-iccid]');
  assert.equal(await lines.count(), linesBefore + 1, 'expected one more eSIM');
  const freshIccid = await lines.last().getAttribute('data-iccid');
  assert.ok(!freshIccid.endsWith(DEMO_ICCID_TAIL), 'the new eSIM should be listed after the demo line');
  const freshCard = page.locator(`article.card[data-iccid="${freshIccid}"]`);
  assert.equal(await textOf(freshCard.locator('.status')), '等待安裝');
  assert.equal(await textOf(freshCard.locator('h3')), '香港日票 1GB');
  assert.ok((await textOf(freshCard)).includes(code), 'the account page should show the activation code too');
  const after = cents(await textOf(page.getByTestId('wallet-balance')));
  note(`wallet ${hkd(before)} → ${hkd(after)}; new eSIM ${freshIccid}`);
  assert.equal(after, before - 1800, `the wallet should be exactly HK$18.00 lower: ${hkd(before)} → ${hkd(after)}`);
  await shoot(page, 'zh-account-new-esim');
}

/** 4: a card renewal declined at the provider. */
async function declinedCard(page, orders) {
  step('en: back to English; Renew on the demo line, card, Review, Pay HK$90.20');
  await clickAndWait(page, langSwitch(page, 'English'));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  const walletBefore = await textOf(page.getByTestId('wallet-balance'));
  const queuedBefore = (await queuedPeriods(demoLine(page))).length;
  await clickAndWait(page, demoLine(page).getByRole('link', { name: 'Renew', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout', h1: 'Checkout' });
  assert.ok(await page.getByRole('radio', { name: `Renew eSIM …${DEMO_ICCID_TAIL}`, exact: true }).isChecked(), 'Renew should preselect its line');
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
  assert.equal(await textOf(page.getByTestId('order-total')), 'HK$90.20');
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$90.20', exact: true }));
  await sandboxPage(page, { amount: 'HK$90.20' });

  step('en: press Decline → the order page ends in state failed, nothing charged');
  const declinedAt = await pressOnSandbox(page, 'Decline · 拒絕');
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+$/, h1: /^Order\b/ });
  const orderId = pathOf(page).split('/').pop();
  orders.push({ id: orderId, state: 'failed', total: 'HK$90.20', what: 'Renewal · Hong Kong 30 Days 20 GB × 1 · eSIM …0010' });
  const settled = await waitForOrderState(page, 'failed', { since: declinedAt, lang: 'en' });
  note(`failed ${settled.ms} ms after Decline (${settled.polls} reloads)`);
  assert.equal(await textOf(page.getByTestId('order-state')), 'Payment failed');
  const explain = await textOf(page.locator('main p[role="status"]'));
  assert.match(explain, /Nothing was charged/, `the failed order should say nothing was charged: ${explain}`);
  assert.equal(await page.getByRole('button', { name: 'Refresh', exact: true }).count(), 0);
  assert.equal(await page.getByTestId('pay-here').count(), 0, 'a failed order offers no payment page');
  await shoot(page, 'en-order-declined');

  step('en: the account is unchanged by the declined payment');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  assert.equal(await textOf(page.getByTestId('wallet-balance')), walletBefore);
  assert.equal((await queuedPeriods(demoLine(page))).length, queuedBefore, 'a declined renewal adds no period');
}

/** 5: the order history, newest first, in both languages. */
async function orderHistory(page, orders) {
  const expected = [...orders].reverse();
  const rowsOf = () =>
    page.locator('main [data-order]').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.dataset.order,
        state: tr.querySelector('[data-testid="order-state"]').dataset.state,
        badge: tr.querySelector('[data-testid="order-state"]').textContent.trim(),
        total: tr.querySelector('[data-testid="order-list-total"]').textContent.trim(),
        what: tr.querySelector('.hint').textContent.trim(),
      })),
    );

  step('en: Orders lists the 4 orders newest first with their states');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Orders', exact: true }));
  await checkPage(page, { lang: 'en', path: '/orders', h1: 'My orders' });
  const rows = await rowsOf();
  assert.deepEqual(
    rows.map(({ id, state, total, what }) => ({ id, state, total, what })),
    expected,
    `the order list: ${JSON.stringify(rows, null, 1)}`,
  );
  assert.deepEqual(
    rows.map((r) => r.badge),
    ['Payment failed', 'Done', 'Done', 'Done'],
  );
  await shoot(page, 'en-orders');

  step('zh: 訂單 in Chinese, then 查看 opens the newest order');
  await clickAndWait(page, langSwitch(page, '繁體中文'));
  await checkPage(page, { lang: 'zh-HK', path: '/orders', h1: '我的訂單' });
  assert.equal(await nav(page).getByRole('link', { name: '訂單', exact: true }).getAttribute('aria-current'), 'page');
  const zh = await rowsOf();
  assert.deepEqual(zh.map((r) => r.id), expected.map((o) => o.id));
  assert.deepEqual(zh.map((r) => r.badge), ['付款失敗', '已完成', '已完成', '已完成']);
  await shoot(page, 'zh-orders');
  await clickAndWait(page, page.locator('main [data-order]').first().getByRole('link', { name: '查看', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: `/orders/${expected[0].id}`, h1: /^訂單/ });
  assert.match(await textOf(page.locator('main p[role="status"]')), /並無收費/);
}

/** Where the walk stopped: the address, what the page said, and a screenshot. */

walk.run(async (browser) => {
  // The browser asks for Chinese, as most in Hong Kong do: English comes from ?lang=en.
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  const orders = [];
  await cardRenewal(page, orders);
  await alipayRenewal(page, orders);
  await walletNewEsim(page, orders);
  await declinedCard(page, orders);
  await orderHistory(page, orders);
  await context.close();
});
