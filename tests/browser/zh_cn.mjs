// The portal in Simplified Chinese (zh-CN) on a phone, in headless Debian Chromium: a
// Hong Kong browser switches to 简体中文 from the header on the register page,
// registers with the SMS code (which comes in Simplified too), sees the plans, and the
// demo subscriber logs in and reads their account and orders. Every page must be
// whole Simplified Chinese: lang="zh-CN", no catalog key shown in place of a text, no
// Traditional-only character, no English text of the catalog left over.
//
//   node tests/browser/zh_cn.mjs <base-url> <outbox.jsonl>
//
// Screenshots go to tests/browser/screenshots/zh-cn-*.png.

import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';

import { DEMO_PASSWORD, DEMO_PHONE, catalog, clickAndWait, demoLine, nav, startWalk, textOf } from './lib.mjs';

const walk = startWalk('zh_cn', { shotPrefix: 'zh-cn-' });
const { BASE, step, shoot, checkPage, newestCode } = walk;

const EN = catalog('en');
const ZH_CN = catalog('zh-CN');
assert.deepEqual(Object.keys(ZH_CN).sort(), Object.keys(EN).sort(), 'zh-CN.toml and en.toml have the same keys');
/** Dotted keys: shown on a page, they are a missing text. */
const KEYS = Object.keys(EN).filter((key) => key.includes('.'));
/** The same in every language. */
const EVERYWHERE = new Set(['datacard', 'ICCID']);
/** English texts of the catalog (the literal parts of those with placeholders), each
 * with a word of three letters or more: found on a zh-CN page, they are English left over. */
const ENGLISH = [
  ...new Set(
    Object.values(EN)
      .flatMap((text) => text.split(/\{[^}]*\}/))
      .map((part) => part.trim())
      .filter((part) => /[A-Za-z]{3}/.test(part) && !EVERYWHERE.has(part)),
  ),
];
/** Characters only Traditional writing uses (each has a different Simplified form). */
const TRADITIONAL = '們個這對過還時間會後開關電話號碼帳戶網絡數據計劃續費儲錢餘額體驗證碼訊單擇權點擊幣應裝線請設換輸讀確認達預覽揀聯標態無專區';

/** The newest message to `to` on `channel`; account messages leave through the job
 * queue, so it may take a moment to reach the outbox. */
async function newestMessage(to, channel) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const message = walk.outbox().filter((m) => m.to === to && m.channel === channel).pop();
    if (message) return message;
    assert.ok(Date.now() < deadline, `no ${channel} to ${to} in the outbox within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The text a reader sees, without the language switch (which names 繁體中文 and English on purpose). */
async function readerText(page) {
  return page.evaluate(() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll('nav.lang').forEach((el) => el.remove());
    return body.innerText || body.textContent;
  });
}

/** A page wholly in Simplified Chinese, checked as checkPage does plus the text itself. */
async function checkSimplified(page, { path, h1, shot, englishAllowed = false }) {
  await checkPage(page, { lang: 'zh-CN', path, h1 });
  const text = await readerText(page);
  const keys = KEYS.filter((key) => text.includes(key));
  assert.deepEqual(keys, [], `${page.url()}: catalog keys shown instead of text`);
  const traditional = [...new Set([...text].filter((c) => TRADITIONAL.includes(c)))];
  assert.deepEqual(traditional, [], `${page.url()}: Traditional characters in the text`);
  if (!englishAllowed) {
    const english = ENGLISH.filter((en) => new RegExp(`(^|[^A-Za-z])${en.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`).test(text));
    assert.deepEqual(english, [], `${page.url()}: English left over`);
  }
  assert.equal(await textOf(page.locator('header.site nav.lang [aria-current]')), '简体中文', 'the switch shows 简体中文 as chosen');
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(font, /PingFang SC/, `${page.url()}: body font ${font} is not the Simplified one`);
  if (shot) await shoot(page, shot);
}

async function registerInSimplified(browser) {
  // A Hong Kong browser: Traditional first, Simplified from the switch.
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  const phone = `+8526${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const email = `e2e-zhcn-${phone.slice(1)}-${Date.now()}@example.com`;
  const password = `Walk-in-simplified-${randomInt(100_000, 999_999)}`;

  step(`home in Traditional (Accept-Language zh-HK), then Register (subscriber ${phone})`);
  await page.goto(`${BASE}/`);
  await checkPage(page, { lang: 'zh-HK', path: '/', h1: '流動數據，用之不斷' });
  await clickAndWait(page, nav(page).getByRole('link', { name: '註冊', exact: true }));
  await checkPage(page, { lang: 'zh-HK', path: '/register', h1: '建立帳戶' });

  step('switch to 简体中文 from the header: the register page again, in Simplified');
  await clickAndWait(page, page.locator('header.site nav.lang').getByRole('link', { name: '简体中文', exact: true }));
  await checkSimplified(page, { path: '/register', h1: '注册账户', shot: 'register' });
  assert.equal(new URL(page.url()).searchParams.get('lang'), 'zh-CN');

  step('home keeps Simplified without ?lang (the cookie)');
  await clickAndWait(page, page.locator('header.site a.brand'));
  assert.equal(new URL(page.url()).search, '', 'the brand link carries no ?lang');
  await checkSimplified(page, { path: '/', h1: '流量不断，随心畅联', shot: 'home' });
  for (const text of ['查看套餐', '剩余多少，一清二楚', '支付方式随你选', '一分钟续费']) {
    assert.ok((await textOf(page.locator('main'))).includes(text), `the home page says ${text}`);
  }

  step('register: phone, email, password → 获取验证码');
  await clickAndWait(page, nav(page).getByRole('link', { name: '注册', exact: true }));
  await checkSimplified(page, { path: '/register', h1: '注册账户' });
  await page.getByLabel('手机号', { exact: true }).fill(phone);
  await page.getByLabel('邮箱', { exact: true }).fill(email);
  await page.getByLabel('密码', { exact: true }).fill(password);
  const askedAt = Date.now();
  await clickAndWait(page, page.getByRole('button', { name: '获取验证码' }));
  await checkSimplified(page, { path: '/register/verify', h1: '输入验证码', shot: 'verify' });
  assert.match(await textOf(page.locator('main')), /我们已向 .+ 发送 6 位数字验证码/);

  step('the SMS code is in Simplified too');
  const code = await newestCode(phone, askedAt);
  const sms = await newestMessage(phone, 'sms');
  assert.equal(sms.locale, 'zh-CN', `the code SMS is in ${sms.locale}`);
  assert.match(sms.body, /^datacard：你的验证码是 \d{6}，\d+ 分钟内有效。请勿泄露给他人。$/, sms.body);
  walk.note(`SMS: ${sms.body}`);

  step('a wrong code is refused in Simplified, the right one creates the account');
  const wrong = code.split('').map((d) => String((Number(d) + 5) % 10)).join('');
  await page.getByLabel('验证码', { exact: true }).fill(wrong);
  await walk.expectRefusal(() => clickAndWait(page, page.getByRole('button', { name: '确认并注册' })));
  await checkSimplified(page, { path: '/register/verify', h1: '输入验证码', shot: 'verify-wrong-code' });
  // The form's summary counts the problems, then names them.
  assert.equal(await textOf(page.getByRole('alert')), '有 1 项需要更正 验证码不正确，请查看短信后重试。');
  await page.getByLabel('验证码', { exact: true }).fill(code);
  await clickAndWait(page, page.getByRole('button', { name: '确认并注册' }));
  await checkSimplified(page, { path: '/account', h1: '我的账户', shot: 'new-account' });
  assert.equal(await textOf(page.getByRole('status')), '欢迎！你的账户已创建。');
  assert.match(await textOf(page.locator('main')), /你还没有 eSIM，选择一个套餐即可获得。/);
  const mail = await newestMessage(email.toLowerCase(), 'email');
  assert.equal(mail.locale, 'zh-CN');
  assert.equal(mail.subject, '验证你的 datacard 邮箱');

  step('plans: names, data, validity and coverage in Simplified');
  await clickAndWait(page, nav(page).getByRole('link', { name: '套餐', exact: true }));
  await checkSimplified(page, { path: '/plans', h1: '套餐', shot: 'plans' });
  const plans = await textOf(page.locator('main'));
  for (const text of ['香港日包 1GB', '香港 30 天 不限量', '中港澳 7 天 10GB', '中国内地、香港和澳门', '不限量']) {
    assert.ok(plans.includes(text), `the plans page says ${text}`);
  }
  assert.ok((await page.locator('li.plan').count()) >= 8, 'at least 8 plans');

  step('log out (退出登录)');
  await clickAndWait(page, nav(page).getByRole('link', { name: '退出登录', exact: true }));
  await checkSimplified(page, { path: '/logout', h1: '退出登录', shot: 'logout' });
  await clickAndWait(page, page.locator('main').getByRole('button', { name: '退出登录' }));
  await checkSimplified(page, { path: '/' });
  await context.close();
}

async function demoSubscriber(browser) {
  // A Mainland browser: Simplified straight away, from Accept-Language.
  const { context, page } = await walk.newContext(browser, 'zh-CN');

  step('a zh-CN browser gets the login page in Simplified; the demo subscriber logs in');
  await page.goto(`${BASE}/login`);
  await checkSimplified(page, { path: '/login', h1: '登录', shot: 'login' });
  await page.getByLabel('手机号或邮箱').fill(DEMO_PHONE);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await clickAndWait(page, page.locator('main').getByRole('button', { name: '登录' }));

  step('account: wallet, the line, its validity and data left');
  await checkSimplified(page, { path: '/account', h1: '我的账户', shot: 'account' });
  assert.equal(await textOf(page.getByTestId('wallet-balance')), 'HK$50.00');
  const line = demoLine(page);
  const text = await textOf(line);
  for (const part of ['香港 30 天 20GB', '使用中', '有效期', '剩余流量', '续费']) {
    assert.ok(text.includes(part), `the demo line says ${part}: ${text}`);
  }
  assert.match(text, /\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d – \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d/, `validity dates: ${text}`);
  assert.match(await textOf(line.getByTestId('data-left')), /^剩余 .+，共 .+$/);
  for (const text of ['钱包余额', '账户信息', '手机号', '邮箱', '自动续费']) {
    assert.ok((await textOf(page.locator('main'))).includes(text), `the account page says ${text}`);
  }

  step('套餐 → 选择 香港日包 1GB → 新 eSIM, 钱包余额 → 查看订单');
  await clickAndWait(page, nav(page).getByRole('link', { name: '套餐', exact: true }));
  await checkSimplified(page, { path: '/plans', h1: '套餐' });
  const plan = page.locator('li.plan').filter({ has: page.getByRole('heading', { name: '香港日包 1GB', exact: true }) });
  await clickAndWait(page, plan.getByRole('link', { name: '选择 香港日包 1GB', exact: true }));
  await checkSimplified(page, { path: '/checkout', h1: '结算' });
  await page.getByRole('radio', { name: '新 eSIM', exact: true }).check();
  for (const method of ['信用卡或借记卡', '支付宝', '微信支付']) {
    assert.equal(await page.getByRole('radio', { name: new RegExp(`^${method}`) }).count(), 1, `a ${method} choice`);
  }
  await page.getByRole('radio', { name: /^钱包余额（HK\$50\.00）/ }).check();
  await shoot(page, 'checkout');
  await clickAndWait(page, page.getByRole('button', { name: '查看订单', exact: true }));
  await checkSimplified(page, { path: '/checkout/review', h1: '确认订单', shot: 'review' });
  const review = await textOf(page.locator('table.breakdown'));
  for (const text of ['香港日包 1GB', '1 × HK$18.00', '价格', '支付手续费', '合计']) {
    assert.ok(review.includes(text), `the review says ${text}: ${review}`);
  }

  step('支付 HK$18.00: the order page, 已完成, 安装你的 eSIM');
  await clickAndWait(page, page.getByRole('button', { name: '支付 HK$18.00', exact: true }));
  await checkSimplified(page, { path: /^\/orders\/[^/]+$/, h1: /^订单/, shot: 'order' });
  assert.equal(await textOf(page.getByTestId('order-state')), '已完成');
  assert.equal(await page.getByRole('heading', { name: '安装你的 eSIM', exact: true }).count(), 1);

  step('orders and the demo outbox');
  await clickAndWait(page, nav(page).getByRole('link', { name: '订单', exact: true }));
  await checkSimplified(page, { path: '/orders', h1: '我的订单', shot: 'orders' });
  assert.match(await textOf(page.locator('main')), /香港日包 1GB/);
  await page.goto(`${BASE}/dev/outbox`);
  // The outbox lists every message, some written to others in English or Traditional.
  await checkPage(page, { lang: 'zh-CN', path: '/dev/outbox', h1: '消息发件箱（演示）' });
  await shoot(page, 'outbox');

  step('usage page of the demo line');
  await page.goto(`${BASE}/account`);
  await clickAndWait(page, demoLine(page).getByRole('link', { name: '用量' }));
  await checkSimplified(page, { path: /^\/lines\/\d+\/usage$/, h1: '流量用量', shot: 'usage' });
  await context.close();
}

walk.run(async (browser) => {
  await registerInSimplified(browser);
  await demoSubscriber(browser);
});
