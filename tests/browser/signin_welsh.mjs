// Issue 18 in a real browser: signing in, an emailed link and 2FA enrolment in Welsh, reached
// both ways a person gets there: the "Cymraeg" link (its cookie), and a relying app that asks for
// `ui_locales=cy` while the browser itself asks for English. Every page must say lang="cy",
// show no string of the English catalogue, and be clean under axe-core.
//
// Input (STILE_BROWSER_INPUT): { base, email, email2, password, now, mail_dir, authorize, english },
// where both users have a password and must enrol in 2FA (the first through the emailed link,
// the second through the relying app), `authorize` is an authorization URL with
// ui_locales=cy whose redirect_uri is a page of this Stile, and `english` lists the English
// catalogue's texts that differ from their Welsh ones.

import { input, run, submit, totp, waitForLink } from './lib.mjs';

await run(async (report, browser) => {
  const inp = input();

  /** lang="cy", no English catalogue text, axe clean. */
  async function welsh(page, name) {
    const lang = await page.getAttribute('html', 'lang');
    report.check(lang === 'cy', `${name}: lang is ${lang}, not cy (${page.url()})`);
    const text = await page.evaluate(() => document.body.innerText);
    for (const s of inp.english) {
      if (text.includes(s)) report.fail(`${name}: English text ${JSON.stringify(s)} on a Welsh page (${page.url()})`);
    }
    await report.axe(page, name);
  }

  /** Forced 2FA enrolment on `p` (at /login/2fa/enrol): a wrong code, then the right one; the
   * number of recovery codes shown. */
  async function enrol(p, name) {
    await welsh(p, `${name}: enrol`);
    await p.fill('#code', '123456');
    await submit(p, 'form[action="/login/2fa/enrol"] button[type=submit]');
    await welsh(p, `${name}: enrol, wrong code`);
    const secret = (await p.locator('code.secret').textContent()).trim();
    await p.fill('#code', totp(secret, inp.now));
    await submit(p, 'form[action="/login/2fa/enrol"] button[type=submit]');
    const codes = await p.locator('ul.codes code').count();
    if (codes > 0) await welsh(p, `${name}: recovery codes`);
    return codes;
  }

  // 1. The language link: an English browser chooses Cymraeg on the sign-in page.
  const ctx = await browser.newContext({ baseURL: inp.base, locale: 'en-GB' });
  const page = await ctx.newPage();
  await page.goto('/login');
  report.check((await page.getAttribute('html', 'lang')) === 'en-GB', 'an English browser gets English first');
  await Promise.all([page.waitForNavigation(), page.click('header a[hreflang="cy"]')]);
  report.check(new URL(page.url()).pathname === '/login', `the link returns to the same page, at ${page.url()}`);
  await welsh(page, 'cy sign-in: email');
  await submit(page, 'form[action="/login"] button[type=submit]');
  report.check((await page.locator('.error-summary').count()) === 1, 'an empty email is refused with an error summary');
  await welsh(page, 'cy sign-in: email, with error');
  await page.fill('#email', inp.email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await welsh(page, 'cy sign-in: password');
  await page.fill('#password', 'not the password');
  await submit(page, 'form[action="/login/password"] button[type=submit]');
  report.check((await page.locator('.error-summary').count()) === 1, 'a wrong password shows an error summary');
  await welsh(page, 'cy sign-in: password, with error');

  // The emailed link and code, in Welsh (the email too: the link's page says so).
  await submit(page, 'form[action="/login/email"] button[type=submit]');
  await welsh(page, 'cy sign-in: check your email');
  await page.fill('#code', '000000');
  await submit(page, 'form[action="/login/email/code"] button[type=submit]');
  await welsh(page, 'cy sign-in: check your email, wrong code');
  const link = await waitForLink(inp.mail_dir, '/login/email/confirm?');
  const linkPage = await ctx.newPage();
  await linkPage.goto(link);
  await welsh(linkPage, 'cy sign-in: emailed link');
  report.step('emailed link opened in Welsh');
  // Confirmed: the sign-in goes on to the second factor this superuser must enrol, in Welsh.
  await submit(linkPage, 'form[action="/login/email/confirm"] button[type=submit]');
  if (!report.check(new URL(linkPage.url()).pathname === '/login/2fa/enrol', `enrolment after the link expected, at ${linkPage.url()}`)) return;
  await welsh(linkPage, 'cy sign-in: emailed link confirmed');
  if (!report.check((await enrol(linkPage, 'cy link 2FA')) > 0, 'recovery codes are shown after enrolment (link)')) return;
  report.step('emailed link confirmed and enrolled in Welsh');

  // 2. A relying app asks for Welsh; the browser asks for English. Forced 2FA enrolment.
  const ctx2 = await browser.newContext({ baseURL: inp.base, locale: 'en-GB' });
  const p = await ctx2.newPage();
  await p.goto(inp.authorize);
  report.check(new URL(p.url()).pathname === '/login', `sign-in expected, at ${p.url()}`);
  await welsh(p, 'cy (ui_locales) sign-in: email');
  await p.fill('#email', inp.email2);
  await submit(p, 'form[action="/login"] button[type=submit]');
  await p.fill('#password', inp.password);
  await submit(p, 'form[action="/login/password"] button[type=submit]');
  if (!report.check(new URL(p.url()).pathname === '/login/2fa/enrol', `forced enrolment expected, at ${p.url()}`)) return;
  const codes = await enrol(p, 'cy 2FA');
  if (!report.check(codes > 0, 'recovery codes are shown after enrolment')) return;
  await Promise.all([p.waitForNavigation(), p.click('main a:has-text("Parhau")')]);
  report.check(new URL(p.url()).pathname === '/account', `back at the app's page expected, at ${p.url()}`);
  await welsh(p, 'cy account');
  await p.goto('/account/security');
  await welsh(p, 'cy account: security');
  const left = await p.locator('main p').first().textContent();
  report.check(left.includes(`${codes} cod adfer heb eu defnyddio`), `the recovery codes left, in Welsh: ${left}`);
  report.step('enrolled in Welsh');
});
