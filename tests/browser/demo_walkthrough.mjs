// The demo app's walk-through, as a first-time operator meets it: the demo start page begins the
// sign-in, the demo user signs in, and the callback page shows the checked ID token and the access
// token's claims; then userinfo, a refresh and sign-out, each page checked with axe-core.
//
// Input (STILE_BROWSER_INPUT): { base, email, password }.

import { input, run, submit } from './lib.mjs';

const path = (page) => new URL(page.url()).pathname;

await run(async (report, browser) => {
  const inp = input();
  const ctx = await browser.newContext({ baseURL: inp.base });
  const page = await ctx.newPage();

  await page.goto('/demo');
  await report.axe(page, 'demo: start');
  await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Sign in to the demo app")')]);
  if (!report.check(path(page) === '/login', `the demo sends the browser to sign in, at ${page.url()}`)) return;
  await page.fill('#email', inp.email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await page.fill('#password', inp.password);
  await submit(page, 'form[action="/login/password"] button[type=submit]');
  if (!report.check(path(page) === '/demo/callback', `back at the demo app, at ${page.url()}`)) return;
  const main = (await page.locator('main').textContent()) || '';
  report.check(!main.includes('The demo app stopped'), `the exchange worked: ${main.slice(0, 400)}`);
  report.check(main.includes('The ID token: who signed in') && main.includes(inp.email), 'the ID token claims are shown');
  report.check(main.includes('The access token: what APIs may let them do') && main.includes('"bodies"'), 'the access token claims, with bodies, are shown');
  report.step('tokens shown');
  await report.axe(page, 'demo: tokens');

  await submit(page, 'main form[action="/demo/userinfo"] button');
  const info = (await page.locator('main').textContent()) || '';
  report.check(info.includes('What the userinfo endpoint says') && info.includes(inp.email), 'userinfo answered');
  report.step('userinfo');
  await report.axe(page, 'demo: userinfo');

  await submit(page, 'main form[action="/demo/refresh"] button');
  const refreshed = (await page.locator('main').textContent()) || '';
  report.check(refreshed.includes('The refresh token was rotated'), `refreshed: ${refreshed.slice(0, 300)}`);
  report.step('refreshed');

  await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Sign out")')]);
  if (path(page) === '/end_session' || (await page.locator('form[action="/end_session/confirm"]').count()) > 0) {
    await report.axe(page, 'demo: sign out?');
    await submit(page, 'form[action="/end_session/confirm"] button[type=submit]');
  }
  report.check(path(page) === '/demo', `signed out and back at the demo app, at ${page.url()}`);
  const account = await ctx.newPage();
  await account.goto('/account');
  report.check(path(account) === '/login', `the session has ended, /account went to ${account.url()}`);
  report.step('signed out');
});
