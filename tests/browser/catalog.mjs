// The catalog in the console, in headless Chromium. An administrator (English, a
// tablet) opens the catalog from the bar, edits the week plan's price: a negative price
// is refused beside its field with nothing saved; HK$52.00 is previewed per payment
// method (still HK$48.00 for subscribers), then saved, and the plans page charges what
// the preview said; the inventory page shows the stock. In Chinese on a desktop the
// administrator previews and saves the month plan's price; on a phone the form and its
// preview fit the screen. Every page passes lib.mjs's checks (axe-core included).

import assert from 'node:assert/strict';

import { clickAndWait, startWalk, textOf } from './lib.mjs';

const walk = startWalk('catalog');
const { BASE, step, note, shoot, checkPage } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const DESKTOP = { viewport: { width: 1366, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
const PASSWORD = 'demo-staff-password-2026';
const ADMIN = 'admin@staff.datacard.example';
const WEEK = 'HK-7D-5G';
const MONTH = 'HK-30D-20G';

async function consoleLogIn(page, { lang, h1 }) {
  await page.goto(`${BASE}/admin/login?lang=${lang}`);
  await checkPage(page, { lang, path: '/admin/login', h1 });
  const hint = await textOf(page.getByTestId('demo-staff'));
  const code = hint.match(/(\d{6})/)?.[1];
  assert.ok(code, `the demo login page shows the code: ${hint}`);
  await page.locator('#f-email').fill(ADMIN);
  await page.locator('#f-password').fill(PASSWORD);
  await page.locator('#f-code').fill(code);
  await clickAndWait(page, page.locator('main').getByRole('button'));
}

/** An ICCID: `body` and its Luhn check digit. */
function withCheckDigit(body) {
  let sum = 0;
  [...body].reverse().forEach((d, i) => {
    let n = Number(d) * (i % 2 === 0 ? 2 : 1);
    if (n > 9) n -= 9;
    sum += n;
  });
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** What subscribers are charged for `plan` by `method` on the plans page (cents). */
async function portalTotal(plan, method) {
  const page = await (await fetch(`${BASE}/plans?method=${method}&lang=en`)).text();
  const at = page.indexOf(`data-plan="${plan}"`);
  assert.ok(at >= 0, `${plan} is on the plans page`);
  return Number(/data-total="(\d+)"/.exec(page.slice(at))[1]);
}

/** The preview's total for `method` (cents). */
async function previewTotal(page, method) {
  return Number(await page.getByTestId('preview').locator(`tr[data-method="${method}"] [data-total]`).getAttribute('data-total'));
}

async function adminInEnglish(browser) {
  const { context, page } = await walk.newContext(browser, 'en', TABLET);
  step('en: the administrator opens the catalog from the bar');
  await consoleLogIn(page, { lang: 'en', h1: 'Console login' });
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Catalog', exact: true }));
  await checkPage(page, { lang: 'en', path: '/admin/catalog', h1: 'Catalog' });
  const week = page.locator(`tr[data-plan="${WEEK}"]`);
  assert.equal(await textOf(week.getByTestId('price-now')), 'HK$48.00');
  assert.match(await textOf(page.locator('tr[data-offer="WELCOME10"]')), /1000 \/ 1000/, 'uses left');
  await shoot(page, 'en-catalog');

  step('en: a negative price is refused beside its field; nothing is saved');
  await clickAndWait(page, week.getByRole('link', { name: `Edit ${WEEK}` }));
  await checkPage(page, { lang: 'en', path: `/admin/catalog/plans/${WEEK}`, h1: `Edit plan ${WEEK}` });
  const price = page.locator('#f-prices-HKD');
  assert.equal(await price.inputValue(), '48.00');
  await price.fill('-52.00');
  await walk.expectRefusal(() => clickAndWait(page, page.getByRole('button', { name: 'Save', exact: true })));
  await checkPage(page, { lang: 'en', path: `/admin/catalog/plans/${WEEK}`, h1: `Edit plan ${WEEK}` });
  assert.equal(await price.getAttribute('aria-invalid'), 'true');
  assert.match(await textOf(page.locator('[data-field-error="prices.HKD"]')), /price in HKD must be between 1/);
  assert.equal(await page.getByTestId('form-problems').locator('li').count(), 1, 'one problem, at the top too');
  assert.equal(await portalTotal(WEEK, 'wallet'), 4800, 'still HK$48.00');
  await shoot(page, 'en-refused');

  step('en: HK$52.00 previewed for every payment method, still not saved');
  await price.fill('52.00');
  await clickAndWait(page, page.getByRole('button', { name: 'Preview', exact: true }));
  await checkPage(page, { lang: 'en', path: `/admin/catalog/plans/${WEEK}`, h1: `Edit plan ${WEEK}` });
  const rows = page.getByTestId('preview-prices').locator('tbody tr');
  assert.equal(await rows.count(), 4, 'card, Alipay, WeChat Pay and the wallet');
  assert.equal(await previewTotal(page, 'wallet'), 5200);
  const card = await previewTotal(page, 'card');
  assert.ok(card > 5200, `the card's fee is added: ${card}`);
  assert.equal(await price.inputValue(), '52.00', 'the form keeps what was typed');
  assert.equal(await portalTotal(WEEK, 'card') < card, true, 'subscribers still pay the old price');
  await page.getByTestId('preview').scrollIntoViewIfNeeded();
  await shoot(page, 'en-preview');

  step('en: saved: a new version, and the plans page charges what the preview said');
  await clickAndWait(page, page.getByRole('button', { name: 'Save', exact: true }));
  await checkPage(page, { lang: 'en', path: '/admin/catalog', h1: 'Catalog' });
  assert.match(await textOf(page.getByRole('status')), new RegExp(`Plan ${WEEK} changed`));
  assert.equal(await textOf(page.locator(`tr[data-plan="${WEEK}"]`).getByTestId('price-now')), 'HK$52.00');
  for (const method of ['card', 'wallet']) {
    assert.equal(await portalTotal(WEEK, method), method === 'card' ? card : 5200, `${method} on the plans page`);
  }
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Audit log' }));
  const entry = page.locator('tr[data-action="plan.version"]').first();
  assert.match(await textOf(entry), new RegExp(`staff:${ADMIN} plan\\.version ${WEEK} version 2`));

  step('en: the inventory page counts the stock');
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Inventory', exact: true }));
  await checkPage(page, { lang: 'en', path: '/admin/inventory', h1: 'Inventory' });
  assert.equal(await textOf(page.locator('[data-count="free"]')), '50');
  assert.equal(await page.getByTestId('low-stock').count(), 0, 'above the threshold: no warning');
  await shoot(page, 'en-inventory');

  step('en: a CSV with one good row and one bad one: the good one added, the bad one named by line');
  const csv = `iccid,smdp_address,matching_id\n${withCheckDigit('898520990000000001')},rsp2.example.hk,WALK-0001\nnot-an-iccid,rsp2.example.hk,WALK-0002\n`;
  await page.getByLabel('CSV file').setInputFiles({ name: 'stock.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await clickAndWait(page, page.getByRole('button', { name: 'Import', exact: true }));
  await checkPage(page, { lang: 'en', path: '/admin/inventory', h1: 'Inventory' });
  assert.match(await textOf(page.getByTestId('import-report')), /eSIMs added: 1; already in stock: 0; rows refused: 1/);
  assert.match(await textOf(page.locator('tr[data-line="3"]')), /ICCID is not valid/);
  assert.equal(await textOf(page.locator('[data-count="free"]')), '51');
  await shoot(page, 'en-inventory-import');
  // The same session goes on in Chinese and on a phone: a TOTP code opens one login only.
  const session = await context.storageState();
  await context.close();
  return session;
}

async function adminInChinese(browser, storageState) {
  const { context, page } = await walk.newContext(browser, 'zh-HK', { ...DESKTOP, storageState });
  step('zh: on a desktop, the month plan previewed at HK$92.00 and saved');
  await page.goto(`${BASE}/admin?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: '/admin', h1: '控制台' });
  await clickAndWait(page, page.locator('header').getByRole('link', { name: '產品目錄', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/catalog', h1: '產品目錄' });
  await shoot(page, 'zh-catalog');
  await clickAndWait(page, page.locator(`tr[data-plan="${MONTH}"]`).getByRole('link', { name: `編輯 ${MONTH}` }));
  await checkPage(page, { lang: 'zh-HK', path: `/admin/catalog/plans/${MONTH}`, h1: `編輯計劃 ${MONTH}` });
  await page.getByLabel('HKD', { exact: true }).fill('92.00');
  await clickAndWait(page, page.getByRole('button', { name: '預覽', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: `/admin/catalog/plans/${MONTH}`, h1: `編輯計劃 ${MONTH}` });
  assert.equal(await previewTotal(page, 'wallet'), 9200);
  assert.match(await textOf(page.getByTestId('preview')), /預覽：客戶會看到的價格/);
  await page.getByTestId('preview').scrollIntoViewIfNeeded();
  await shoot(page, 'zh-preview');
  const card = await previewTotal(page, 'card');
  await clickAndWait(page, page.getByRole('button', { name: '儲存', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/catalog', h1: '產品目錄' });
  assert.match(await textOf(page.getByRole('status')), new RegExp(`已更改計劃 ${MONTH}`));
  assert.equal(await portalTotal(MONTH, 'card'), card);
  await context.close();
}

async function onAPhone(browser, storageState) {
  const { context, page } = await walk.newContext(browser, 'zh-HK', { storageState });
  step('phone: the plan form and its preview fit the screen');
  await page.goto(`${BASE}/admin/catalog/plans/HK-30D-UNL?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: '/admin/catalog/plans/HK-30D-UNL', h1: '編輯計劃 HK-30D-UNL' });
  await clickAndWait(page, page.getByRole('button', { name: '預覽', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/admin/catalog/plans/HK-30D-UNL', h1: '編輯計劃 HK-30D-UNL' });
  assert.match(await textOf(page.getByTestId('preview-prices')), /首月七折/, 'the first-month offer applies');
  await shoot(page, 'phone-zh-preview');
  // What the phone's screen shows of the preview, unscaled.
  await page.getByTestId('preview').scrollIntoViewIfNeeded();
  await page.screenshot({ path: walk.shotPath('phone-zh-preview-screen') });
  note(`card total on the phone's preview: ${await previewTotal(page, 'card')}`);
  await context.close();
}

walk.run(async (browser) => {
  const session = await adminInEnglish(browser);
  await adminInChinese(browser, session);
  await onAPhone(browser, session);
});
