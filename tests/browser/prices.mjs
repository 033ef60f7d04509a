// End-to-end walk of honest prices in headless Debian Chromium, as the demo subscriber
// on a 390×844 phone: the plans page grouped by length and priced for the payment
// method picked (the switch is plain links), the same total on the review for every
// method, the review's method, fee, dates and 有效至 / "Valid until", buy 3 get 1 as
// a choice of periods, the warning when a renewal ends a used-up period now (then
// paid, and the account card's one "valid until" is the review's), in English and
// Traditional Chinese.
//
//   node tests/browser/prices.mjs <base-url> <outbox.jsonl>
//
// tests/browser.rs starts a freshly seeded demo server and runs this. Full-page
// screenshots go to tests/browser/screenshots/prices-*.png.

import assert from 'node:assert/strict';

import { DEMO_ICCID_TAIL, cents, clickAndWait, demoLine, langSwitch, nav, pressOnSandbox, startWalk, textOf } from './lib.mjs';

const walk = startWalk('prices');
const { step, note, checkPage, shoot, logIn } = walk;

// The demo network key (src/demo/seed.rs), to use up the demo line's data.
const DEMO_NETWORK_KEY = 'dck_demo_network_key_for_local_use_only';
const PLAN = { code: 'HK-30D-20G', en: 'Hong Kong 30 Days 20 GB', zh: '香港 30 日 20GB' };
// What HK$88.00 costs with each method's fee (the demo's 2.5 % card, 1.5 % Alipay and
// WeChat Pay, nothing from the wallet).
const EXPECTED = { card: 'HK$90.20', alipay: 'HK$89.32', wechat_pay: 'HK$89.32', wallet: 'HK$88.00' };

function planCard(page, code) {
  return page.locator(`li.plan[data-plan="${code}"]`);
}

async function toPlans(page, lang) {
  await clickAndWait(page, nav(page).getByRole('link', { name: lang === 'en' ? 'Plans' : '計劃', exact: true }));
  await checkPage(page, { lang, path: '/plans', h1: lang === 'en' ? 'Plans' : '計劃' });
}

/** The method links of the plans page: [{ method, name, current }]. */
function methodLinks(page) {
  return page.locator('nav.methods a').evaluateAll((links) =>
    links.map((a) => ({ method: a.dataset.method, name: a.textContent.trim(), current: a.getAttribute('aria-current') === 'true' })),
  );
}

async function reviewFacts(page) {
  return {
    total: await textOf(page.getByTestId('order-total')),
    method: await textOf(page.getByTestId('review-method').locator('td')),
    fee: await textOf(page.getByTestId('order-fee')),
    validUntil: await textOf(page.getByTestId('valid-until')),
    dates: await page.getByTestId('period-dates').locator('li').allInnerTexts(),
  };
}

/** 1: the plans page on a phone: grouped, short enough to scan, priced by card first. */
async function plansGrouped(page) {
  step('en: log in; Plans: four length groups, each plan priced, with price per GB');
  await logIn(page);
  await toPlans(page, 'en');
  const headings = await page.locator('section.plan-group > h2').allInnerTexts();
  assert.deepEqual(headings.map((h) => h.trim()), ['Day passes', 'Weekly', 'Monthly', 'Yearly']);
  const welcome = await page.locator('li.plan li[data-offer="WELCOME10"]').count();
  assert.equal(welcome, await page.locator('li.plan').count(), 'the public coupon once on each plan, not more');
  const links = await methodLinks(page);
  note(`pay with: ${links.map((l) => `${l.name}${l.current ? ' (current)' : ''}`).join(' | ')}`);
  assert.equal(links[0].current, true, 'the first method is chosen until another is');
  assert.match(await textOf(page.getByTestId('method-fee')), /^Prices below are what you pay by Card \(fee 2\.5 %\)\.$/);
  assert.equal(await textOf(planCard(page, PLAN.code).getByTestId('per-gb')), 'HK$4.51 per GB');
  // What the phone shows first, and one screen further down.
  await page.screenshot({ path: walk.shotPath('en-plans-screen-1') });
  await page.evaluate(() => window.scrollTo(0, 1600));
  await page.screenshot({ path: walk.shotPath('en-plans-screen-2') });
  await page.evaluate(() => window.scrollTo(0, 0));
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  note(`the plans page is ${height} px tall on a 390×844 screen (was 4 700 px)`);
  // The support contact in the footer and a third language in the header add some.
  assert.ok(height < 4_000, `the plans page should scan on a phone, it is ${height} px tall`);
  const tallest = Math.max(...(await page.locator('li.plan').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().height))));
  note(`the tallest plan card is ${Math.round(tallest)} px`);
  assert.ok(tallest < 360, `plan cards are compact, the tallest is ${tallest} px`);
  const small = await page.locator('nav.methods a, li.plan a.button').evaluateAll((els) =>
    els.map((el) => el.getBoundingClientRect()).filter((r) => r.height < 44).length,
  );
  assert.equal(small, 0, 'method links and Choose buttons are at least 44 px tall');
  await shoot(page, 'en-plans');
}

/** 2: for each method, the plans page's total is the review's. */
async function everyMethod(page) {
  const links = await methodLinks(page);
  assert.deepEqual(links.map((l) => l.method), Object.keys(EXPECTED));
  for (const { method, name } of links) {
    step(`en: Pay with ${name}: ${PLAN.en} shows ${EXPECTED[method]}; Choose → Review shows the same total`);
    await toPlans(page, 'en');
    await clickAndWait(page, page.locator(`nav.methods a[data-method="${method}"]`));
    await checkPage(page, { lang: 'en', path: '/plans', h1: 'Plans' });
    assert.equal(new URL(page.url()).searchParams.get('method'), method);
    assert.equal(await page.locator(`nav.methods a[data-method="${method}"]`).getAttribute('aria-current'), 'true');
    const shown = await textOf(planCard(page, PLAN.code).getByTestId('plan-total'));
    assert.equal(shown, EXPECTED[method]);
    const note_ = await textOf(planCard(page, PLAN.code).locator('.price-note'));
    note(`${name}: ${shown} (${note_})`);
    if (method === 'card') await shoot(page, 'en-plans-card');
    if (method === 'alipay') await shoot(page, 'en-plans-alipay');
    await clickAndWait(page, planCard(page, PLAN.code).getByRole('link', { name: `Choose ${PLAN.en}`, exact: true }));
    await checkPage(page, { lang: 'en', path: '/checkout', h1: 'Checkout' });
    assert.ok(await page.locator(`input[name="method"][value="${method}"]`).isChecked(), `${method} is carried to the checkout`);
    assert.ok(await page.getByRole('radio', { name: `Renew eSIM …${DEMO_ICCID_TAIL}`, exact: true }).isChecked());
    await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
    await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
    const facts = await reviewFacts(page);
    note(`review: ${JSON.stringify(facts)}`);
    assert.equal(facts.total, shown, `the review's total by ${name} is the plans page's`);
    assert.ok(facts.method.startsWith(`${name} · `), `the method and its fee: ${facts.method}`);
    assert.equal(cents(facts.total) - 8800, cents(facts.fee), 'the fee is the difference');
    assert.equal(facts.dates.length, 1);
    assert.ok(facts.dates[0].endsWith(facts.validUntil), `one period, ending on the valid-until date: ${facts.dates[0]}`);
    if (method === 'alipay') await shoot(page, 'en-review-alipay');
  }
}

/** 3: buy 3 get 1 as a choice of periods, and the review's 4 periods. */
async function threePlusOne(page) {
  step('en: Monthly 25 GB by card: the periods are choices, "3 × 1 month + 1 free" among them');
  await toPlans(page, 'en');
  await clickAndWait(page, page.locator('nav.methods a[data-method="card"]'));
  const plan = planCard(page, 'HK-1M-25G');
  assert.equal(await plan.locator('li[data-offer="BUY3GET1"]').count(), 1, 'the offer is shown once on its plan');
  await clickAndWait(page, plan.getByRole('link', { name: 'Choose Hong Kong Monthly 25 GB', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout', h1: 'Checkout' });
  const choices = await page.locator('fieldset.periods label.choice').allInnerTexts();
  note(`periods: ${choices.map((c) => c.replace(/\s+/g, ' ').trim()).join(' | ')}`);
  const three = page.getByRole('radio', { name: /^3 × 1 month \+ 1 free/ });
  assert.equal(await three.count(), 1, 'a "3 + 1 free" choice');
  await three.check();
  await shoot(page, 'en-choose-3plus1');
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
  const facts = await reviewFacts(page);
  assert.equal(facts.dates.length, 4, `3 paid and 1 free: ${JSON.stringify(facts.dates)}`);
  assert.ok(facts.dates[3].endsWith(facts.validUntil));
  assert.equal(facts.total, 'HK$301.35', 'HK$98.00 × 3 + 2.5 %');
  await shoot(page, 'en-review-3plus1');
}

/** 4: the demo line's data used up; the renewal's review warns it ends the period now; paid. */
async function endsEarly(page) {
  step('en: use up the demo line\'s 20 GB (the network posts usage)');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  const iccid = await demoLine(page).getAttribute('data-iccid');
  const now = new Date().toISOString();
  const posted = await fetch(`${walk.BASE}/api/v1/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_NETWORK_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: [{ id: `prices-${Date.now()}`, iccid, bytes: 20 * 2 ** 30, started_at: now, ended_at: now }] }),
  });
  assert.ok(posted.ok, `usage posted: HTTP ${posted.status}`);
  await page.reload();
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  note(`data: ${await textOf(demoLine(page).getByTestId('data-left'))}`);

  step('en: Renew 2 × 30 days by card → the review warns the used-up period ends now; Pay');
  await clickAndWait(page, demoLine(page).getByRole('link', { name: 'Renew', exact: true }));
  await page.getByRole('radio', { name: /^2 × 30 days/ }).check();
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await checkPage(page, { lang: 'en', path: '/checkout/review', h1: 'Confirm your order' });
  const warning = await textOf(page.getByTestId('ends-early'));
  note(`warning: ${warning}`);
  assert.match(warning, /no data left: paying ends it now/);
  const facts = await reviewFacts(page);
  assert.equal(facts.dates.length, 2);
  assert.ok(facts.dates[1].endsWith(facts.validUntil));
  await shoot(page, 'en-review-ends-early');
  await clickAndWait(page, page.getByRole('button', { name: `Pay ${facts.total}`, exact: true }));
  await walk.sandboxPage(page, { amount: facts.total });
  const paidAt = await pressOnSandbox(page, 'Pay · 付款');
  await walk.waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: 10_000, lang: 'en' });

  step('en: My account: one "Valid until", the review\'s; the next period collapsed; the data left of the new one');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'My account', exact: true }));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  const line = demoLine(page);
  assert.equal(await line.getByTestId('valid-until').count(), 1);
  assert.equal(await textOf(line.getByTestId('valid-until')), facts.validUntil, 'the account says what the review said');
  assert.equal(await textOf(line.getByTestId('data-term')), 'Data left');
  assert.match(await textOf(line.getByTestId('data-left')), /^20 GB left of 20 GB$/);
  const queued = line.getByTestId('queued');
  assert.equal(await textOf(queued.locator('summary')), '1 more period after this one');
  assert.equal(await queued.getAttribute('open'), null, 'queued periods are collapsed');
  const bar = await line.locator('.data-bar').getAttribute('data-percent');
  assert.equal(bar, '100', 'the bar shows what is left: all of it');
  await shoot(page, 'en-account');
}

/** 5: in Chinese: plans grouped, Alipay's price on the plans page and the review, 有效至. */
async function chinese(page) {
  step('zh: 我的帳戶 shows one 有效至; 計劃 grouped; 支付寶 price = review total');
  await clickAndWait(page, langSwitch(page, '繁體中文'));
  await checkPage(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const line = demoLine(page);
  assert.equal(await textOf(line.locator('dt', { hasText: '有效至' })), '有效至');
  assert.equal(await line.getByTestId('valid-until').count(), 1);
  await shoot(page, 'zh-account');
  await toPlans(page, 'zh-HK');
  const headings = await page.locator('section.plan-group > h2').allInnerTexts();
  assert.deepEqual(headings.map((h) => h.trim()), ['日票', '一星期計劃', '月計劃', '年計劃']);
  assert.ok(!(await textOf(page.locator('main'))).includes('價格已包括所有費用'));
  await clickAndWait(page, page.locator('nav.methods a[data-method="alipay"]'));
  await checkPage(page, { lang: 'zh-HK', path: '/plans', h1: '計劃' });
  assert.equal(await textOf(page.getByTestId('method-fee')), '以下為用支付寶付款的實付價格（手續費 1.5 %）。');
  const shown = await textOf(planCard(page, PLAN.code).getByTestId('plan-total'));
  assert.equal(shown, EXPECTED.alipay);
  await shoot(page, 'zh-plans-alipay');
  await clickAndWait(page, planCard(page, PLAN.code).getByRole('link', { name: `揀選 ${PLAN.zh}`, exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/checkout', h1: '結帳' });
  await clickAndWait(page, page.getByRole('button', { name: '檢視訂單', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/checkout/review', h1: '確認訂單' });
  const facts = await reviewFacts(page);
  note(`zh review: ${JSON.stringify(facts)}`);
  assert.equal(facts.total, shown);
  assert.equal(facts.method, '支付寶 · 手續費 1.5 %');
  assert.match(await textOf(page.locator('section.dates')), /有效至/);
  await shoot(page, 'zh-review-alipay');
}

walk.run(async (browser) => {
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  await plansGrouped(page);
  await everyMethod(page);
  await threePlusOne(page);
  await endsEarly(page);
  await chinese(page);
  await context.close();
});
