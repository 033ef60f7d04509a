// What the browser walks share: the command line, Chromium on a phone screen, one
// line per step, the checks every page must pass, screenshots, the outbox, and the
// report when a walk stops. Each walk is `tests/browser/<name>.mjs`, run by
// tests/browser.rs as `node tests/browser/<name>.mjs <base-url> <outbox.jsonl>`
// (or DATACARD_BASE_URL / DATACARD_OUTBOX in the environment).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

// axe-core, run on every page a walk checks: WCAG 2.1 A and AA, zero violations.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// The demo subscriber that `datacard::demo::seed` creates: one line on HK-30D-20G
// whose ICCID ends in 0010, and HK$50.00 in the wallet.
export const DEMO_PHONE = '+85291234567';
export const DEMO_PASSWORD = 'demo-password-2026';
export const DEMO_ICCID_TAIL = '0010';

export const TERMINAL_STATES = new Set(['fulfilled', 'failed', 'expired', 'cancelled', 'refunded']);

// An iPhone's Safari (iOS 17.5, which takes Apple's one-tap eSIM link), for walks on
// the phone that pays and holds the eSIM.
export const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

// A phone in portrait: the portal is mobile first.
const PHONE_SCREEN = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

// What this machine's Chromium needs: no sandbox as root, no GPU, and nothing that
// phones home (the network is closed, and such connections fail noisily).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const here = dirname(fileURLToPath(import.meta.url));

// ---- page helpers (no walk state) -------------------------------------------------

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** The header's main navigation (not the language switch, not links in the page). */
export function nav(page) {
  return page.locator('header.site nav:not(.lang)');
}

export function langSwitch(page, name) {
  return page.locator('header.site nav.lang').getByRole('link', { name, exact: true });
}

/** Clicks and waits for the page it leads to; returns that navigation's response. */
export async function clickAndWait(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response;
}

export async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** `HK$1,234.56` → 123456 (cents). */
export function cents(text) {
  const match = /^HK\$(\d[\d,]*)\.(\d\d)$/.exec(text.trim());
  assert.ok(match, `"${text}" is not an HK$ amount`);
  return Number(match[1].replace(/,/g, '')) * 100 + Number(match[2]);
}

export function hkd(amount) {
  const dollars = Math.floor(amount / 100).toLocaleString('en-US');
  return `HK$${dollars}.${String(amount % 100).padStart(2, '0')}`;
}

/** A catalog (src/i18n/<tag>.toml) as { 'section.key': text }, read with a TOML subset
 * parser: the catalogs are sections and `key = "text"` lines only. */
export function catalog(tag) {
  const url = new URL(`../../src/i18n/${tag}.toml`, import.meta.url);
  const out = {};
  let section = '';
  for (const line of readFileSync(url, 'utf8').split('\n')) {
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const entry = /^([A-Za-z0-9_]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
    if (entry) out[section ? `${section}.${entry[1]}` : entry[1]] = JSON.parse(`"${entry[2]}"`);
  }
  return out;
}

/** `key`'s text in `texts` (a catalog), its `{placeholders}` filled from `args`. */
export function say(texts, key, args = {}) {
  const text = texts[key];
  assert.ok(text !== undefined, `no catalog text ${key}`);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
}

/** Waits, without reloading, until the order page shows `wanted` (its script reloads
 * it); returns how long it took. */
export async function turnsByItself(page, wanted, timeout = 20_000) {
  const started = Date.now();
  await page.waitForFunction(
    (state) => document.querySelector('[data-testid="order-state"]')?.getAttribute('data-state') === state,
    wanted,
    { timeout, polling: 200 },
  );
  await page.waitForLoadState('load');
  return Date.now() - started;
}

// ---- the eSIM install section (order page and account card) -------------------------

export const APPLE_SETUP = 'https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=';
export const ANDROID_SETUP = 'https://esimsetup.android.com/esim_qrcode_provisioning?carddata=';

/** What the install section shows: its links in page order, the two fields, the QR. */
export async function installFacts(scope) {
  return scope.locator('section.install').evaluate((section) => {
    const links = [...section.querySelectorAll('a[data-testid^="install-"]')].map((a) => ({
      which: a.dataset.testid,
      href: a.getAttribute('href'),
      text: a.textContent.trim(),
      height: a.getBoundingClientRect().height,
    }));
    const field = (id) => section.querySelector(`[data-testid="${id}"]`);
    const boxFits = (el) => el.scrollWidth <= el.clientWidth + 1;
    return {
      links,
      smdp: field('smdp-address').textContent.trim(),
      matchingId: field('matching-id').textContent.trim(),
      lpa: field('activation-code').textContent.trim(),
      qr: section.querySelector('figure.qr')?.dataset.qr,
      fieldsFit: boxFits(field('smdp-address')) && boxFits(field('matching-id')),
      copyButtons: [...section.querySelectorAll('button.copy')].map((b) => ({
        hidden: b.hidden,
        height: b.getBoundingClientRect().height,
        label: b.getAttribute('aria-label'),
      })),
    };
  });
}

/** The install section's facts agree: the LPA string is the two fields, the QR holds it,
 * `first`'s link comes first, each link's carddata is the LPA string. */
export function checkInstallLinks(facts, first) {
  const lpa = facts.lpa;
  assert.match(lpa, /^LPA:1\$[a-z0-9.-]+\$[A-Z0-9-]+$/, `the LPA string: ${lpa}`);
  assert.equal(lpa, `LPA:1$${facts.smdp}$${facts.matchingId}`, 'the two fields are the LPA string’s parts');
  assert.equal(facts.qr, lpa, 'the QR code holds the LPA string');
  assert.deepEqual(
    facts.links.map((l) => l.which),
    first === 'ios' ? ['install-ios', 'install-android'] : ['install-android', 'install-ios'],
    `this phone's own link first: ${JSON.stringify(facts.links)}`,
  );
  const byWhich = Object.fromEntries(facts.links.map((l) => [l.which, l]));
  const carddata = encodeURIComponent(lpa);
  assert.equal(byWhich['install-ios'].href, `${APPLE_SETUP}${carddata}`);
  assert.equal(byWhich['install-android'].href, `${ANDROID_SETUP}${carddata}`);
  assert.equal(
    decodeURIComponent(new URL(byWhich['install-ios'].href).searchParams.get('carddata')),
    lpa,
    'carddata decodes to the LPA string',
  );
  for (const link of facts.links) {
    assert.ok(link.height >= 44, `${link.which} is ${link.height}px tall`);
  }
  assert.ok(facts.fieldsFit, 'the SM-DP+ address and the activation code fit in their boxes');
}

/** The demo line's card on the account page. */
export function demoLine(page) {
  return page.locator(`article.card[data-iccid$="${DEMO_ICCID_TAIL}"]`);
}

export async function orderState(page) {
  const badge = page.getByTestId('order-state');
  assert.equal(await badge.count(), 1, `${page.url()}: expected one order state badge`);
  return badge.getAttribute('data-state');
}

/** What has focus: tag, id, type, class and the action of its form. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return {
      tag: el ? el.tagName.toLowerCase() : '',
      id: el ? el.id : '',
      type: el ? el.getAttribute('type') || '' : '',
      cls: el ? el.className : '',
      form: el && el.form ? el.form.getAttribute('action') : null,
    };
  });
}

/** Presses Tab until the element with `id` has focus; returns how many presses it took. */
export async function tabTo(page, id, maxStops = 30) {
  for (let stops = 1; stops <= maxStops; stops += 1) {
    await page.keyboard.press('Tab');
    if ((await focused(page)).id === id) return stops;
  }
  assert.fail(`${page.url()}: Tab did not reach #${id} within ${maxStops} presses`);
}

/** The review page's breakdown as { row heading: amount text } (a discount's reason included). */
export async function breakdown(page) {
  const rows = await page.locator('table.breakdown tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th').textContent.replace(/\s+/g, ' ').trim(), tr.querySelector('td').textContent.replace(/\s+/g, ' ').trim()]),
  );
  return Object.fromEntries(rows);
}

/** Order page facts (the definition list) as { term: value }. */
export async function orderFacts(page) {
  const pairs = await page.locator('main dl.facts').evaluate((dl) =>
    [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.replace(/\s+/g, ' ').trim()]),
  );
  return Object.fromEntries(pairs);
}

/** Presses Pay or Decline on the sandbox provider's page; returns when it was pressed. */
export async function pressOnSandbox(page, button) {
  const started = Date.now();
  await Promise.all([
    page.waitForURL((url) => url.pathname.startsWith('/orders/'), { waitUntil: 'load' }),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  return started;
}

// ---- a walk ------------------------------------------------------------------------

/**
 * Reads the command line and prepares the screenshot folder for the walk `name`:
 * log lines start `[name]`, screenshots are `<shotPrefix><shot>.png`.
 */
export function startWalk(name, { shotPrefix = `${name}-` } = {}) {
  const BASE = (process.argv[2] || process.env.DATACARD_BASE_URL || '').replace(/\/+$/, '');
  const OUTBOX = process.argv[3] || process.env.DATACARD_OUTBOX || '';
  const CHROMIUM = process.env.DATACARD_CHROMIUM || '/usr/bin/chromium';
  const SHOTS = process.env.DATACARD_SCREENSHOTS || join(here, 'screenshots');
  if (!BASE || !OUTBOX) {
    console.error(`usage: node ${name}.mjs <base-url> <outbox.jsonl>`);
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`FAIL: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    process.exit(2);
  }
  mkdirSync(SHOTS, { recursive: true });
  const failureShot = join(SHOTS, `${shotPrefix}failure.png`);
  // A failure screenshot from an earlier run would mislead.
  rmSync(failureShot, { force: true });

  const started = Date.now();
  let stepNo = 0;
  let pagesChecked = 0;
  /** The page being walked, for the failure report. */
  let current = null;
  /** While above zero, a 4xx page is what the walk expects (a refused form). */
  let refusalsExpected = 0;
  /** Problems the browser saw on the side: server errors, console errors, foreign hosts. */
  const problems = [];

  const walk = {
    BASE,
    OUTBOX,
    problems,

    step(text) {
      stepNo += 1;
      const at = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
      console.log(`[${name}] ${String(stepNo).padStart(2, '0')} +${at}s ${text}`);
    },

    note(text) {
      console.log(`[${name}]    ${text}`);
    },

    /** A phone-sized browser context that allows only our own server; `options`
     * (a `userAgent`, `javaScriptEnabled`, …) go to Playwright's newContext. */
    async newContext(browser, locale, options = {}) {
      const context = await browser.newContext({ ...PHONE_SCREEN, locale, ...options });
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(20_000);
      // A self-hosted portal (and its sandbox provider and fakes) loads nothing from anywhere else.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${BASE}/`) || url === BASE || url.startsWith('data:')) {
          return route.continue();
        }
        problems.push(`request to a foreign address: ${url}`);
        return route.abort();
      });
      const page = await context.newPage();
      current = page;
      page.on('pageerror', (error) => problems.push(`script error on ${page.url()}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !(refusalsExpected && /status of 4\d\d/.test(message.text()))) {
          problems.push(`console error on ${page.url()}: ${message.text()}`);
        }
      });
      page.on('response', (response) => {
        const status = response.status();
        if (status >= 500) {
          problems.push(`HTTP ${status} from ${response.request().method()} ${response.url()}`);
        } else if (status >= 400 && response.request().isNavigationRequest() && !refusalsExpected) {
          problems.push(`HTTP ${status} page at ${response.request().method()} ${response.url()}`);
        }
      });
      return { context, page };
    },

    /** Runs `action` (a form the server should refuse) and returns the 4xx response it led to. */
    async expectRefusal(action) {
      refusalsExpected += 1;
      try {
        const response = await action();
        assert.ok(response, 'the refused form should lead to a page');
        const status = response.status();
        assert.ok(status >= 400 && status < 500, `expected a 4xx refusal, got HTTP ${status} at ${response.url()}`);
        return response;
      } finally {
        refusalsExpected -= 1;
      }
    },

    /** What every page must be on a phone: one h1, no sideways scrolling. */
    async pageFacts(page) {
      const facts = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        title: document.title,
        h1s: [...document.querySelectorAll('h1')].map((h) => h.textContent.replace(/\s+/g, ' ').trim()),
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .slice(0, 3)
          .map((el) => `<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ''}>`),
      }));
      pagesChecked += 1;
      await walk.checkAccessibility(page);
      assert.equal(facts.h1s.length, 1, `${page.url()}: expected one h1, found ${JSON.stringify(facts.h1s)}`);
      assert.ok(
        facts.scrollWidth <= facts.clientWidth + 1,
        `${page.url()}: the page is ${facts.scrollWidth}px wide on a ${facts.clientWidth}px screen ` +
          `(sideways scrolling; too wide: ${facts.wide.join(', ')})`,
      );
      return facts;
    },

    /** axe-core over the whole page (evaluated through the DevTools protocol, so the
     * portal's Content-Security-Policy still holds for everything else). */
    async checkAccessibility(page) {
      if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
        await page.evaluate(AXE_SOURCE);
      }
      const violations = await page.evaluate(
        (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
          .then((r) => r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)),
        AXE_TAGS,
      );
      assert.deepEqual(violations, [], `${page.url()}: axe-core found WCAG 2.1 AA violations`);
    },

    /** A portal page: the path, the language asked for, a title that names the site, the h1. */
    async checkPage(page, { lang, path, h1 }) {
      if (path !== undefined) {
        const ok = path instanceof RegExp ? path.test(pathOf(page)) : pathOf(page) === path;
        assert.ok(ok, `expected to be on ${path}, but the browser is at ${page.url()}`);
      }
      const facts = await walk.pageFacts(page);
      assert.equal(facts.lang, lang, `${page.url()}: <html lang> is ${facts.lang}, expected ${lang}`);
      assert.match(facts.title, /datacard/, `${page.url()}: title "${facts.title}" does not name the site`);
      if (h1 instanceof RegExp) {
        assert.match(facts.h1s[0], h1, `${page.url()}: h1 is "${facts.h1s[0]}"`);
      } else if (h1 !== undefined) {
        assert.equal(facts.h1s[0], h1, `${page.url()}: h1 is "${facts.h1s[0]}", expected "${h1}"`);
      }
      return facts;
    },

    shotPath(shot) {
      return join(SHOTS, `${shotPrefix}${shot}.png`);
    },

    /** A full-page screenshot. */
    async shoot(page, shot) {
      await page.screenshot({ path: walk.shotPath(shot), fullPage: true });
    },

    /** Logs in on /login?lang=en (the demo subscriber unless told) and lands on My account. */
    async logIn(page, { login = DEMO_PHONE, password = DEMO_PASSWORD } = {}) {
      await page.goto(`${BASE}/login?lang=en`);
      await walk.checkPage(page, { lang: 'en', path: '/login', h1: 'Log in' });
      await page.getByLabel('Mobile number or email').fill(login);
      await page.getByLabel('Password').fill(password);
      await clickAndWait(page, page.locator('main').getByRole('button', { name: 'Log in' }));
      await walk.checkPage(page, { lang: 'en', path: '/account', h1: 'My account' });
    },

    /** Reloads the order page until its state is `wanted`; returns the ms since `since`. */
    async waitForOrderState(page, wanted, { since, timeoutMs, lang }) {
      const path = pathOf(page);
      const deadline = Date.now() + timeoutMs;
      let polls = 0;
      for (;;) {
        const state = await orderState(page);
        if (state === wanted) {
          await walk.checkPage(page, { lang, path });
          return { ms: Date.now() - since, polls };
        }
        if (TERMINAL_STATES.has(state)) {
          assert.fail(`${page.url()}: the order ended ${state}, expected ${wanted}`);
        }
        if (Date.now() > deadline) {
          assert.fail(`${page.url()}: the order is still ${state} after ${timeoutMs / 1000} s, expected ${wanted}`);
        }
        await page.waitForTimeout(200);
        await page.goto(`${BASE}${path}`, { waitUntil: 'load' });
        polls += 1;
      }
    },

    /** Plans page → the plan's "Choose" → the checkout page. */
    async choosePlan(page, { lang, name, price, choose, checkoutH1 }) {
      await clickAndWait(page, nav(page).getByRole('link', { name: lang === 'en' ? 'Plans' : '計劃', exact: true }));
      await walk.checkPage(page, { lang, path: '/plans', h1: lang === 'en' ? 'Plans' : '計劃' });
      const plan = page.locator('li.plan').filter({ has: page.getByRole('heading', { name, exact: true }) });
      assert.equal(await plan.count(), 1, `expected one plan called "${name}"`);
      assert.equal(await textOf(plan.getByTestId('plan-total')), price, `the price of ${name}`);
      const link = plan.getByRole('link', { name: `${choose} ${name}`, exact: true });
      assert.equal(await textOf(link), choose);
      await clickAndWait(page, link);
      await walk.checkPage(page, { lang, path: '/checkout', h1: checkoutH1 });
    },

    /** The sandbox provider's page: amount, one h1, no sideways scroll. */
    async sandboxPage(page, { amount, shot }) {
      assert.match(pathOf(page), /^\/sandbox\/pay\/[^/]+$/, `expected the sandbox pay page, at ${page.url()}`);
      const facts = await walk.pageFacts(page);
      assert.match(facts.h1s[0], /Sandbox payment/);
      assert.equal(await textOf(page.getByTestId('sandbox-amount')), amount, 'the amount on the provider page');
      if (shot) await walk.shoot(page, shot);
    },

    /** The outbox's messages (one JSON object a line; a line being written is skipped). */
    outbox() {
      let text = '';
      try {
        text = readFileSync(OUTBOX, 'utf8');
      } catch (error) {
        if (error.code !== 'ENOENT') throw error;
      }
      return text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => {
          try {
            return JSON.parse(line);
          } catch {
            return null;
          }
        })
        .filter(Boolean);
    },

    /** The newest 6-digit SMS code for `to` sent after `notBefore` (polls: it is a file). */
    async newestCode(to, notBefore) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const codes = walk
          .outbox()
          .filter((m) => m.to === to && m.channel === 'sms' && Date.parse(m.at) >= notBefore - 1000)
          .map((m) => (/\b(\d{6})\b/.exec(m.body) || [])[1])
          .filter(Boolean);
        if (codes.length) return codes[codes.length - 1];
        if (Date.now() > deadline) {
          assert.fail(`no 6-digit code for ${to} in ${OUTBOX} within 10 s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },

    /**
     * Launches Chromium, runs `body(browser)`, and exits: 0 when it passed and the
     * browser saw no problems; 1, with the reason and a screenshot of the page, when not.
     */
    run(body) {
      const report = async () => {
        if (!current || current.isClosed()) return;
        const text = (await current.locator('body').innerText({ timeout: 2000 })).replace(/\s+/g, ' ').trim();
        console.error(`[${name}] stopped at ${current.url()}: ${text.slice(0, 600)}`);
        await current.screenshot({ path: failureShot, fullPage: true, timeout: 5000 });
        console.error(`[${name}] screenshot of it: ${failureShot}`);
      };
      const main = async () => {
        console.log(`[${name}] ${BASE} with ${CHROMIUM}; outbox ${OUTBOX}; screenshots in ${SHOTS}`);
        // launch() gives Chromium a new, empty --user-data-dir of its own and removes it on close.
        const browser = await chromium.launch({
          executablePath: CHROMIUM,
          headless: true,
          chromiumSandbox: false,
          args: CHROMIUM_ARGS,
          timeout: 60_000,
        });
        try {
          await body(browser);
          assert.deepEqual(problems, [], `the browser saw problems:\n  ${problems.join('\n  ')}`);
        } catch (error) {
          await report().catch(() => {});
          throw error;
        } finally {
          await browser.close();
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        console.log(`[${name}] all ${stepNo} steps passed (${pagesChecked} page checks) in ${seconds} s`);
      };
      main().catch((error) => {
        const message = error instanceof assert.AssertionError ? error.message : error.stack || String(error);
        console.error(`[${name}] FAIL at step ${stepNo}: ${message}`);
        if (problems.length) console.error(`[${name}] also seen:\n  ${problems.join('\n  ')}`);
        process.exit(1);
      });
    },
  };
  return walk;
}
