// Refunds with four-eyes in headless Chromium: the demo subscriber renews by card at the
// sandbox (a phone); a finance member (English, tablet) finds them by "9123 4567" and
// refunds half of that order from the customer page — above the approval amount the
// walk's server is given (HK$10), so it waits — and sees no Approve on their own
// request; an administrator (Chinese) approves it, and the customer page shows who
// asked, who approved and that it went to the provider. axe-clean on every page.

import assert from 'node:assert/strict';

import { clickAndWait, pressOnSandbox, startWalk, textOf } from './lib.mjs';

const walk = startWalk('refunds');
const { BASE, step, note, shoot, checkPage, logIn, choosePlan, sandboxPage } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const PASSWORD = 'demo-staff-password-2026';

async function consoleLogIn(page, email, { lang, h1 }) {
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

async function subscriberRenews(browser) {
  const { context, page } = await walk.newContext(browser, 'en');
  step('phone: the demo subscriber renews for 30 days by card and pays at the sandbox');
  await logIn(page);
  await choosePlan(page, { lang: 'en', name: 'Hong Kong 30 Days 20 GB', price: 'HK$90.20', choose: 'Choose', checkoutH1: 'Checkout' });
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$90.20', exact: true }));
  await sandboxPage(page, { amount: 'HK$90.20' });
  const paidAt = await pressOnSandbox(page, 'Pay · 付款');
  await walk.waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: 10_000, lang: 'en' });
  await context.close();
}

async function financeRefundsHalf(browser) {
  const { context, page } = await walk.newContext(browser, 'en', TABLET);
  step('en: finance logs in and finds the subscriber by "9123 4567"');
  await consoleLogIn(page, 'finance@staff.datacard.example', { lang: 'en', h1: 'Console login' });
  await page.getByLabel('Find a customer').fill('9123 4567');
  await clickAndWait(page, page.locator('form.search').getByRole('button', { name: 'Find' }));
  await clickAndWait(page, page.getByTestId('hits').getByRole('link', { name: '+85291234567' }));
  await checkPage(page, { lang: 'en', path: /^\/admin\/customers\/[^/]+$/, h1: 'Customer +85291234567' });
  const section = page.getByTestId('refunds');
  assert.equal(await section.getByRole('heading', { name: 'Refund a payment' }).count(), 1);

  step('en: refunds HK$45.10 (half of HK$90.20) to the payer, "Service problem"');
  const option = page.locator('#f-refund-payment option', { hasText: 'HK$90.20' }).first();
  await page.locator('#f-refund-payment').selectOption(await option.getAttribute('value'));
  await page.getByLabel('Amount to refund').fill('45.10');
  await page.getByRole('radio', { name: 'The payer (through the payment provider)' }).check();
  await page.locator('#f-refund-reason').selectOption('service_problem');
  await page.locator('#f-refund-reason-note').fill('No data for two days');
  await shoot(page, 'en-refund-form');
  await clickAndWait(page, section.getByRole('button', { name: 'Refund', exact: true }));
  await checkPage(page, { lang: 'en', path: /^\/admin\/customers\/[^/]+$/, h1: 'Customer +85291234567' });
  assert.match(await textOf(section.getByRole('status')), /waits for a second finance member's approval/);
  const row = section.locator('tr[data-refund]').first();
  assert.match(await textOf(row), /HK\$45\.10/);
  assert.match(await textOf(row), /Waiting for approval/);
  await shoot(page, 'en-refund-waiting');

  step('en: the Approvals page lists it, with no Approve for its asker');
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Approvals' }));
  await checkPage(page, { lang: 'en', path: '/admin/refunds', h1: 'Approvals' });
  assert.equal(await page.getByTestId('pending').locator('tr[data-refund]').count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0, 'no Approve on one\'s own');
  assert.match(await textOf(page.getByTestId('pending')), /Yours: another member approves/);
  await shoot(page, 'en-approvals-own');
  await context.close();
}

async function adminApproves(browser) {
  const { context, page } = await walk.newContext(browser, 'zh-HK', TABLET);
  step('zh: an administrator approves it');
  await consoleLogIn(page, 'admin@staff.datacard.example', { lang: 'zh-HK', h1: '控制台登入' });
  await clickAndWait(page, page.locator('header').getByRole('link', { name: '待批核' }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/refunds', h1: '待批核' });
  await shoot(page, 'zh-approvals');
  await clickAndWait(page, page.getByRole('button', { name: '批准' }));
  await checkPage(page, { lang: 'zh-HK', path: /^\/admin\/refunds/, h1: '待批核' });
  assert.match(await textOf(page.getByRole('status')), /退款正退回付款人/);
  assert.equal(await page.getByTestId('none-pending').count(), 1);
  await shoot(page, 'zh-approved');

  step('zh: the customer page says who asked, who approved, and that it went to the provider');
  await page.goto(`${BASE}/admin/customers?q=91234567`);
  await clickAndWait(page, page.getByTestId('hits').getByRole('link', { name: '+85291234567' }));
  const row = page.getByTestId('refunds').locator('tr[data-refund]').first();
  const text = await textOf(row);
  note(`refund row: ${text}`);
  assert.match(text, /finance@staff\.datacard\.example/);
  assert.match(text, /admin@staff\.datacard\.example/);
  assert.match(text, /已交支付服務商|已退款/);
  await shoot(page, 'zh-customer-refunded');
  await context.close();
}

walk.run(async (browser) => {
  await subscriberRenews(browser);
  await financeRefundsHalf(browser);
  await adminApproves(browser);
});
