// The back-office console in headless Chromium, on a tablet (the console is desktop
// first and must be usable on one): a support member's shift in English — log in with
// password and the authenticator code, find the demo subscriber by the local number
// as a caller says it, open their page, see the view in the audit log, be refused the
// staff page — then an administrator in Chinese adds a staff member and gets the
// enrolment link. Every page passes lib.mjs's checks (axe-core WCAG 2.1 AA included).

import assert from 'node:assert/strict';

import { clickAndWait, startWalk, textOf } from './lib.mjs';

const walk = startWalk('console');
const { BASE, step, shoot, checkPage } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const PASSWORD = 'demo-staff-password-2026';

/** Logs in on the console's form with the code the demo's login page shows. */
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

async function supportShift(browser) {
  const { context, page } = await walk.newContext(browser, 'en', TABLET);

  step('en: the console asks who you are first');
  await page.goto(`${BASE}/admin?lang=en`);
  await checkPage(page, { lang: 'en', path: '/admin/login', h1: 'Console login' });
  await shoot(page, 'en-login');

  step('en: a wrong code is refused at the form, nothing else said');
  await page.locator('#f-email').fill('support@staff.datacard.example');
  await page.locator('#f-password').fill(PASSWORD);
  await page.locator('#f-code').fill('000000');
  await walk.expectRefusal(() => clickAndWait(page, page.locator('main').getByRole('button')));
  await checkPage(page, { lang: 'en', path: '/admin/login', h1: 'Console login' });
  assert.equal(await page.getByRole('alert').count(), 1, 'one alert for the refusal');

  step('en: support logs in with password and the authenticator code');
  await logIn(page, 'support@staff.datacard.example', { lang: 'en', h1: 'Console login' });
  await checkPage(page, { lang: 'en', path: '/admin', h1: 'Console' });
  assert.match(await textOf(page.getByTestId('signed-in-as')), /support@staff\.datacard\.example · Support/);
  assert.equal(await page.locator('header a[href="/admin/staff"]').count(), 0, 'no Staff link for support');
  await shoot(page, 'en-home');

  step('en: find the demo subscriber by "9123 4567", as a caller says it');
  await page.getByLabel('Find a customer').fill('9123 4567');
  await clickAndWait(page, page.locator('form.search').getByRole('button', { name: 'Find' }));
  await checkPage(page, { lang: 'en', path: '/admin/customers', h1: 'Customers' });
  assert.equal(await textOf(page.getByTestId('hit-count')), '1 customer found.');
  await shoot(page, 'en-search');

  step('en: the customer page: account, lines, wallet, orders with the evidence, timeline');
  await clickAndWait(page, page.getByTestId('hits').getByRole('link', { name: '+85291234567' }));
  await checkPage(page, { lang: 'en', path: /^\/admin\/customers\/[^/]+$/, h1: 'Customer +85291234567' });
  assert.match(await textOf(page.getByTestId('wallet-balance')), /^HK\$/);
  assert.ok((await page.locator('[data-iccid]').count()) >= 1, 'the line is listed');
  assert.ok((await page.getByTestId('timeline').locator('li').count()) >= 1, 'a timeline');
  await shoot(page, 'en-customer');

  step('en: payments that need a person, from the bar');
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Needs a person' }));
  await checkPage(page, { lang: 'en', path: '/admin/payments/attention', h1: 'Payments that need a person' });
  await shoot(page, 'en-attention');

  step('en: the view is in the audit log, with who looked');
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Audit log' }));
  await checkPage(page, { lang: 'en', path: '/admin/audit', h1: 'Audit log' });
  const view = page.locator('tr[data-action="customer.view"]').first();
  assert.match(await textOf(view), /staff:support@staff\.datacard\.example/);
  await shoot(page, 'en-audit');

  step('en: the staff page is for administrators only');
  await walk.expectRefusal(() => page.goto(`${BASE}/admin/staff`));
  await checkPage(page, { lang: 'en', path: '/admin/staff' });
  assert.match(await textOf(page.getByRole('alert')), /Your role does not allow this/);

  step('en: log out');
  await page.goto(`${BASE}/admin`);
  await clickAndWait(page, page.locator('header').getByRole('button', { name: 'Log out' }));
  await checkPage(page, { lang: 'en', path: '/admin/login', h1: 'Console login' });
  await context.close();
}

async function adminInChinese(browser) {
  const { context, page } = await walk.newContext(browser, 'zh-HK', TABLET);

  step('zh: an administrator logs in');
  await logIn(page, 'admin@staff.datacard.example', { lang: 'zh-HK', h1: '控制台登入' });
  await checkPage(page, { lang: 'zh-HK', path: '/admin', h1: '控制台' });
  await shoot(page, 'zh-home');

  step('zh: adds a viewer and gets the one-time enrolment link');
  await clickAndWait(page, page.locator('header').getByRole('link', { name: '職員' }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/staff', h1: '職員' });
  const email = `viewer-${Date.now()}@example.com`;
  await page.getByLabel('電郵').fill(email);
  await page.getByLabel('角色').selectOption('viewer');
  await clickAndWait(page, page.getByRole('button', { name: '新增並產生登記連結' }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/staff', h1: '職員' });
  const link = await textOf(page.getByTestId('enrolment-link'));
  assert.match(link, /\/admin\/enrol\/[A-Za-z0-9_-]{40,}$/);
  assert.equal(await page.locator(`tr[data-email="${email}"]`).count(), 1);
  await shoot(page, 'zh-staff');

  step('zh: the enrolment page shows the key for the authenticator app');
  const enrolment = await walk.newContext(browser, 'zh-HK', TABLET);
  await enrolment.page.goto(link.replace(/^https?:\/\/[^/]+/, BASE));
  await checkPage(enrolment.page, { lang: 'zh-HK', path: /^\/admin\/enrol\//, h1: '設定你的控制台登入' });
  assert.match(await textOf(enrolment.page.getByTestId('totp-secret')), /^[A-Z2-7]{32}$/);
  await shoot(enrolment.page, 'zh-enrol');
  await enrolment.context.close();
  await context.close();
}

walk.run(async (browser) => {
  await supportShift(browser);
  await adminInChinese(browser);
});
