// A new subscriber's way in, on a phone (390×844), as a person would take it:
// a plan chosen before having an account, the login page, "create an account",
// an empty submit (every problem at once), an 8-digit local number, the verify page
// switched to English (the phone kept), "Send a new code" (held by its countdown,
// an early press refused), the new code, and back on the checkout with the plan.
// Then the demo subscriber logs in with "9123 4567" from a chosen plan and lands on
// its checkout. Every page visited is checked for phone layout: controls at least
// 44 px tall, inputs 16 px, nothing wider than the screen.
//
//   node tests/browser/signup.mjs <base-url> <outbox.jsonl>
//
// tests/suite/browser.rs starts the demo server with a 5 s resend cooldown.

import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';

import { clickAndWait, langSwitch, nav, pathOf, startWalk, textOf } from './lib.mjs';

const walk = startWalk('signup');
const { BASE, step, shoot, checkPage, newestCode, note } = walk;

/** What a thumb and iOS need: controls ≥ 44 px tall (a checkbox or radio with its
 * label), inputs and selects at 16 px (no zoom on focus), nothing past the screen's
 * edge, and Chinese status badges on one line. */
async function phoneLayout(page) {
  const problems = await page.evaluate(() => {
    const out = [];
    const width = document.documentElement.clientWidth;
    const name = (el) =>
      `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).replace(/\s+/g, '.')}` : ''}>`;
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    for (const el of document.querySelectorAll('button, select, input:not([type=hidden]), textarea, a.button')) {
      if (!visible(el)) continue;
      let height = el.getBoundingClientRect().height;
      if (el.type === 'checkbox' || el.type === 'radio') {
        for (const label of el.labels || []) height = Math.max(height, label.getBoundingClientRect().height);
      }
      if (height < 43.5) out.push(`${name(el)} is ${height.toFixed(1)} px tall`);
      if (el.matches('input, select, textarea') && !['checkbox', 'radio'].includes(el.type)) {
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < 16) out.push(`${name(el)} has ${size} px text (iOS zooms in)`);
      }
    }
    for (const el of document.querySelectorAll('body *')) {
      if (visible(el) && el.getBoundingClientRect().right > width + 1) out.push(`${name(el)} runs past the screen`);
    }
    for (const badge of document.querySelectorAll('.status')) {
      if (visible(badge) && badge.getClientRects().length > 1) out.push(`badge "${badge.textContent}" breaks over lines`);
    }
    return out;
  });
  assert.deepEqual(problems, [], `${page.url()}: not fit for a phone`);
}

async function check(page, expected) {
  const facts = await checkPage(page, expected);
  await phoneLayout(page);
  return facts;
}

/** The one alert's text and the fields marked invalid. */
async function formProblems(page) {
  const alerts = page.getByRole('alert');
  assert.equal(await alerts.count(), 1, `${page.url()}: expected one alert (the summary)`);
  const invalid = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((el) => el.id));
  return { summary: await textOf(alerts), invalid };
}

async function newSubscriber(browser) {
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  const local = `9${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const typed = `${local.slice(0, 4)} ${local.slice(4)}`;
  const phone = `+852${local}`;
  const email = `signup-${local}-${Date.now()}@example.com`;
  const password = `Walk-the-signup-${randomInt(100_000, 999_999)}`;

  step(`zh: a plan chosen before having an account (${typed})`);
  await page.goto(`${BASE}/plans`);
  await check(page, { lang: 'zh-HK', path: '/plans', h1: '計劃' });
  const plan = page.locator('li.plan[data-plan="HK-30D-20G"]');
  await clickAndWait(page, plan.getByRole('link', { name: /^揀選/ }));
  await check(page, { lang: 'zh-HK', path: '/login', h1: '登入' });
  assert.equal(new URL(page.url()).searchParams.get('next'), '/checkout?plan=HK-30D-20G&method=card', 'the plan and the method picked on the plans page');
  await shoot(page, 'zh-login-to-continue');

  step('zh: "create an account" from the login page, then an empty submit: every problem at once');
  await clickAndWait(page, page.locator('main').getByRole('link', { name: '新用戶？建立帳戶' }));
  await check(page, { lang: 'zh-HK', path: '/register', h1: '建立帳戶' });
  await walk.expectRefusal(() => clickAndWait(page, page.getByRole('button', { name: '傳送驗證碼' })));
  await check(page, { lang: 'zh-HK', path: '/register', h1: '建立帳戶' });
  const empty = await formProblems(page);
  assert.deepEqual(empty.invalid, ['f-phone', 'f-email', 'f-password']);
  assert.match(empty.summary, /有 3 項需要更正/);
  await shoot(page, 'zh-register-every-problem');

  step('zh: the phone typed as 8 local digits, email and password; the code is sent');
  await page.getByLabel('手機號碼').fill(typed);
  await page.getByLabel('電郵').fill(email);
  await page.getByLabel('密碼').fill(password);
  const askedAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: '傳送驗證碼' }));
  await check(page, { lang: 'zh-HK', path: '/register/verify', h1: '輸入驗證碼' });
  assert.equal(new URL(page.url()).searchParams.get('phone'), phone);
  const first = await newestCode(phone, askedAt);
  await shoot(page, 'zh-verify');

  step('zh → en: the language switch on the verify page keeps the phone and the plan');
  await clickAndWait(page, langSwitch(page, 'English'));
  await check(page, { lang: 'en', path: '/register/verify', h1: 'Enter your code' });
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('phone'), phone);
  assert.equal(url.searchParams.get('next'), '/checkout?plan=HK-30D-20G&method=card');
  assert.ok((await textOf(page.locator('p.lead'))).includes(`+852 ${local.slice(0, 4)} ${local.slice(4)}`), 'the lead names the phone, grouped');
  assert.equal(await page.locator('input[name="phone"]').first().inputValue(), phone);

  step('en: "Send a new code" waits for its countdown');
  const resend = page.getByRole('button', { name: 'Send a new code' });
  assert.equal(await resend.isDisabled(), true, 'the button waits during the cooldown');
  assert.match(await textOf(page.locator('#resend-hint')), /You can ask for a new code in \d+ seconds?\./);
  await shoot(page, 'en-verify-resend-countdown');

  step('en: pressed early anyway (the page held open past its script): refused, nothing sent');
  await resend.evaluate((button) => { button.disabled = false; });
  await walk.expectRefusal(() => clickAndWait(page, resend));
  await check(page, { lang: 'en', path: '/register/verify/resend', h1: 'Enter your code' });
  assert.match((await formProblems(page)).summary, /Too many codes requested.*You can try again in \d+ seconds?\./);
  assert.equal(walk.outbox().filter((m) => m.to === phone).length, 1, 'no second code was sent');
  await shoot(page, 'en-verify-resend-refused');

  step('en: once the countdown ends the button works and a new code comes');
  await page.getByRole('button', { name: 'Send a new code' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('form.resend button').disabled, null, { timeout: 10_000 });
  assert.match(await textOf(page.locator('#resend-hint')), /You can ask for a new one/);
  const resentAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: 'Send a new code' }));
  await check(page, { lang: 'en', path: '/register/verify', h1: 'Enter your code' });
  assert.match(await textOf(page.getByRole('status').first()), /A new code is on its way/);
  const second = await newestCode(phone, resentAt);
  note(`first code ${first}, second ${second}`);
  await shoot(page, 'en-verify-resent');

  step('en: the new code creates the account and goes back to the checkout with the plan');
  await page.getByLabel('Verification code').fill(second);
  await clickAndWait(page, page.getByRole('button', { name: 'Confirm and create account' }));
  await check(page, { lang: 'en', path: '/checkout', h1: 'Checkout' });
  assert.equal(new URL(page.url()).searchParams.get('plan'), 'HK-30D-20G');
  await shoot(page, 'en-checkout-after-register');

  step('en → zh: the switch on the checkout keeps the plan');
  await clickAndWait(page, langSwitch(page, '繁體中文'));
  await check(page, { lang: 'zh-HK', path: '/checkout', h1: '結帳' });
  assert.equal(new URL(page.url()).searchParams.get('plan'), 'HK-30D-20G');
  // One word per concept: the fee is 手續費 (a renewal is 續期).
  assert.match(await textOf(page.locator('main')), /手續費 2\.5 %/);
  await shoot(page, 'zh-checkout');
  await context.close();
}

async function demoSubscriber(browser) {
  const { context, page } = await walk.newContext(browser, 'en-GB');
  step('en: the demo subscriber chooses a plan, logs in with "9123 4567", and is back on its checkout');
  await page.goto(`${BASE}/plans?lang=en`);
  await check(page, { lang: 'en', path: '/plans', h1: 'Plans' });
  await clickAndWait(page, page.locator('li.plan[data-plan="HK-7D-5G"]').getByRole('link', { name: /^Choose/ }));
  await check(page, { lang: 'en', path: '/login', h1: 'Log in' });
  assert.match(await textOf(page.locator('main p.lead')), /bring you back/);

  step('en: an empty login flags both fields');
  await walk.expectRefusal(() => clickAndWait(page, page.locator('main').getByRole('button', { name: 'Log in' })));
  await check(page, { lang: 'en', path: '/login', h1: 'Log in' });
  assert.deepEqual((await formProblems(page)).invalid, ['f-login', 'f-password']);
  await shoot(page, 'en-login-every-problem');

  await page.getByLabel('Mobile number or email').fill('9123 4567');
  await page.getByLabel('Password').fill('demo-password-2026');
  await clickAndWait(page, page.locator('main').getByRole('button', { name: 'Log in' }));
  await check(page, { lang: 'en', path: '/checkout', h1: 'Checkout' });
  assert.equal(new URL(page.url()).searchParams.get('plan'), 'HK-7D-5G');

  step('zh: the account page (auto-renew controls) fits a phone');
  await page.goto(`${BASE}/account?lang=zh-HK`);
  await check(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const iccid = await textOf(page.locator('.iccid').first());
  assert.match(iccid, /^\d{4}( \d{4})* \d{2,5}$|^(\d{4} )*\d{4}$/, `the ICCID in groups: ${iccid}`);
  await shoot(page, 'zh-account');
  await page.goto(`${BASE}/account?lang=en`);
  await check(page, { lang: 'en', path: '/account', h1: 'My account' });
  await shoot(page, 'en-account');
  assert.equal(pathOf(page), '/account');
  await context.close();
}

walk.run(async (browser) => {
  await newSubscriber(browser);
  await demoSubscriber(browser);
});
