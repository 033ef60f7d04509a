// Records a subscriber can check, in headless Chromium on a phone: the demo subscriber
// renews by card at the sandbox, opens the receipt from the order page, downloads its
// PDF (read back with pdftotext), reads the history and this month's statement and
// downloads that PDF too; then the same in Traditional Chinese. axe-clean everywhere.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { clickAndWait, pressOnSandbox, startWalk, textOf } from './lib.mjs';

const walk = startWalk('records');
const { BASE, step, note, shoot, checkPage, logIn, choosePlan, sandboxPage } = walk;

const downloads = mkdtempSync(join(tmpdir(), 'records-walk-'));

/** Clicks a download link; returns the file's bytes and the text poppler reads from it. */
async function download(page, locator, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const path = join(downloads, name);
  await file.saveAs(path);
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-', `${name} is a PDF`);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
  return { bytes, text };
}

async function renewByCard(page) {
  step('en: the demo subscriber renews for 30 days by card and pays at the sandbox');
  await logIn(page);
  await choosePlan(page, { lang: 'en', name: 'Hong Kong 30 Days 20 GB', price: 'HK$90.20', choose: 'Choose', checkoutH1: 'Checkout' });
  await page.getByRole('radio', { name: /^Credit or debit card/ }).check();
  await clickAndWait(page, page.getByRole('button', { name: 'Review order', exact: true }));
  await clickAndWait(page, page.getByRole('button', { name: 'Pay HK$90.20', exact: true }));
  await sandboxPage(page, { amount: 'HK$90.20' });
  const paidAt = await pressOnSandbox(page, 'Pay · 付款');
  await walk.waitForOrderState(page, 'fulfilled', { since: paidAt, timeoutMs: 10_000, lang: 'en' });
}

async function inEnglish(browser) {
  const { context, page } = await walk.newContext(browser, 'en');
  await renewByCard(page);

  step('en: the order page leads to the receipt');
  await clickAndWait(page, page.getByTestId('receipt-link'));
  await checkPage(page, { lang: 'en', path: /^\/orders\/[^/]+\/receipt$/, h1: /^Receipt R\d{4}-\d{6}$/ });
  const number = (await textOf(page.getByTestId('receipt-number'))).replace('Receipt ', '');
  note(`receipt ${number}`);
  assert.equal(await textOf(page.getByTestId('receipt-total')), 'HK$90.20');
  assert.equal(await textOf(page.getByTestId('receipt-fee')), 'HK$2.20');
  assert.equal(await textOf(page.getByTestId('receipt-method')), 'Card');
  assert.match(await textOf(page.getByTestId('issuer')), /Datacard Demo Limited/);
  assert.match(await textOf(page.locator('tr.item').first()), /Hong Kong 30 Days 20 GB, period 1 of 1: .+ – .+HK\$88\.00/);
  await shoot(page, 'en-receipt');

  step('en: the receipt as PDF');
  const receipt = await download(page, page.getByTestId('receipt-pdf'), 'receipt-en.pdf');
  for (const wanted of [number, 'Hong Kong 30 Days 20 GB', 'HK$90.20']) {
    assert.ok(receipt.text.includes(wanted), `the PDF says ${wanted}: ${receipt.text}`);
  }

  step('en: the history, newest first');
  await clickAndWait(page, page.getByRole('link', { name: 'History', exact: true }));
  await checkPage(page, { lang: 'en', path: '/history', h1: 'History' });
  const entries = page.getByTestId('history-entry');
  assert.ok((await entries.count()) >= 2, 'the payment and the welcome credit');
  assert.match(await textOf(entries.first()), /Payment · Hong Kong 30 Days 20 GB × 1 .* Card/);
  assert.equal(await textOf(entries.first().getByTestId('history-amount')), '-HK$90.20');
  await shoot(page, 'en-history');

  step("en: this month's statement, with its PDF");
  await clickAndWait(page, page.getByRole('link', { name: 'Statements', exact: true }));
  await checkPage(page, { lang: 'en', path: '/statements', h1: 'Statements' });
  await shoot(page, 'en-statements');
  await clickAndWait(page, page.getByRole('link', { name: 'View the statement' }).first());
  await checkPage(page, { lang: 'en', path: /^\/statements\/\d{4}-\d{2}$/, h1: /^Statement for \w+ \d{4}$/ });
  assert.equal(await textOf(page.getByTestId('total-paid')), 'HK$90.20');
  assert.match(await textOf(page.getByTestId('statement-receipt').first()), new RegExp(number));
  await shoot(page, 'en-statement');
  const statement = await download(page, page.getByTestId('statement-pdf'), 'statement-en.pdf');
  assert.ok(statement.text.includes(number) && statement.text.includes('Statement for'), statement.text);
  await context.close();
  return number;
}

async function inChinese(browser, number) {
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  step('zh-HK: the same receipt in Traditional Chinese');
  await logIn(page);
  await page.goto(`${BASE}/orders?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: '/orders', h1: '我的訂單' });
  await clickAndWait(page, page.locator('li.order a.button').first());
  await clickAndWait(page, page.getByTestId('receipt-link'));
  await checkPage(page, { lang: 'zh-HK', path: /^\/orders\/[^/]+\/receipt$/, h1: `收據 ${number}` });
  assert.equal(await textOf(page.getByTestId('receipt-method')), '信用卡');
  assert.match(await textOf(page.locator('tr.item').first()), /香港 30 日 20GB，第 1 期（共 1 期）/);
  await shoot(page, 'zh-receipt');
  const receipt = await download(page, page.getByTestId('receipt-pdf'), 'receipt-zh.pdf');
  for (const wanted of [`收據 ${number}`, '香港 30 日 20GB', 'HK$90.20', '商業登記號碼']) {
    assert.ok(receipt.text.includes(wanted), `the PDF says ${wanted}: ${receipt.text}`);
  }

  step('zh-HK: the history and the statement');
  await clickAndWait(page, page.getByRole('link', { name: '交易記錄', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/history', h1: '交易記錄' });
  await shoot(page, 'zh-history');
  await clickAndWait(page, page.getByRole('link', { name: '月結單', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/statements', h1: '月結單' });
  await clickAndWait(page, page.getByRole('link', { name: '查看月結單' }).first());
  await checkPage(page, { lang: 'zh-HK', path: /^\/statements\/\d{4}-\d{2}$/, h1: /^\d{4}年\d{1,2}月月結單$/ });
  await shoot(page, 'zh-statement');
  const statement = await download(page, page.getByTestId('statement-pdf'), 'statement-zh.pdf');
  assert.ok(statement.text.includes('月結單') && statement.text.includes(number), statement.text);
  await context.close();
}

walk.run(async (browser) => {
  const number = await inEnglish(browser);
  await inChinese(browser, number);
});
