// Issue 13's "done when" as one support shift in headless Chromium, on the demo as
// `serve --demo` seeds it (a card payment of the demo subscriber's stuck by a lost
// notification, and a large paid order):
// - support, in English on a tablet, logs in with the code the demo's login page
//   shows, finds the demo subscriber by "9123 4567" as a caller says it, sees the
//   stuck payment on their page and on the attention list, asks the provider, and the
//   order is fulfilled; the caller's line is marked for review;
// - finance, in Chinese on a phone, refunds half of the other order — above the
//   approval amount, so it waits — and cannot approve it;
// - an administrator, in English on a phone, approves it; the customer page says who
//   asked and who approved;
// - a viewer, in Chinese on a tablet, sees the day's revenue in the books and every
//   step in the audit log.
// Every page passes lib.mjs's checks (axe-core WCAG 2.1 AA, no sideways scrolling).
// The Rust test runs `ledger check` and `audit verify` after the walk.

import assert from 'node:assert/strict';

import { catalog, cents, clickAndWait, hkd, say, startWalk, textOf } from './lib.mjs';

const walk = startWalk('shift');
const { BASE, step, note, shoot, checkPage } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const PASSWORD = 'demo-staff-password-2026';
const TEXTS = { en: catalog('en'), 'zh-HK': catalog('zh-HK') };
const CUSTOMER_PATH = /^\/admin\/customers\/[^/]+$/;

/** What the walk learns on the way. */
const seen = { stuckPayment: '', stuckOrder: '', refund: '' };

async function consoleLogIn(page, email, lang) {
  const texts = TEXTS[lang];
  await page.goto(`${BASE}/admin/login?lang=${lang}`);
  await checkPage(page, { lang, path: '/admin/login', h1: say(texts, 'console.login.title') });
  const hint = await textOf(page.getByTestId('demo-staff'));
  const code = hint.match(/(\d{6})/)?.[1];
  assert.ok(code, `the demo login page shows the authenticator's code: ${hint}`);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(PASSWORD);
  await page.locator('#f-code').fill(code);
  await clickAndWait(page, page.locator('main').getByRole('button'));
  await checkPage(page, { lang, path: '/admin', h1: say(texts, 'console.home_title') });
}

/** The search box on the page, "9123 4567", the one hit, its page. */
async function findDemoSubscriber(page, lang) {
  const texts = TEXTS[lang];
  await page.getByLabel(say(texts, 'console.customers.search_label')).fill('9123 4567');
  await clickAndWait(page, page.locator('form.search').getByRole('button', { name: say(texts, 'console.customers.search') }));
  await checkPage(page, { lang, path: '/admin/customers', h1: say(texts, 'console.customers.title') });
  assert.equal(await textOf(page.getByTestId('hit-count')), say(texts, 'console.customers.found_one'));
  await clickAndWait(page, page.getByTestId('hits').getByRole('link', { name: '+85291234567' }));
  await checkPage(page, { lang, path: CUSTOMER_PATH, h1: say(texts, 'console.customer.title', { phone: '+85291234567' }) });
}

function headerLink(page, texts, key) {
  return page.locator('header').getByRole('link', { name: say(texts, key), exact: true });
}

async function supportShift(browser) {
  const lang = 'en';
  const texts = TEXTS[lang];
  const { context, page } = await walk.newContext(browser, lang, TABLET);

  step('en tablet: support logs in with password and the code the demo login page shows');
  await consoleLogIn(page, 'support@staff.datacard.example', lang);
  assert.match(await textOf(page.getByTestId('signed-in-as')), /support@staff\.datacard\.example · Support/);
  await shoot(page, 'en-tablet-home');

  step('en tablet: finds the demo subscriber by "9123 4567"; the stuck payment is on their page');
  await findDemoSubscriber(page, lang);
  const open = page.locator('details[data-payment][open]');
  assert.equal(await open.count(), 1, 'one payment still waiting for its provider');
  seen.stuckPayment = await open.getAttribute('data-payment');
  const order = page.locator('article.order').filter({ has: open });
  seen.stuckOrder = await order.getAttribute('data-order');
  assert.match(await textOf(order), new RegExp(say(texts, 'order.state.pending_payment')));
  assert.equal(await open.getByTestId('fulfil').count(), 0, 'fulfilling by hand is finance\'s');
  note(`stuck: ${seen.stuckPayment} of ${seen.stuckOrder}`);
  await open.scrollIntoViewIfNeeded();
  await shoot(page, 'en-tablet-customer-stuck');

  step('en tablet: the attention list says a notification may be lost');
  await clickAndWait(page, headerLink(page, texts, 'console.attention.nav'));
  await checkPage(page, { lang, path: '/admin/payments/attention', h1: say(texts, 'console.attention.title') });
  const item = page.locator(`article[data-id="${seen.stuckPayment}"]`);
  assert.equal(await item.count(), 1, 'the stuck payment is listed');
  assert.match(await textOf(item.getByTestId('reasons')), new RegExp(say(texts, 'console.attention.reason_code.no_word_from_provider').slice(0, 30)));
  await shoot(page, 'en-tablet-attention');

  step('en tablet: "Ask the provider now": it was paid, the order is fulfilled');
  await clickAndWait(page, item.getByRole('button', { name: say(texts, 'console.attention.query') }));
  await checkPage(page, { lang, path: `/admin/payments/${seen.stuckPayment}/query`, h1: say(texts, 'console.attention.title') });
  assert.match(await textOf(page.getByRole('status')), /succeeded/);
  assert.equal(await page.locator(`article[data-id="${seen.stuckPayment}"]`).count(), 0, 'no longer waiting for a person');
  await shoot(page, 'en-tablet-queried');
  await clickAndWait(page, headerLink(page, texts, 'console.customers.title'));
  await findDemoSubscriber(page, lang);
  const fulfilled = page.locator(`article[data-order="${seen.stuckOrder}"]`);
  assert.match(await textOf(fulfilled), new RegExp(say(texts, 'order.state.fulfilled')));
  assert.equal(await page.locator('details[data-payment][open]').count(), 0, 'nothing waits any more');
  await fulfilled.scrollIntoViewIfNeeded();
  await shoot(page, 'en-tablet-customer-fulfilled');

  step('en tablet: the caller says the data is slow: support marks the line for review');
  const line = page.locator('tr[data-iccid]').first();
  await line.getByText(say(texts, 'console.review.mark')).click();
  await line.getByLabel(say(texts, 'console.review.reason')).fill('Caller says data is slow since the renewal');
  await clickAndWait(page, line.getByRole('button', { name: say(texts, 'console.review.mark_submit') }));
  await checkPage(page, { lang, path: CUSTOMER_PATH, h1: say(texts, 'console.customer.title', { phone: '+85291234567' }) });
  assert.equal(await textOf(page.locator('#lines').getByRole('status')), say(texts, 'console.said.marked'));
  assert.match(await textOf(page.locator('tr[data-iccid]').first().getByTestId('review')), /data is slow/);
  await page.locator('#lines').scrollIntoViewIfNeeded();
  await shoot(page, 'en-tablet-line-marked');
  await clickAndWait(page, headerLink(page, texts, 'console.attention.nav'));
  await checkPage(page, { lang, path: '/admin/payments/attention', h1: say(texts, 'console.attention.title') });
  assert.equal(await page.getByTestId('line-reviews').locator('article[data-iccid]').count(), 1);
  await shoot(page, 'en-tablet-attention-review');

  step('en tablet: log out');
  await clickAndWait(page, page.locator('header').getByRole('button', { name: say(texts, 'console.log_out') }));
  await checkPage(page, { lang, path: '/admin/login', h1: say(texts, 'console.login.title') });
  await context.close();
}

async function financeRefundsHalf(browser) {
  const lang = 'zh-HK';
  const texts = TEXTS[lang];
  const { context, page } = await walk.newContext(browser, lang);

  step('zh phone: finance logs in and finds the demo subscriber');
  await consoleLogIn(page, 'finance@staff.datacard.example', lang);
  await shoot(page, 'zh-phone-home');
  await findDemoSubscriber(page, lang);
  await shoot(page, 'zh-phone-customer');

  step('zh phone: refunds half of the largest payment to the payer, "service problem"');
  const options = page.locator('#f-refund-payment option');
  let best = { value: '', amount: 0 };
  for (let i = 0; i < (await options.count()); i += 1) {
    const text = await textOf(options.nth(i));
    const amount = cents(text.split(' · ')[0]);
    if (amount > best.amount) best = { value: await options.nth(i).getAttribute('value'), amount };
  }
  assert.ok(best.amount > 100_000, `the large order is refundable: ${hkd(best.amount)}`);
  const half = Math.floor(best.amount / 2);
  note(`refunding ${hkd(half)} of ${hkd(best.amount)} (${best.value})`);
  await page.locator('#f-refund-payment').selectOption(best.value);
  await page.getByLabel(say(texts, 'console.refunds.amount')).fill(hkd(half).replace('HK$', '').replace(/,/g, ''));
  await page.getByRole('radio', { name: say(texts, 'console.refunds.to_provider') }).check();
  await page.locator('#f-refund-reason').selectOption('service_problem');
  await page.locator('#f-refund-reason-note').fill('兩日無法上網');
  const section = page.getByTestId('refunds');
  await clickAndWait(page, section.getByRole('button', { name: say(texts, 'console.refunds.refund'), exact: true }));
  await checkPage(page, { lang, path: CUSTOMER_PATH, h1: say(texts, 'console.customer.title', { phone: '+85291234567' }) });
  assert.equal(await textOf(section.getByRole('status')), say(texts, 'console.refunds.done.pending_approval'));
  const row = section.locator('tr[data-refund]').first();
  seen.refund = await row.getAttribute('data-refund');
  assert.match(await textOf(row), new RegExp(say(texts, 'console.refunds.states.pending_approval')));
  await section.scrollIntoViewIfNeeded();
  await shoot(page, 'zh-phone-refund-waiting');

  step('zh phone: the approvals page: theirs to withdraw, not to approve');
  await clickAndWait(page, headerLink(page, texts, 'console.refunds.pending_title'));
  await checkPage(page, { lang, path: '/admin/refunds', h1: say(texts, 'console.refunds.pending_title') });
  const pending = page.locator(`tr[data-refund="${seen.refund}"]`);
  assert.equal(await pending.getByRole('button', { name: say(texts, 'console.refunds.approve') }).count(), 0);
  assert.equal(await pending.getByText(say(texts, 'console.approvals.withdraw')).count(), 1);
  await shoot(page, 'zh-phone-approvals-own');
  await context.close();
}

async function adminApproves(browser) {
  const lang = 'en';
  const texts = TEXTS[lang];
  const { context, page } = await walk.newContext(browser, lang);

  step('en phone: an administrator approves the refund');
  await consoleLogIn(page, 'admin@staff.datacard.example', lang);
  await clickAndWait(page, headerLink(page, texts, 'console.refunds.pending_title'));
  await checkPage(page, { lang, path: '/admin/refunds', h1: say(texts, 'console.refunds.pending_title') });
  await shoot(page, 'en-phone-approvals');
  const pending = page.locator(`tr[data-refund="${seen.refund}"]`);
  await clickAndWait(page, pending.getByRole('button', { name: say(texts, 'console.refunds.approve') }));
  await checkPage(page, { lang, path: '/admin/refunds', h1: say(texts, 'console.refunds.pending_title') });
  assert.equal(await textOf(page.getByRole('status')), say(texts, 'console.refunds.done.queued'));
  assert.equal(await page.getByTestId('none-pending').count(), 1);

  step('en phone: the customer page says who asked and who approved');
  await clickAndWait(page, headerLink(page, texts, 'console.customers.title'));
  await findDemoSubscriber(page, lang);
  const row = page.locator(`tr[data-refund="${seen.refund}"]`);
  const text = await textOf(row);
  assert.match(text, /finance@staff\.datacard\.example/);
  assert.match(text, /admin@staff\.datacard\.example/);
  assert.equal(await page.getByTestId('timeline').locator('li[data-kind="refund.requested"]').count(), 1);
  await row.scrollIntoViewIfNeeded();
  await shoot(page, 'en-phone-customer-refunded');
  await context.close();
}

async function booksAndAudit(browser) {
  const lang = 'zh-HK';
  const texts = TEXTS[lang];
  const { context, page } = await walk.newContext(browser, lang, TABLET);

  // A viewer: the administrator's code of this half-minute opened their session already.
  step('zh tablet: a viewer sees the day\'s revenue in the books');
  await consoleLogIn(page, 'viewer@staff.datacard.example', lang);
  await clickAndWait(page, headerLink(page, texts, 'console.books.title'));
  await checkPage(page, { lang, path: '/admin/books', h1: say(texts, 'console.books.title') });
  const revenue = await textOf(page.locator('[data-figure="revenue"]'));
  note(`revenue: ${revenue}`);
  assert.ok(cents(revenue) > 100_000, `the day's sales are counted: ${revenue}`);
  await shoot(page, 'zh-tablet-books');

  step('zh tablet: the audit log has every step, each with who');
  await clickAndWait(page, headerLink(page, texts, 'console.audit'));
  await checkPage(page, { lang, path: '/admin/audit', h1: say(texts, 'console.audit') });
  for (const [action, actor, subject] of [
    ['customer.view', 'staff:support@staff.datacard.example', ''],
    ['payment.query', 'staff:support@staff.datacard.example', seen.stuckPayment],
    ['refund.request', 'staff:finance@staff.datacard.example', seen.refund],
    ['refund.approve', 'staff:admin@staff.datacard.example', seen.refund],
    ['line.review', 'staff:support@staff.datacard.example', ''],
  ]) {
    const entry = page.locator(`tr[data-action="${action}"]`).filter({ hasText: actor }).filter({ hasText: subject });
    assert.ok((await entry.count()) >= 1, `the audit log shows ${action} by ${actor}`);
  }
  await shoot(page, 'zh-tablet-audit');
  await context.close();
}

walk.run(async (browser) => {
  await supportShift(browser);
  await financeRefundsHalf(browser);
  await adminApproves(browser);
  await booksAndAudit(browser);
});
