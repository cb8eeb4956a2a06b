// Importing users by file upload in a real browser: a wrong file is refused on the page, a CSV
// file (CRLF line ends and quoted fields, as spreadsheets save it) is checked, and "Import"
// imports it without the file being chosen again (the browser sends the carried text back with
// its own line ends). The page in each state is checked with axe-core, at 390 px too.
//
// Input (STILE_BROWSER_INPUT): { base, admin: {email, password}, body_id, csv }.

import { input, run, submit } from './lib.mjs';

async function signIn(page, email, password) {
  await page.goto('/login?next=%2Fadmin');
  await page.fill('#email', email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await page.fill('#password', password);
  await submit(page, 'form[action="/login/password"] button[type=submit]');
}

await run(async (report, browser) => {
  const inp = input();
  const ctx = await browser.newContext({ baseURL: inp.base });
  const page = await ctx.newPage();
  await signIn(page, inp.admin.email, inp.admin.password);
  await page.goto(`/admin/bodies/${encodeURIComponent(inp.body_id)}/import`);
  await report.axe(page, 'admin: import by file');

  // A picture is not a CSV file: the summary links to the file input, which shows the message.
  await page.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
  await submit(page, 'button[value=check]');
  const problem = (await page.locator('.error-summary a[href="#file"]').textContent().catch(() => '')) || '';
  report.check(problem.includes('must be a CSV file'), `a wrong file is refused on the page: ${problem}`);
  report.check((await page.locator('#file[aria-invalid=true]').count()) === 1, 'the file input is marked');
  await report.axe(page, 'admin: import, wrong file');
  await page.setViewportSize({ width: 390, height: 800 });
  await report.axe(page, 'admin: import, wrong file at 390 px');
  await page.setViewportSize({ width: 1280, height: 720 });
  report.step('wrong file refused');

  await page.setInputFiles('#file', { name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(inp.csv, 'utf8') });
  await submit(page, 'button[value=check]');
  const summary = (await page.locator('#report-h').textContent().catch(() => '')) || '';
  if (!report.check(summary.includes('can be imported, 0 have problems'), `the file is checked: ${summary}`)) return;
  report.check((await page.locator('main').textContent()).includes('Checked the file users.csv.'), 'the page names the file');
  await report.axe(page, 'admin: import, checked');
  report.step('checked');

  await submit(page, 'button[value=import]');
  const notice = (await page.locator('.notice').textContent().catch(() => '')) || '';
  if (!report.check(notice.includes('The users have been imported.'), `imported, at ${page.url()}: ${notice}`)) return;
  report.step('imported');
});
