// Abnormal charges in headless Chromium, on a phone: the demo subscriber's wallet is
// charged twice within minutes (the walk's server allows one charge a window), the
// watch's background scan finds it and the SMS arrives (read from the outbox); its
// link opens the alert page, where "Dispute this charge" opens a support case with
// the references attached. Then in Traditional Chinese: the alert page, a dispute
// from a paid order's page with the subscriber's own words, and the monthly spend cap
// (0 refused at its field, HK$200 saved). axe-clean on every page.
//
//   node tests/browser/watch.mjs <base-url> <outbox.jsonl>

import assert from 'node:assert/strict';

import { DEMO_PASSWORD, DEMO_PHONE, clickAndWait, startWalk, textOf } from './lib.mjs';

const walk = startWalk('watch');
const { BASE, step, note, shoot, checkPage, logIn } = walk;

/** The subscriber's API session, for what the walk sets up without the browser. */
async function apiLogIn() {
  const response = await fetch(`${BASE}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: DEMO_PHONE, password: DEMO_PASSWORD }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).token;
}

/** A day pass for the demo line, paid from the wallet: one charge. */
async function buyDayPass(token, iccid) {
  const response = await fetch(`${BASE}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ kind: 'renewal', iccid, plan_code: 'HK-1D-1G', periods: 1, payment_method: 'wallet' }),
  });
  const order = await response.json();
  assert.equal(response.status, 201, JSON.stringify(order));
  assert.equal(order.state, 'fulfilled');
  return order.id;
}

/** The watch's SMS to the demo phone, once the background scan has found the burst. */
async function alertSms() {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const sms = walk.outbox().filter((m) => m.to === DEMO_PHONE && m.channel === 'sms' && m.kind.startsWith('watch_'));
    if (sms.length) {
      assert.equal(sms.length, 1, `one alert: ${JSON.stringify(sms)}`);
      return sms[0];
    }
    if (Date.now() > deadline) assert.fail('no alert SMS within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function english(browser, link, burstOrder) {
  const { context, page } = await walk.newContext(browser, 'en');
  step('en: the demo subscriber logs in on a phone');
  await logIn(page);
  await checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'Alerts and spend cap' }) });
  assert.equal(await card.getByRole('link', { name: 'Alerts and spend cap' }).count(), 1, 'linked from the account page');

  step('en: the SMS link opens the alert');
  await page.goto(link);
  await checkPage(page, { lang: 'en', path: '/alerts', h1: 'Alerts and spending' });
  const id = new URL(link).hash.slice(1);
  const entry = page.locator(`li#${id}`);
  assert.equal(await entry.count(), 1, `the alert ${id} is on the page`);
  assert.equal(await textOf(entry.getByRole('heading')), 'Many charges in a short time');
  assert.match(await textOf(entry), /2 charges totalling HK\$36\.00 within 60 minutes/);
  assert.match(await textOf(entry), /dispute the charge/);
  await shoot(page, 'en-alerts');

  step('en: "Dispute this charge" opens a support case with the references');
  await clickAndWait(page, entry.getByRole('button', { name: 'Dispute this charge' }));
  await checkPage(page, { lang: 'en', path: /^\/support\/tkt_[A-Z0-9]+$/, h1: 'Disputed charge of HK$18.00' });
  const thread = await textOf(page.getByTestId('thread'));
  assert.match(thread, /I do not recognise this charge/);
  assert.match(thread, new RegExp(`order ${burstOrder}`));
  assert.doesNotMatch(thread, /Finding fnd_/, 'staff notes are not shown');
  assert.match(await textOf(page.getByTestId('case-number')), /^C-\d{6}$/);
  await shoot(page, 'en-case');

  step('en: back on the alerts, the charge is marked disputed');
  await page.goto(`${BASE}/alerts`);
  await checkPage(page, { lang: 'en', path: '/alerts', h1: 'Alerts and spending' });
  assert.equal(await page.locator(`li#${id}`).getByTestId('disputed').count(), 1);
  assert.equal(await page.locator(`li#${id}`).getByRole('button', { name: 'Dispute this charge' }).count(), 0);
  await context.close();
}

async function chinese(browser, firstOrder) {
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  step('zh-HK: the alert page in Traditional Chinese');
  await logIn(page);
  await page.goto(`${BASE}/alerts?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: '/alerts', h1: '提示及消費' });
  assert.match(await textOf(page.getByTestId('alerts')), /短時間內多次扣款/);
  assert.match(await textOf(page.getByTestId('cap-now')), /未設上限/);
  await shoot(page, 'zh-alerts');

  step('zh-HK: a paid order\'s page disputes its charge, with the subscriber\'s words');
  await page.goto(`${BASE}/orders/${firstOrder}`);
  await checkPage(page, { lang: 'zh-HK', path: `/orders/${firstOrder}` });
  const dispute = page.getByTestId('dispute-order');
  await dispute.locator('summary').click();
  await page.getByLabel('有甚麼問題（選填）').fill('我沒有買兩次日票。');
  await shoot(page, 'zh-order-dispute');
  await clickAndWait(page, dispute.getByRole('button', { name: '就此扣款提出爭議' }));
  await checkPage(page, { lang: 'zh-HK', path: /^\/support\/tkt_[A-Z0-9]+$/, h1: '爭議扣款 HK$18.00' });
  assert.match(await textOf(page.getByTestId('thread')), /我沒有買兩次日票。/);
  assert.match(await textOf(page.getByTestId('thread')), /支付機構參考編號/);
  await shoot(page, 'zh-case');

  step('zh-HK: the spend cap — 0 is refused at its field, HK$200 is saved');
  await page.goto(`${BASE}/alerts`);
  const cap = page.getByTestId('spend-cap');
  await cap.getByLabel('每月上限（HKD）').fill('0');
  await walk.expectRefusal(() => clickAndWait(page, cap.getByRole('button', { name: '儲存上限' })));
  await checkPage(page, { lang: 'zh-HK', path: '/alerts/spend-cap', h1: '提示及消費' });
  assert.equal(await page.locator('#f-monthly').getAttribute('aria-invalid'), 'true');
  assert.match(await textOf(page.getByRole('alert')), /每月消費上限須為大於零/);
  await shoot(page, 'zh-cap-refused');
  await page.locator('#f-monthly').fill('200');
  await clickAndWait(page, page.getByTestId('spend-cap').getByRole('button', { name: '儲存上限' }));
  await checkPage(page, { lang: 'zh-HK', path: '/alerts', h1: '提示及消費' });
  assert.match(await textOf(page.getByRole('status')), /已儲存你的每月消費上限/);
  assert.match(await textOf(page.getByTestId('cap-now')), /你的上限為每月 HK\$200\.00。/);
  await shoot(page, 'zh-cap-saved');
  await context.close();
}

walk.run(async (browser) => {
  step('api: the demo subscriber buys two day passes from the wallet, minutes apart');
  const token = await apiLogIn();
  const me = await (await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  const iccid = me.lines[0].iccid;
  const first = await buyDayPass(token, iccid);
  const second = await buyDayPass(token, iccid);
  note(`orders ${first} and ${second}`);

  step('outbox: the watch\'s scan finds the burst and the SMS arrives, once');
  const sms = await alertSms();
  const link = /(https?:\/\/\S+\/alerts#f-\S+)/.exec(sms.body)?.[1];
  assert.ok(link, `a link in the SMS: ${sms.body}`);
  assert.ok(link.startsWith(BASE), link);
  const email = walk.outbox().filter((m) => m.channel === 'email' && m.kind === sms.kind);
  assert.equal(email.length, 1, 'one email beside it');
  assert.match(email[0].body, new RegExp(`/orders/${second}`), 'the email links the order');
  note(sms.body);

  await english(browser, link, second);
  await chinese(browser, first);
});
