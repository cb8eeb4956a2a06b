// Issue 14 in a real browser: an administrator adds a user with a welcome email; the person
// opens the emailed link (from the mail directory), continues and is signed in; the
// administrator sees the invitation accepted and the person's session on the user's page, and
// ends it; the person's browser is then signed out. Each page is checked with axe-core at a
// desktop width and at 390 px.
//
// Input (STILE_BROWSER_INPUT): { base, admin: {email, password}, body_id, new_user_email, mail_dir }.

import { MOBILE, input, run, submit, waitForLink } from './lib.mjs';

const path = (page) => new URL(page.url()).pathname;

/** axe at the desktop width and at 390 px (`report.axe` does both), and nothing scrolls
 * sideways at 390 px; the page is left at the desktop width. */
async function axeBoth(report, page, name) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await report.axe(page, name);
  await page.setViewportSize(MOBILE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  report.check(!overflow, `${name} scrolls sideways at 390 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

const notice = async (page) => ((await page.locator('.notice').textContent().catch(() => '')) || '').trim();

await run(async (report, browser) => {
  const inp = input();
  const adminCtx = await browser.newContext({ baseURL: inp.base });
  const admin = await adminCtx.newPage();
  await admin.goto('/login?next=%2Fadmin');
  await admin.fill('#email', inp.admin.email);
  await submit(admin, 'form[action="/login"] button[type=submit]');
  await admin.fill('#password', inp.admin.password);
  await submit(admin, 'form[action="/login/password"] button[type=submit]');
  if (!report.check(path(admin) === '/admin', `the admin overview after sign-in, at ${admin.url()}`)) return;

  // Add a user, choosing the welcome email.
  await admin.goto(`/admin/users/new?body=${encodeURIComponent(inp.body_id)}`);
  await axeBoth(report, admin, 'admin: new user with welcome choice');
  await admin.fill('#email', inp.new_user_email);
  await admin.fill('#name', 'Wren Welcome');
  await admin.check('#send_welcome');
  await submit(admin, 'main form[action="/admin/users/new"] button[type=submit]');
  const created = await notice(admin);
  if (!report.check(created.includes('welcome email'), `the user page says the welcome was sent: ${created}`)) return;
  const userUrl = admin.url().split('?')[0];
  report.check((await admin.locator('#invitations-h').count()) === 1, 'the user page lists the invitation');
  const state = (await admin.locator('section[aria-labelledby=invitations-h] tbody tr').first().textContent()) || '';
  report.check(state.includes('Sent'), `the invitation shows as sent: ${state}`);
  report.step('user added with welcome');
  await axeBoth(report, admin, 'admin: user with invitation sent');

  // The person opens the emailed link in their own browser and continues.
  const link = await waitForLink(inp.mail_dir, '/invitations/welcome');
  const personCtx = await browser.newContext({
    baseURL: inp.base,
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  });
  const person = await personCtx.newPage();
  await person.goto(link);
  await axeBoth(report, person, 'welcome');
  await submit(person, 'main form[action="/invitations/welcome"] button[type=submit]');
  if (!report.check(path(person) === '/account', `signed in on the account page, at ${person.url()}`)) return;
  report.step('welcome accepted');
  await report.axe(person, 'account after welcome');

  // The administrator sees it accepted, and the person's session, and ends it.
  await admin.goto(userUrl);
  const accepted = (await admin.locator('section[aria-labelledby=invitations-h] tbody tr').first().textContent()) || '';
  report.check(accepted.includes('Accepted'), `the invitation shows as accepted: ${accepted}`);
  const sessions = admin.locator('section[aria-labelledby=sessions-h] tbody tr');
  const row = (await sessions.first().textContent().catch(() => '')) || '';
  if (!report.check((await sessions.count()) === 1 && row.includes('Safari on iPhone'), `one session, on an iPhone: ${row}`)) return;
  await axeBoth(report, admin, 'admin: user with session');
  await submit(admin, 'section[aria-labelledby=sessions-h] button[type=submit]');
  const ended = await notice(admin);
  report.check(ended.includes('The session has been ended'), `the page says the session ended: ${ended}`);
  report.check((await admin.locator('section[aria-labelledby=sessions-h] tbody tr').count()) === 0, 'no session left');
  report.step('session ended');
  await axeBoth(report, admin, 'admin: user after ending a session');

  // The person's browser is signed out.
  await person.goto('/account');
  if (report.check(path(person) === '/login', `the person is sent to sign in, at ${person.url()}`)) report.step('person signed out');
});
