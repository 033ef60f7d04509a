// Announcements and preferences in headless Chromium. An administrator (English, tablet)
// previews and posts a banner for the demo subscriber's plan, a banner for the Greater
// Bay Area zone and a marketing announcement sent by email. The demo subscriber (a phone,
// Traditional Chinese) sees only their plan's banner, dismisses it, reads the
// announcements, opts in to offers by email and keeps alerts off SMS; in English too.
// The next marketing announcement then reaches them by email with its unsubscribe link,
// which asks first and opts out on a press. axe-clean on every page.

import assert from 'node:assert/strict';

import { DEMO_PHONE, clickAndWait, startWalk, textOf } from './lib.mjs';

const walk = startWalk('news');
const { BASE, step, note, shoot, checkPage, logIn } = walk;

const TABLET = { viewport: { width: 1024, height: 768 }, isMobile: false, hasTouch: true, deviceScaleFactor: 1 };
const STAFF_PASSWORD = 'demo-staff-password-2026';
const DEMO_EMAIL = 'demo@datacard.example';

async function consoleLogIn(page, email) {
  await page.goto(`${BASE}/admin/login?lang=en`);
  await checkPage(page, { lang: 'en', path: '/admin/login', h1: 'Console login' });
  const hint = await textOf(page.getByTestId('demo-staff'));
  const code = hint.match(/(\d{6})/)?.[1];
  assert.ok(code, `the demo login page shows the code: ${hint}`);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(STAFF_PASSWORD);
  await page.locator('#f-code').fill(code);
  await clickAndWait(page, page.locator('main').getByRole('button'));
}

/** Fills the new-announcement form (English and Chinese texts) and saves it. */
async function postAnnouncement(page, { en, zh, body, bodyZh, plan, zone, banner, marketing, email, preview }) {
  await page.goto(`${BASE}/admin/announcements/new?lang=en`);
  await checkPage(page, { lang: 'en', path: '/admin/announcements/new', h1: 'New announcement' });
  await page.locator('#f-title_en').fill(en);
  await page.locator('#f-body_en').fill(body);
  await page.locator('#f-title_zh-HK').fill(zh);
  await page.locator('#f-body_zh-HK').fill(bodyZh);
  if (plan) await page.getByLabel(new RegExp(`\\(${plan}\\)`)).check();
  if (zone) await page.getByLabel(zone, { exact: true }).check();
  if (banner) await page.getByLabel(/^Banner:/).check();
  if (marketing) await page.getByLabel('Marketing (an offer)').check();
  if (email) await page.getByLabel('Send by email when it starts').check();
  if (preview) {
    await clickAndWait(page, page.getByRole('button', { name: 'Preview' }));
    await checkPage(page, { lang: 'en', path: '/admin/announcements', h1: 'New announcement' });
    const shown = page.getByTestId('preview');
    assert.equal(await shown.locator('strong').first().innerText(), preview, 'Markdown rendered in the preview');
    assert.equal(await page.locator('#f-title_en').inputValue(), en, 'the form keeps what was typed');
    await shoot(page, 'en-console-preview');
  }
  await clickAndWait(page, page.getByRole('button', { name: 'Save' }));
  await checkPage(page, { lang: 'en', path: '/admin/announcements', h1: 'Announcements' });
  assert.match(await textOf(page.getByRole('status')), /The announcement is saved/);
  assert.equal(await page.getByTestId('announcements').getByRole('link', { name: en }).count(), 1);
}

async function adminPosts(browser) {
  const { context, page } = await walk.newContext(browser, 'en', TABLET);
  step('en: an administrator opens Announcements from the console header');
  await consoleLogIn(page, 'admin@staff.datacard.example');
  await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Announcements' }));
  await checkPage(page, { lang: 'en', path: '/admin/announcements', h1: 'Announcements' });
  await clickAndWait(page, page.getByTestId('new-announcement'));

  step('en: a banner for the plan HK-30D-20G, previewed first');
  await postAnnouncement(page, {
    en: 'Network upgrade on Sunday night',
    zh: '星期日晚網絡升級',
    body: 'Data may pause for **up to 10 minutes** after 02:00.',
    bodyZh: '02:00 後數據或會暫停**最多 10 分鐘**。',
    plan: 'HK-30D-20G',
    banner: true,
    preview: 'up to 10 minutes',
  });
  step('en: a banner for the Greater Bay Area zone only');
  await postAnnouncement(page, {
    en: 'Mainland roaming partner change',
    zh: '內地漫遊夥伴變更',
    body: 'Nothing to do on your side.',
    bodyZh: '你毋須採取任何行動。',
    zone: 'Mainland China, Hong Kong & Macau',
    banner: true,
  });
  step('en: a marketing announcement sent by email (nobody has opted in yet)');
  await postAnnouncement(page, {
    en: 'Double data weekend',
    zh: '雙倍數據週末',
    body: 'Renew this weekend and get **double data**.',
    bodyZh: '本週末續期即享**雙倍數據**。',
    marketing: true,
    email: true,
  });
  await shoot(page, 'en-console-list');
  // Kept for the next offer: a code from the authenticator opens one session only.
  return { context, page };
}

async function subscriberReads(browser) {
  const { context, page } = await walk.newContext(browser, 'zh-HK');
  step('zh: the demo subscriber sees only their plan\'s banner, on every page');
  await logIn(page);
  await page.goto(`${BASE}/account?lang=zh-HK`);
  await checkPage(page, { lang: 'zh-HK', path: '/account', h1: '我的帳戶' });
  const banners = page.getByTestId('banner');
  assert.equal(await banners.count(), 1, 'one banner: the GBA one is not for this line');
  assert.match(await textOf(banners), /星期日晚網絡升級/);
  await shoot(page, 'zh-account-banner');
  await page.goto(`${BASE}/plans`);
  await checkPage(page, { lang: 'zh-HK', path: '/plans', h1: '計劃' });
  assert.equal(await page.getByTestId('banner').count(), 1, 'the banner is on the plans page too');

  step('zh: dismissing it comes back to the same page, without it');
  await clickAndWait(page, page.getByTestId('banner').getByRole('button', { name: '關閉' }));
  await checkPage(page, { lang: 'zh-HK', path: '/plans', h1: '計劃' });
  assert.equal(await page.getByTestId('banner').count(), 0);

  step('zh: the announcements page (from the footer) lists both, the offer unread');
  await clickAndWait(page, page.locator('footer').getByRole('link', { name: '公告' }));
  await checkPage(page, { lang: 'zh-HK', path: '/announcements', h1: '公告' });
  const items = page.getByTestId('announcement');
  assert.equal(await items.count(), 2, 'the plan banner and the offer; not the GBA one');
  const offer = items.filter({ hasText: '雙倍數據週末' });
  assert.match(await textOf(offer), /新/);
  assert.equal(await offer.locator('strong').innerText(), '雙倍數據');
  await shoot(page, 'zh-announcements');
  await clickAndWait(page, offer.getByRole('button', { name: /標示為已讀/ }));
  await checkPage(page, { lang: 'zh-HK', path: '/announcements', h1: '公告' });
  assert.equal(await page.getByRole('button', { name: /標示為已讀/ }).count(), 0);

  step('zh: preferences from the account page: offers by email yes, alerts by SMS no');
  await page.goto(`${BASE}/account`);
  await clickAndWait(page, page.getByTestId('preferences-link'));
  await checkPage(page, { lang: 'zh-HK', path: '/preferences', h1: '偏好設定' });
  assert.equal(await page.locator('#f-marketing_email').isChecked(), false, 'no consent until given');
  await shoot(page, 'zh-preferences-before');
  await page.locator('#f-marketing_email').check();
  await page.locator('#f-alerts_sms').uncheck();
  await clickAndWait(page, page.getByRole('button', { name: '儲存' }));
  await checkPage(page, { lang: 'zh-HK', path: '/preferences', h1: '偏好設定' });
  assert.match(await textOf(page.getByRole('status')), /已儲存/);
  assert.equal(await page.locator('#f-marketing_email').isChecked(), true);
  assert.equal(await page.locator('#f-alerts_sms').isChecked(), false);
  assert.match(await textOf(page.getByTestId('consent-email')), /同意（偏好設定頁）/);
  await shoot(page, 'zh-preferences-saved');

  step('en: the same page in English');
  await page.goto(`${BASE}/preferences?lang=en`);
  await checkPage(page, { lang: 'en', path: '/preferences', h1: 'Preferences' });
  assert.match(await textOf(page.getByTestId('consent-email')), /You agreed on .* \(preferences page\)/);
  await shoot(page, 'en-preferences');
  await page.goto(`${BASE}/announcements`);
  await checkPage(page, { lang: 'en', path: '/announcements', h1: 'Announcements' });
  await shoot(page, 'en-announcements');
  await context.close();
}

/** The newest marketing email to the demo subscriber (polls the outbox: the job runs
 * in the server's background loop). */
async function marketingEmail(title) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = walk.outbox().filter((m) => m.to === DEMO_EMAIL && m.kind === 'announcement_marketing');
    const wanted = found.find((m) => m.subject === title);
    if (wanted) return { wanted, all: found };
    if (Date.now() > deadline) assert.fail(`no marketing email "${title}" to ${DEMO_EMAIL} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function offerAndUnsubscribe(browser, admin) {
  {
    const { context, page } = admin;
    step('en: the administrator posts the next offer by email');
    await postAnnouncement(page, {
      en: 'Half-price top-ups',
      zh: '半價增值',
      body: 'Top up by Friday for **half price**.',
      bodyZh: '星期五前增值**半價**。',
      marketing: true,
      email: true,
    });
    await context.close();
  }
  step('the offer reaches the subscriber who opted in, with its opt-out; the first one never did');
  const { wanted, all } = await marketingEmail('Half-price top-ups');
  assert.equal(all.length, 1, 'the offer posted before the opt-in was not sent');
  assert.ok(wanted.unsubscribe?.startsWith(`${BASE}/u/`), `List-Unsubscribe: ${wanted.unsubscribe}`);
  assert.ok(wanted.body.includes(wanted.unsubscribe), 'the text carries the link too');
  note(`unsubscribe link: ${wanted.unsubscribe}`);

  const { context, page } = await walk.newContext(browser, 'en');
  step('en: the link asks first (no login), then opts out');
  await page.goto(`${wanted.unsubscribe}?lang=en`);
  await checkPage(page, { lang: 'en', h1: 'Stop offers' });
  await shoot(page, 'en-unsubscribe-ask');
  await clickAndWait(page, page.getByRole('button', { name: 'Stop offers by email' }));
  await checkPage(page, { lang: 'en', h1: 'You will get no more offers' });
  assert.match(await textOf(page.getByRole('status')), /no more offers by email/);
  await shoot(page, 'en-unsubscribed');
  step('zh: a changed link is refused');
  const response = await walk.expectRefusal(() => page.goto(`${wanted.unsubscribe.slice(0, -2)}xx?lang=zh-HK`));
  assert.equal(response.status(), 400);
  await checkPage(page, { lang: 'zh-HK', h1: '出現問題' });
  assert.match(await textOf(page.getByRole('alert')), /取消訂閱連結無效/);
  await shoot(page, 'zh-unsubscribe-refused');
  await context.close();
  note(`demo subscriber ${DEMO_PHONE} walked`);
}

walk.run(async (browser) => {
  const admin = await adminPosts(browser);
  await subscriberReads(browser);
  await offerAndUnsubscribe(browser, admin);
});
