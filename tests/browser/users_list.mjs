// The users list in a real browser: an organisation's administrator filters the list (name,
// organisation, status, two-factor), pages through it, selects users and disables them with one
// confirmation; the list, the filtered list and the confirmation are checked with axe-core at
// desktop width and at 390 px, and nothing scrolls sideways at 390 px but the table itself.
//
// Input (STILE_BROWSER_INPUT): { base, admin: {email, password}, body_id, to_disable: [email] }.
// The organisation has more members than one page holds; the addresses containing "target" are
// the two active `to_disable` users and one already disabled.

import { input, run, submit } from './lib.mjs';

const path = (page) => new URL(page.url()).pathname;

async function signIn(page, email, password) {
  await page.goto('/login?next=%2Fadmin%2Fusers');
  await page.fill('#email', email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await page.fill('#password', password);
  await submit(page, 'form[action="/login/password"] button[type=submit]');
}

const rowEmails = async (page) => page.locator('main table tbody tr td:nth-child(2) a').allTextContents();

// The page itself does not scroll sideways (a wide table may scroll in its own box).
const pageFits = async (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

await run(async (report, browser) => {
  const inp = input();
  const ctx = await browser.newContext({ baseURL: inp.base });
  const page = await ctx.newPage();

  await signIn(page, inp.admin.email, inp.admin.password);
  if (!report.check(path(page) === '/admin/users', `the users list after sign-in, at ${page.url()}`)) return;
  report.step('admin signed in');
  await report.axe(page, 'admin: users');

  // More members than a page holds: a next page, and a first-page link there.
  const first = await rowEmails(page);
  report.check(first.length === 50, `a page holds 50 users, got ${first.length}`);
  await Promise.all([page.waitForNavigation(), page.click('nav[aria-label="Pages of results"] a:has-text("Next page")')]);
  const second = await rowEmails(page);
  report.check(second.length > 0 && second.every((e) => !first.includes(e)), `the next page has other users: ${second.join(' ')}`);
  report.check((await page.locator('a:has-text("First page")').count()) === 1, 'the next page links back to the first');
  report.step('paged');

  // Filters: the name, then the organisation, status and two-factor selects.
  await page.goto('/admin/users');
  await page.fill('#q', 'target');
  await page.selectOption('#body_id', inp.body_id);
  await page.selectOption('#status', 'active');
  await page.selectOption('#two_factor', 'off');
  await submit(page, 'form.filters button[type=submit]');
  const filtered = (await rowEmails(page)).sort();
  const wanted = [...inp.to_disable].sort();
  if (!report.check(JSON.stringify(filtered) === JSON.stringify(wanted), `the filter finds exactly ${wanted.join(', ')}: got ${filtered.join(', ')}`)) return;
  report.check((await page.locator('#status').inputValue()) === 'active', 'the filter keeps its values');
  const csv = await page.locator('a:has-text("Download these users")').getAttribute('href');
  report.check(csv.includes('q=target') && csv.includes('status=active'), `the CSV link carries the filter: ${csv}`);
  report.step('filtered');
  await report.axe(page, 'admin: users, filtered');
  // Two-factor on: nobody here has it.
  await page.selectOption('#two_factor', 'on');
  await submit(page, 'form.filters button[type=submit]');
  report.check((await page.locator('main').textContent()).includes('No users found.'), 'the two-factor filter narrows the list');
  await page.selectOption('#two_factor', 'off');
  await submit(page, 'form.filters button[type=submit]');

  // At 390 px: the filtered list and its bulk form.
  await page.setViewportSize({ width: 390, height: 800 });
  report.check(await pageFits(page), 'the users list fits a 390 px window');
  await report.axe(page, 'admin: users at 390 px');
  await page.setViewportSize({ width: 1280, height: 720 });

  // A bulk action: select both, disable, one confirmation.
  for (const box of await page.locator('main table tbody input[type=checkbox]').all()) await box.check();
  await page.selectOption('#action', 'disable');
  await submit(page, 'form[action="/admin/users/bulk"] button[type=submit]');
  const heading = (await page.locator('h1').textContent()) || '';
  if (!report.check(heading.includes('2 users?'), `a confirmation for 2 users: ${heading}`)) return;
  const listed = (await page.locator('main ul').last().textContent()) || '';
  report.check(wanted.every((e) => listed.includes(e)), `the confirmation lists who: ${listed}`);
  await report.axe(page, 'admin: users, confirm bulk action');
  await page.setViewportSize({ width: 390, height: 800 });
  report.check(await pageFits(page), 'the confirmation fits a 390 px window');
  await report.axe(page, 'admin: users, confirm at 390 px');
  await page.setViewportSize({ width: 1280, height: 720 });
  await submit(page, 'main form button[type=submit]:not(.secondary)');
  const notice = (await page.locator('.notice').textContent().catch(() => '')) || '';
  if (!report.check(notice.includes('Done for every selected user.'), `the bulk action is done, at ${page.url()}: ${notice}`)) return;
  report.step('bulk disabled');
  await report.axe(page, 'admin: users, after bulk action');

  // The disabled users now appear under "Disabled" and not under "Active".
  await page.goto('/admin/users?q=target&status=disabled');
  const disabled = await rowEmails(page);
  report.check(disabled.length === 3 && wanted.every((e) => disabled.includes(e)), `both are disabled: ${disabled.join(', ')}`);
  await page.goto('/admin/users?q=target&status=active');
  report.check((await page.locator('main').textContent()).includes('No users found.'), 'and no longer active');
  report.step('status filter shows them disabled');
});
