// Sign-in and account pages, each checked with axe-core in the states a person meets them:
// email step, password step (and its error), sign-in by emailed link and code, forced 2FA
// enrolment, recovery codes, the 2FA step (and its error), account, sessions and security.
//
// Input (STILE_BROWSER_INPUT): { base, email, password, now, mail_dir }, where the user has a
// password and must enrol in 2FA, `now` is the server's (manual) clock and `mail_dir` is where
// the file mail transport writes messages.

import { input, run, submit, totp, waitForLink } from './lib.mjs';

await run(async (report, browser) => {
  const inp = input();
  const ctx = await browser.newContext({ baseURL: inp.base });
  const page = await ctx.newPage();

  await page.goto('/login');
  await report.axe(page, 'sign-in: email');
  await submit(page, 'form[action="/login"] button[type=submit]');
  report.check((await page.locator('.error-summary').count()) === 1, 'an empty email is refused with an error summary');
  await report.axe(page, 'sign-in: email, with error');

  await page.fill('#email', inp.email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  report.check(page.url().includes('/login'), `password step expected, at ${page.url()}`);
  await report.axe(page, 'sign-in: password');
  await page.fill('#password', 'not the password');
  await submit(page, 'form[action="/login/password"] button[type=submit]');
  report.check((await page.locator('.error-summary').count()) === 1, 'a wrong password shows an error summary');
  await report.axe(page, 'sign-in: password, with error');

  // Sign-in by email: the "check your email" page, a wrong code, then the emailed link.
  await submit(page, 'form[action="/login/email"] button[type=submit]');
  await report.axe(page, 'sign-in: check your email');
  await page.fill('#code', '000000');
  await submit(page, 'form[action="/login/email/code"] button[type=submit]');
  await report.axe(page, 'sign-in: check your email, wrong code');
  const link = await waitForLink(inp.mail_dir, '/login/email/confirm?');
  const linkPage = await (await browser.newContext()).newPage();
  await linkPage.goto(link);
  await report.axe(linkPage, 'sign-in: emailed link');
  report.step('emailed link opened');

  // Password sign-in of a user who must enrol in 2FA.
  const ctx2 = await browser.newContext({ baseURL: inp.base });
  const p = await ctx2.newPage();
  await p.goto('/login');
  await p.fill('#email', inp.email);
  await submit(p, 'form[action="/login"] button[type=submit]');
  await p.fill('#password', inp.password);
  await submit(p, 'form[action="/login/password"] button[type=submit]');
  if (!report.check(new URL(p.url()).pathname === '/login/2fa/enrol', `forced enrolment expected, at ${p.url()}`)) return;
  await report.axe(p, '2FA: enrol');
  await p.fill('#code', '123456');
  await submit(p, 'form[action="/login/2fa/enrol"] button[type=submit]');
  await report.axe(p, '2FA: enrol, wrong code');
  const secret = (await p.locator('code.secret').textContent()).trim();
  await p.fill('#code', totp(secret, inp.now));
  await submit(p, 'form[action="/login/2fa/enrol"] button[type=submit]');
  const codes = (await p.locator('ul.codes code').allTextContents()).map((c) => c.trim());
  if (!report.check(codes.length > 0, 'recovery codes are shown after enrolment')) return;
  await report.axe(p, '2FA: recovery codes');
  await Promise.all([p.waitForNavigation(), p.click('main a:has-text("Continue")')]);
  report.check(new URL(p.url()).pathname === '/account', `account expected after enrolment, at ${p.url()}`);
  await report.axe(p, 'account (details, sessions, apps)');
  await p.goto('/account/security');
  await report.axe(p, 'account: security');
  report.step('enrolled');

  // Signed out, back in through the 2FA step: a wrong code, then a recovery code.
  await p.goto('/account');
  await submit(p, 'form[action="/logout"] button');
  await p.goto('/login');
  await p.fill('#email', inp.email);
  await submit(p, 'form[action="/login"] button[type=submit]');
  await p.fill('#password', inp.password);
  await submit(p, 'form[action="/login/password"] button[type=submit]');
  if (!report.check(new URL(p.url()).pathname === '/login/2fa', `2FA step expected, at ${p.url()}`)) return;
  await report.axe(p, '2FA: code');
  await p.fill('#code', '000000');
  await submit(p, 'form[action="/login/2fa"] button[type=submit]');
  await report.axe(p, '2FA: code, with error');
  await p.fill('#code', codes[0]);
  await submit(p, 'form[action="/login/2fa"] button[type=submit]');
  report.check(new URL(p.url()).pathname === '/account', `account expected after the recovery code, at ${p.url()}`);
  report.step('signed in with a recovery code');
});
