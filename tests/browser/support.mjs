// The help centre and a support case in headless Chromium: on a phone, the help
// centre answers 「忘記密碼」 in Traditional Chinese and "forgot password" in English;
// the demo subscriber's card is declined, and from that order they open a case with a
// screenshot; a support member (tablet, console) answers it and adds an internal
// note; the subscriber reads the answer (never the note) and the answer's email is in
// the outbox. axe-clean on every page.

import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';

import { clickAndWait, pressOnSandbox, startWalk, textOf } from './lib.mjs';

const walk = startWalk('support');
const { BASE, step, note, shoot, checkPage, logIn, choosePlan, sandboxPage } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const STAFF_PASSWORD = 'demo-staff-password-2026';
const ANSWER = 'We checked with your bank: nothing was charged. Please try the card again or pay by Alipay.';
const NOTE = 'Internal: the bank declined with insufficient funds';

/** A small real PNG (a grey square), as a phone's screenshot would be. */
function png(size) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: size }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(size, 160)])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function searchHelp(page, { lang, h1, query, expect, shot }) {
  await page.goto(`${BASE}/help?lang=${lang}`);
  await checkPage(page, { lang, path: '/help', h1 });
  await page.locator('#help-q').fill(query);
  await clickAndWait(page, page.getByRole('search').getByRole('button'));
  await checkPage(page, { lang, path: '/help', h1 });
  const first = page.getByTestId('help-results').getByRole('link').first();
  assert.equal(await textOf(first), expect, `the first answer to "${query}"`);
  await shoot(page, `${shot}-results`);
  await clickAndWait(page, first);
  await checkPage(page, { lang, path: '/help/forgot-password', h1: expect });
  assert.equal(await page.getByTestId('article').getByRole('link', { name: lang === 'en' ? 'Reset password' : '重設密碼' }).count(), 1);
  await shoot(page, `${shot}-article`);
}

async function helpCentre(browser) {
  let { context, page } = await walk.newContext(browser, 'zh-HK');
  step('zh-HK phone: the help centre answers 「忘記密碼」');
  await searchHelp(page, { lang: 'zh-HK', h1: '說明中心', query: '忘記密碼', expect: '忘記密碼', shot: 'zh-help' });
  await context.close();

  ({ context, page } = await walk.newContext(browser, 'en'));
  step('en phone: the help centre answers "forgot password"');
  await searchHelp(page, { lang: 'en', h1: 'Help centre', query: 'forgot password', expect: 'Forgot your password', shot: 'en-help' });
  await context.close();
}

async function subscriberOpensCase(browser) {
  const { context, page } = await walk.newContext(browser, 'en');
  step('phone: the demo subscriber renews by card and the bank declines');
  await logIn(page);
  await choosePlan(page, { lang: 'en', name: 'Hong Kong 30 Days 20 GB', price: 'HK$90.20', choose: 'Choose', checkoutH1: 'Checkout' });
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$90.20', exact: true }));
  await sandboxPage(page, { amount: 'HK$90.20' });
  const declinedAt = await pressOnSandbox(page, 'Decline · 拒絕');
  await walk.waitForOrderState(page, 'failed', { since: declinedAt, timeoutMs: 10_000, lang: 'en' });
  const help = page.getByTestId('order-help');
  assert.equal(await help.getByRole('button', { name: "I paid but it didn't update" }).count(), 1);
  await shoot(page, 'en-order-failed');

  step('phone: opens a case about this order with a screenshot');
  await clickAndWait(page, help.getByRole('link', { name: 'Open a support case about this order' }));
  await checkPage(page, { lang: 'en', path: '/support/new', h1: 'Open a support case' });
  assert.match(await textOf(page.getByTestId('about-order')), /^About order ord_/);
  assert.equal(await page.getByRole('radio', { name: 'Payment' }).isChecked(), true, 'payment chosen by the link');
  await page.getByLabel('Subject').fill('Card declined but I have money');
  await page.getByLabel('What happened?').fill('My card was declined for HK$90.20. Is something wrong with my account?');
  await page.locator('#f-images').setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: png(48) });
  await shoot(page, 'en-new-case');
  await clickAndWait(page, page.getByRole('button', { name: 'Send' }));
  await checkPage(page, { lang: 'en', path: /^\/support\/tkt_/, h1: 'Card declined but I have money' });
  const number = await textOf(page.getByTestId('case-number'));
  assert.match(number, /^C-\d{6}$/);
  assert.match(await textOf(page.getByRole('status').first()), new RegExp(`Case ${number} is open`));
  assert.match(await textOf(page.getByTestId('expected')), /We will answer by/);
  assert.equal(await page.getByTestId('thread').locator('img').count(), 1, 'the screenshot is shown');
  await shoot(page, 'en-case-opened');
  note(`case ${number} at ${page.url()}`);
  const url = page.url().split('?')[0];
  await context.close();
  return { number, url };
}

async function staffAnswers(browser, { number }) {
  const { context, page } = await walk.newContext(browser, 'en', TABLET);
  step('tablet: support logs in to the console and opens the case from the queue');
  await page.goto(`${BASE}/admin/login?lang=en`);
  await checkPage(page, { lang: 'en', path: '/admin/login', h1: 'Console login' });
  const code = (await textOf(page.getByTestId('demo-staff'))).match(/(\d{6})/)?.[1];
  assert.ok(code, 'the demo login page shows the code');
  await page.locator('#f-email').fill('support@staff.datacard.example');
  await page.locator('#f-password').fill(STAFF_PASSWORD);
  await page.locator('#f-code').fill(code);
  await clickAndWait(page, page.locator('main').getByRole('button'));
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Support cases' }));
  await checkPage(page, { lang: 'en', path: '/admin/tickets', h1: 'Support cases' });
  const row = page.getByTestId('queue').locator('tr', { hasText: number });
  assert.equal(await row.count(), 1, `${number} is in the queue`);
  await shoot(page, 'en-console-queue');
  await clickAndWait(page, row.getByRole('link', { name: number }));
  await checkPage(page, { lang: 'en', path: /^\/admin\/tickets\/tkt_/, h1: `${number} · Card declined but I have money` });
  assert.equal(await page.getByTestId('customer-link').count(), 1);

  step('tablet: an internal note, then the answer');
  await page.getByLabel('Message', { exact: true }).fill(NOTE);
  await page.getByLabel('Internal note: only staff see it').check();
  await clickAndWait(page, page.getByRole('button', { name: 'Send', exact: true }));
  assert.match(await textOf(page.getByRole('status').first()), /Internal note added/);
  await page.getByLabel('Message', { exact: true }).fill(ANSWER);
  await clickAndWait(page, page.getByRole('button', { name: 'Send', exact: true }));
  await checkPage(page, { lang: 'en', path: /^\/admin\/tickets\/tkt_/ });
  assert.match(await textOf(page.getByRole('status').first()), /Answer sent/);
  assert.match(await textOf(page.getByTestId('state')), /Waiting on the customer/);
  await shoot(page, 'en-console-answered');
  await context.close();
}

async function subscriberReads(browser, { url }) {
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  step('phone, zh-HK: the subscriber reads the answer, never the note');
  await page.goto(`${BASE}/login?lang=zh-HK`);
  await page.locator('#f-login').fill('+85291234567');
  await page.locator('#f-password').fill('demo-password-2026');
  await clickAndWait(page, page.locator('main').getByRole('button'));
  await page.goto(`${url}?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: /^\/support\/tkt_/, h1: 'Card declined but I have money' });
  const thread = await textOf(page.getByTestId('thread'));
  assert.ok(thread.includes(ANSWER), thread);
  assert.ok(!thread.includes('Internal'), `the note leaked: ${thread}`);
  assert.match(await textOf(page.getByTestId('case-state')), /等待你回覆/);
  await shoot(page, 'zh-case-answered');

  step('the answer went out by email (the outbox)');
  const deadline = Date.now() + 10_000;
  let email;
  while (!email && Date.now() < deadline) {
    email = walk.outbox().find((m) => m.channel === 'email' && m.kind === 'ticket_reply' && m.body.includes(ANSWER));
    if (!email) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(email, 'the reply email is in the outbox');
  assert.ok(!email.body.includes('Internal'), email.body);
  note(`email to ${email.to}: ${email.subject}`);
  await context.close();
}

walk.run(async (browser) => {
  await helpCentre(browser);
  const opened = await subscriberOpensCase(browser);
  await staffAnswers(browser, opened);
  await subscriberReads(browser, opened);
});
