// The books at a glance in headless Chromium, on a tablet: the demo subscriber buys a
// week from the wallet, then a finance member opens the books in English (the day's
// revenue, four charts each with its table, the CSV exports), asks for a range the
// wrong way round and is told on the same page, and a viewer reads the books in
// Chinese without the exports. Every page passes lib.mjs's checks (axe-core included).

import assert from 'node:assert/strict';

import { DEMO_PASSWORD, DEMO_PHONE, clickAndWait, startWalk, textOf } from './lib.mjs';

const walk = startWalk('books');
const { BASE, step, shoot, checkPage } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const PASSWORD = 'demo-staff-password-2026';

async function logIn(page, email, { lang, h1 }) {
  await page.goto(`${BASE}/admin/login?lang=${lang}`);
  await checkPage(page, { lang, path: '/admin/login', h1 });
  const hint = await textOf(page.getByTestId('demo-staff'));
  const code = hint.match(/(\d{6})/)?.[1];
  assert.ok(code, `the demo login page shows the code: ${hint}`);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(PASSWORD);
  await page.locator('#f-code').fill(code);
  await clickAndWait(page, page.locator('main').getByRole('button'));
}

/** The demo subscriber renews for a week (HK$48.00) from the HK$50.00 in the wallet. */
async function aSale() {
  const session = await fetch(`${BASE}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: DEMO_PHONE, password: DEMO_PASSWORD }),
  });
  assert.equal(session.status, 201, await session.clone().text());
  const { token } = await session.json();
  const me = await (await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  const iccid = me.lines[0].iccid;
  const order = await fetch(`${BASE}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ kind: 'renewal', iccid, plan_code: 'HK-7D-5G', periods: 1, payment_method: 'wallet' }),
  });
  const body = await order.json();
  assert.equal(order.status, 201, JSON.stringify(body));
  assert.equal(body.state, 'fulfilled', JSON.stringify(body));
}

async function financeInEnglish(browser) {
  const { context, page } = await walk.newContext(browser, 'en', TABLET);

  step('en: finance logs in and opens the books from the bar');
  await logIn(page, 'finance@staff.datacard.example', { lang: 'en', h1: 'Console login' });
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'The books' }));
  await checkPage(page, { lang: 'en', path: '/admin/books', h1: 'The books' });
  const revenue = await textOf(page.locator('[data-figure="revenue"]'));
  assert.match(revenue, /^HK\$\d/, revenue);
  assert.notEqual(revenue, 'HK$0.00', 'the day\'s sale is counted');
  assert.equal(await page.locator('svg[role="img"]').count(), 4, 'four charts');
  assert.equal(await page.locator('a[data-export]').count(), 4, 'four exports for finance');
  await shoot(page, 'en-books');

  step('en: the figures behind the daily chart, as a table');
  await page.locator('details summary').first().click();
  assert.ok(await page.getByTestId('days').isVisible());
  await checkPage(page, { lang: 'en', path: '/admin/books', h1: 'The books' });
  await page.getByTestId('days').scrollIntoViewIfNeeded();
  await shoot(page, 'en-books-table');

  step('en: the ledger export downloads as CSV');
  const href = await page.locator('a[data-export="ledger"]').getAttribute('href');
  const cookies = await context.cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csv = await fetch(`${BASE}${href}`, { headers: { cookie } });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.match(await csv.text(), /^transaction_id,created_at,kind,reference,description,seq,account,currency,amount\r\n/);

  step('en: a range the wrong way round is refused on the same page');
  await page.locator('#f-from').fill('2026-12-31');
  await page.locator('#f-to').fill('2026-01-01');
  await walk.expectRefusal(() => clickAndWait(page, page.locator('form.range').getByRole('button')));
  await checkPage(page, { lang: 'en', path: '/admin/books', h1: 'The books' });
  assert.equal(await page.getByRole('alert').count(), 1, 'one alert');
  assert.equal(await page.locator('#f-from').inputValue(), '2026-12-31', 'the dates are kept');
  await shoot(page, 'en-books-refused');
  await context.close();
}

async function viewerInChinese(browser) {
  const { context, page } = await walk.newContext(browser, 'zh-HK', TABLET);
  step('zh: a viewer reads the books, without exports');
  await logIn(page, 'viewer@staff.datacard.example', { lang: 'zh-HK', h1: '控制台登入' });
  await clickAndWait(page, page.locator('header').getByRole('link', { name: '賬目' }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/books', h1: '賬目' });
  assert.equal(await page.locator('a[data-export]').count(), 0);
  await shoot(page, 'zh-books');
  await context.close();
}

walk.run(async (browser) => {
  step('a sale from the wallet today');
  await aSale();
  await financeInEnglish(browser);
  await viewerInChinese(browser);
});
