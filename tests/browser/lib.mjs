// Shared helpers for the real-browser tests: Debian's Chromium through playwright-core, axe-core
// for accessibility, TOTP for two-factor sign-in, and a JSON report on stdout for the Rust side.

import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Input from the Rust test: one JSON object in STILE_BROWSER_INPUT. */
export function input() {
  const raw = process.env.STILE_BROWSER_INPUT;
  if (!raw) throw new Error('STILE_BROWSER_INPUT is not set');
  return JSON.parse(raw);
}

export async function launch() {
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args,
  });
}

/** A phone's window: every page is checked at this width as well as at the desktop's. */
export const MOBILE = { width: 390, height: 844 };

/** Everything a run found: axe results per page, steps done, and failures. */
export class Report {
  constructor() {
    this.pages = [];
    this.steps = [];
    this.failures = [];
  }

  step(name, detail) {
    this.steps.push(detail === undefined ? name : { name, detail });
  }

  fail(message) {
    this.failures.push(message);
  }

  check(cond, message) {
    if (!cond) this.fail(message);
    return cond;
  }

  /**
   * Runs axe-core on the page as it is now and again at a phone's width (390 px), each with its
   * own entry (`name`, `name (390 px)`) and screenshot; serious and critical violations are
   * failures. A page already 390 px wide is checked once. The window goes back to its width.
   */
  async axe(page, name) {
    const size = page.viewportSize();
    const serious = await this.axeOnce(page, name);
    if (!size || size.width === MOBILE.width) return serious;
    await page.setViewportSize(MOBILE);
    try {
      return serious.concat(await this.axeOnce(page, `${name} (390 px)`));
    } finally {
      await page.setViewportSize(size);
    }
  }

  /** Runs axe-core once, at the page's present width. */
  async axeOnce(page, name) {
    // Evaluated through the DevTools protocol, so the page's CSP (no scripts at all) does not apply.
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { resultTypes: ['violations'] }),
    );
    const violations = result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
    // For a person to look at: STILE_SCREENSHOTS=dir keeps a picture of every checked page.
    if (process.env.STILE_SCREENSHOTS) {
      const file = `${process.env.STILE_SCREENSHOTS}/${String(this.pages.length).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`;
      await page.screenshot({ path: file, fullPage: true });
    }
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    this.pages.push({ name, path: new URL(page.url()).pathname, violations });
    for (const v of serious) this.fail(`${name} (${new URL(page.url()).pathname}): ${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`);
    return serious;
  }

    /** Proves axe is really looking: a page with an unlabelled field must be flagged. */
  async axeCanary(browser) {
    const page = await (await browser.newContext()).newPage();
    await page.setContent('<!DOCTYPE html><html lang="en"><head><title>canary</title></head><body><main><input type="text"></main></body></html>');
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(async () => axe.run(document, { resultTypes: ['violations'] })); // eslint-disable-line no-undef
    const flagged = result.violations.some((v) => v.id === 'label' && v.impact === 'critical');
    this.check(flagged, 'axe-core did not flag an unlabelled field: the accessibility checks are not working');
    await page.context().close();
  }

  /** Prints the report as one JSON line and exits: 0 when nothing failed. */
  finish(extra = {}) {
    const ok = this.failures.length === 0;
    process.stdout.write(JSON.stringify({ ok, ...extra, steps: this.steps, failures: this.failures, pages: this.pages }) + '\n');
    process.exit(ok ? 0 : 1);
  }
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for a base32 secret at Unix time `t`. */
export function totp(secretB32, t) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretB32.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error('bad base32 in the TOTP key');
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const n = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

/** Runs `body(report)` and always prints a report, turning a thrown error into a failure. */
export async function run(body) {
  const report = new Report();
  let browser;
  try {
    browser = await launch();
    await report.axeCanary(browser);
    await body(report, browser);
  } catch (e) {
    report.fail(`script error: ${e && e.stack ? e.stack : e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  report.finish();
}

/** Submits the form holding `button` and waits for the next page. */
export async function submit(page, buttonSelector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(buttonSelector)]);
}

/** The bodies of every part of every message in a file-transport mail directory, decoded. */
export function mailTexts(dir) {
  const out = [];
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const raw = readFileSync(`${dir}/${name}`, 'utf8');
    for (const chunk of raw.split(/\r?\n--[^\r\n]+\r?\n/)) {
      const split = chunk.search(/\r?\n\r?\n/);
      if (split < 0) continue;
      const head = chunk.slice(0, split).toLowerCase();
      let body = chunk.slice(split).trim();
      if (head.includes('base64')) {
        body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
      } else if (head.includes('quoted-printable')) {
        body = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      }
      out.push(body);
    }
  }
  return out;
}

/** Waits (up to 10 s) for an emailed link whose path starts with `path`. */
export async function waitForLink(dir, path) {
  const re = new RegExp(`https?://[^\\s"'<>]+${path.replace(/[/?]/g, '\\$&')}[^\\s"'<>]*`);
  for (let i = 0; i < 200; i++) {
    for (const text of mailTexts(dir)) {
      const m = text.match(re);
      if (m) return m[0].replace(/&amp;/g, '&');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no emailed link to ${path} in ${dir}`);
}
