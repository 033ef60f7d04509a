// End-to-end walk of the subscriber portal in headless Debian Chromium, as a person
// on a phone would use it, in English and in Traditional Chinese (Hong Kong).
//
//   node tests/browser/portal.mjs <base-url> <outbox.jsonl>
//   (or DATACARD_BASE_URL / DATACARD_OUTBOX in the environment)
//
// tests/browser.rs starts a demo server and runs this. It prints one line per step
// and exits non-zero, with the reason, at the first expectation that fails.
// Full-page screenshots of every page go to tests/browser/screenshots/.

import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';

import { DEMO_PASSWORD, DEMO_PHONE, clickAndWait, focused, nav, startWalk, textOf } from './lib.mjs';

const walk = startWalk('portal', { shotPrefix: '' });
const { BASE, step, shoot, checkPage, newestCode } = walk;

/** Fills the input that the visible label names, and checks it is the expected field. */
async function fillByLabel(page, label, id, value) {
  const input = page.getByLabel(label);
  assert.equal(await input.count(), 1, `${page.url()}: ${(await input.count())} inputs are labelled "${label}"`);
  assert.equal(await input.getAttribute('id'), id, `${page.url()}: label "${label}" does not point at #${id}`);
  await input.fill(value);
}

/** A code that is certainly not `code`. */
function wrongCode(code) {
  return code
    .split('')
    .map((d) => String((Number(d) + 5) % 10))
    .join('');
}

async function english(browser) {
  // The browser asks for Chinese, as most in Hong Kong do: English must come from the
  // switch, and stay because of its cookie.
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  const phone = `+8526${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const email = `e2e-${phone.slice(1)}-${Date.now()}@example.com`;
  const password = `Walk-the-portal-${randomInt(100_000, 999_999)}`;

  step(`en: home with ?lang=en (subscriber ${phone})`);
  await page.goto(`${BASE}/?lang=en`);
  await checkPage(page, { lang: 'en', path: '/', h1: 'Mobile data that keeps going' });
  await shoot(page, 'en-home');

  step('en: Register from the header; English sticks without ?lang');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Register', exact: true }));
  assert.equal(new URL(page.url()).search, '', 'the Register link should not carry ?lang');
  await checkPage(page, { lang: 'en', path: '/register', h1: 'Create your account' });
  await shoot(page, 'en-register');

  step('en: fill phone, email and password, and ask for a code');
  await fillByLabel(page, 'Mobile number', 'f-phone', phone);
  await fillByLabel(page, 'Email', 'f-email', email);
  await fillByLabel(page, 'Password', 'f-password', password);
  const askedAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
  await checkPage(page, { lang: 'en', path: '/register/verify', h1: 'Enter your code' });
  assert.equal(new URL(page.url()).searchParams.get('phone'), phone, 'the verify page should know the phone');
  assert.match(await textOf(page.locator('main')), /6-digit code/);
  await shoot(page, 'en-verify');

  step('en: read the code from the outbox');
  const code = await newestCode(phone, askedAt);
  walk.note(`code for ${phone}: ${code}`);

  step('en: a wrong code shows an error and keeps the subscriber on the verify page');
  await fillByLabel(page, 'Verification code', 'f-code', wrongCode(code));
  await walk.expectRefusal(() => clickAndWait(page, page.getByRole('button', { name: 'Confirm and create account' })));
  await checkPage(page, { lang: 'en', path: '/register/verify', h1: 'Enter your code' });
  const alert = page.getByRole('alert');
  assert.equal(await alert.count(), 1, 'expected one role=alert after a wrong code');
  assert.match(await textOf(alert), /That code is not right/);
  assert.equal(await page.locator('#f-code').getAttribute('aria-invalid'), 'true', 'the code field should be aria-invalid');
  await shoot(page, 'en-verify-wrong-code');

  step('en: the right code creates the account and signs in');
  await fillByLabel(page, 'Verification code', 'f-code', code);
  await clickAndWait(page, page.getByRole('button', { name: 'Confirm and create account' }));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  assert.match(await textOf(page.getByRole('status')), /Welcome! Your account is ready\./);
  assert.equal(await textOf(page.getByTestId('wallet-balance')), 'HK$0.00');
  const account = await textOf(page.locator('main'));
  assert.match(account, /Wallet balance/);
  assert.match(account, /You have no eSIM yet/);
  assert.ok(account.includes(email), 'the account page should show the email');
  const grouped = `${phone.slice(0, 4)} ${phone.slice(4, 8)} ${phone.slice(8)}`;
  assert.ok(account.includes(grouped), `the account page should show the phone, grouped: ${grouped}`);
  await shoot(page, 'en-account');

  step('en: the plans page lists at least 8 plans with HK$ prices');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Plans', exact: true }));
  await checkPage(page, { lang: 'en', path: '/plans', h1: 'Plans' });
  const prices = await page.locator('li.plan [data-testid="plan-total"]').allInnerTexts();
  const planCount = await page.locator('li.plan').count();
  assert.ok(planCount >= 8, `expected at least 8 plans, found ${planCount}`);
  assert.equal(prices.length, planCount, 'every plan should show a price');
  for (const price of prices) assert.match(price.trim(), /^HK\$\d[\d,]*\.\d\d$/, `price "${price}"`);
  assert.match(await textOf(page.locator('main')), /Hong Kong Day Pass 1 GB/);
  await shoot(page, 'en-plans');

  step('en: the demo outbox page shows the code that was sent');
  await page.goto(`${BASE}/dev/outbox`);
  await checkPage(page, { lang: 'en', path: '/dev/outbox', h1: 'Message outbox (demo)' });
  assert.ok((await textOf(page.locator('main'))).includes(code), 'the outbox page should list the code');
  await shoot(page, 'en-outbox');

  step('en: log out through the confirm page');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Log out', exact: true }));
  await checkPage(page, { lang: 'en', path: '/logout', h1: 'Log out' });
  await shoot(page, 'en-logout');
  await clickAndWait(page, page.locator('main').getByRole('button', { name: 'Log out' }));
  await checkPage(page, { lang: 'en', path: '/' });
  assert.equal(await nav(page).getByRole('link', { name: 'Log in', exact: true }).count(), 1, 'after logging out the header offers Log in');
  assert.equal(await nav(page).getByRole('link', { name: 'My account' }).count(), 0, 'after logging out the header has no My account');

  step('en: the account page now asks to log in first');
  await page.goto(`${BASE}/account`);
  await checkPage(page, { lang: 'en', path: '/login', h1: 'Log in' });
  assert.equal(new URL(page.url()).searchParams.get('next'), '/account');

  // An email logs in only once its link was opened; this walk signs in by phone.
  step('en: log in with the mobile number and password');
  await clickAndWait(page, nav(page).getByRole('link', { name: 'Log in', exact: true }));
  await checkPage(page, { lang: 'en', path: '/login', h1: 'Log in' });
  await shoot(page, 'en-login');
  await fillByLabel(page, 'Mobile number or email', 'f-login', phone);
  await fillByLabel(page, 'Password', 'f-password', password);
  await clickAndWait(page, page.locator('main').getByRole('button', { name: 'Log in' }));
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  assert.equal(await textOf(page.getByTestId('wallet-balance')), 'HK$0.00');
  assert.ok((await textOf(page.locator('main'))).includes(email));
  await shoot(page, 'en-account-again');

  await context.close();
}

async function chinese(browser) {
  // The browser asks for English; the header link must switch to Chinese and keep it.
  const { context, page } = await walk.newContext(browser, 'en-GB');

  step('zh: home comes in English first (Accept-Language), then the header switch');
  await page.goto(`${BASE}/`);
  await checkPage(page, { lang: 'en', path: '/' });
  await clickAndWait(page, page.locator('header.site nav.lang').getByRole('link', { name: '繁體中文' }));
  await checkPage(page, { lang: 'zh-HK', path: '/', h1: '流動數據，用之不斷' });
  assert.equal(await textOf(page.locator('header.site nav.lang [aria-current]')), '繁體中文');
  await shoot(page, 'zh-home');

  step('zh: register page, and a wrong code on the verify page');
  await clickAndWait(page, nav(page).getByRole('link', { name: '註冊', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/register', h1: '建立帳戶' });
  await shoot(page, 'zh-register');
  const phone = `+8526${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await fillByLabel(page, '手機號碼', 'f-phone', phone);
  await fillByLabel(page, '電郵', 'f-email', `e2e-zh-${phone.slice(1)}-${Date.now()}@example.com`);
  await fillByLabel(page, '密碼', 'f-password', `Walk-the-portal-${randomInt(100_000, 999_999)}`);
  const askedAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: '傳送驗證碼' }));
  await checkPage(page, { lang: 'zh-HK', path: '/register/verify', h1: '輸入驗證碼' });
  await shoot(page, 'zh-verify');
  const code = await newestCode(phone, askedAt);
  await fillByLabel(page, '驗證碼', 'f-code', wrongCode(code));
  await walk.expectRefusal(() => clickAndWait(page, page.getByRole('button', { name: '確認並建立帳戶' })));
  await checkPage(page, { lang: 'zh-HK', path: '/register/verify', h1: '輸入驗證碼' });
  assert.match(await textOf(page.getByRole('alert')), /驗證碼不正確/);
  await shoot(page, 'zh-verify-wrong-code');

  step('zh: login page by keyboard: skip link, then the login field, password, submit');
  await clickAndWait(page, nav(page).getByRole('link', { name: '登入', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/login', h1: '登入' });
  await shoot(page, 'zh-login');
  await page.keyboard.press('Tab');
  const first = await focused(page);
  assert.ok(first.tag === 'a' && first.cls.includes('skip'), `the first Tab stop should be the skip link, got ${JSON.stringify(first)}`);
  let stops = 1;
  while ((await focused(page)).id !== 'f-login') {
    stops += 1;
    assert.ok(stops <= 15, 'Tab did not reach the login field within 15 presses');
    await page.keyboard.press('Tab');
  }
  walk.note(`the login field is Tab stop ${stops}`);
  await page.keyboard.type(DEMO_PHONE);
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).id, 'f-password', 'Tab after the login field should reach the password');
  await page.keyboard.type(DEMO_PASSWORD);
  await page.keyboard.press('Tab');
  const button = await focused(page);
  assert.equal(button.tag, 'button', `Tab after the password should reach the submit button, got ${JSON.stringify(button)}`);
  assert.equal(button.type, 'submit');
  assert.equal(button.form, '/login');

  step('zh: Enter on the button logs the demo subscriber in');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  await checkPage(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const main = await textOf(page.locator('main'));
  assert.match(main, /錢包餘額/);
  assert.equal(await textOf(page.getByTestId('wallet-balance')), 'HK$50.00');
  const card = page.locator('article.card').filter({ hasText: '香港 30 日 20GB' });
  assert.equal(await card.count(), 1, 'expected one line with 香港 30 日 20GB');
  const line = await textOf(card);
  assert.match(line, /使用中/, `the line should be 使用中: ${line}`);
  assert.match(line, /有效至/);
  assert.match(line, /\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d – \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d/, `validity dates: ${line}`);
  assert.match(await textOf(card.getByTestId('data-left')), /剩餘 .+，共 .+/);
  await shoot(page, 'zh-account');

  step('zh: plans page in Chinese');
  await clickAndWait(page, nav(page).getByRole('link', { name: '計劃', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/plans', h1: '計劃' });
  const plans = await textOf(page.locator('main'));
  assert.match(plans, /香港日票 1GB/);
  assert.ok((await page.locator('li.plan').count()) >= 8, 'expected at least 8 plans');
  assert.match(plans, /HK\$18\.45/); // HK$18.00 by card, its 2.5 % fee included
  await shoot(page, 'zh-plans');

  step('zh: outbox and log out confirm pages');
  await page.goto(`${BASE}/dev/outbox`);
  await checkPage(page, { lang: 'zh-HK', path: '/dev/outbox', h1: '訊息寄件匣（示範）' });
  await shoot(page, 'zh-outbox');
  await clickAndWait(page, nav(page).getByRole('link', { name: '登出', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/logout', h1: '登出' });
  await shoot(page, 'zh-logout');
  await clickAndWait(page, page.locator('main').getByRole('button', { name: '登出' }));
  await checkPage(page, { lang: 'zh-HK', path: '/' });
  assert.equal(await nav(page).getByRole('link', { name: '登入', exact: true }).count(), 1);

  await context.close();
}

walk.run(async (browser) => {
  await english(browser);
  await chinese(browser);
});
