// The browser scenario: an organisation's administrator signs in, creates a role, adds a
// user with it and sees both in the audit log; every admin page on the way (and its error
// states) is checked with axe-core. Then a superuser checks the superuser-only pages.
//
// Input (STILE_BROWSER_INPUT): { base, admin: {email, password}, body_name,
// superuser: {email, password}, now, new_body_name, ban_pattern }. The administrator holds
// fms:report_inspect but not fms:category_edit; the superuser must enrol in 2FA (at the server's
// clock `now`). Every form that makes something is reloaded after it: nothing is posted again.

import { input, run, submit, totp } from './lib.mjs';

async function signIn(page, email, password) {
  await page.goto('/login?next=%2Fadmin');
  await page.fill('#email', email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await page.fill('#password', password);
  await submit(page, 'form[action="/login/password"] button[type=submit]');
}

const path = (page) => new URL(page.url()).pathname;

// After a successful form the browser is on a page it got by GET (POST-redirect-GET), so a
// reload asks for that page again and submits nothing; the Rust side counts what exists.
async function reloadCreatesNothing(report, page, what) {
  const before = page.url();
  let posted = false;
  const seen = (req) => { if (req.method() === 'POST') posted = true; };
  page.on('request', seen);
  await page.reload();
  page.off('request', seen);
  if (report.check(!posted && page.url() === before, `reloading after the ${what} form posts nothing (at ${before})`)) {
    report.step(`reload after ${what}`);
  }
}

await run(async (report, browser) => {
  const inp = input();
  const ctx = await browser.newContext({ baseURL: inp.base });
  const page = await ctx.newPage();

  await signIn(page, inp.admin.email, inp.admin.password);
  if (!report.check(path(page) === '/admin', `the admin overview after sign-in, at ${page.url()}`)) return;
  report.step('admin signed in');
  await report.axe(page, 'admin: overview');

  await Promise.all([page.waitForNavigation(), page.click('nav.admin-nav a:has-text("Organisations")')]);
  await report.axe(page, 'admin: organisations');
  await Promise.all([page.waitForNavigation(), page.click(`main a:has-text("${inp.body_name}")`)]);
  await report.axe(page, 'admin: organisation');
  const bodyUrl = page.url();

  // A role granting what the admin does not hold is refused, with the reason, on the form.
  await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Create a role")')]);
  await report.axe(page, 'admin: new role');
  await page.fill('#name', 'Category editors');
  await page.check('input[name=permissions][value="fms:category_edit"]');
  await submit(page, 'main form button[type=submit]');
  const refusal = (await page.locator('.error-summary').textContent()) || '';
  report.check(refusal.includes('do not hold it yourself'), `the refusal says why: ${refusal.trim()}`);
  await report.axe(page, 'admin: new role, refused');

  // The role.
  await page.fill('#name', 'Street inspectors');
  await page.fill('#description', 'Inspect highway reports');
  await page.uncheck('input[name=permissions][value="fms:category_edit"]');
  await page.check('input[name=permissions][value="fms:report_inspect"]');
  await submit(page, 'main form button[type=submit]');
  const notice = (await page.locator('.notice').textContent().catch(() => '')) || '';
  if (!report.check(notice.includes('The role has been created.'), `role created, at ${page.url()}: ${notice}`)) return;
  report.step('role created');
  await report.axe(page, 'admin: role');
  await reloadCreatesNothing(report, page, 'role');

  // A user with that role.
  await page.goto(bodyUrl);
  await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Add a user to")')]);
  await report.axe(page, 'admin: new user');
  await page.fill('#email', 'not an address');
  await submit(page, 'main form button[type=submit]');
  report.check((await page.locator('#email[aria-invalid=true]').count()) === 1, 'a bad address is marked on its field');
  await report.axe(page, 'admin: new user, field error');
  await page.fill('#email', inp.new_user_email);
  await page.fill('#name', 'Ines Inspector');
  await page.getByLabel(/Street inspectors/).check();
  await submit(page, 'main form button[type=submit]');
  const userPage = (await page.locator('main').textContent()) || '';
  if (!report.check(userPage.includes(inp.new_user_email) && userPage.includes('Street inspectors'), `user added with the role, at ${page.url()}`)) return;
  report.step('user added');
  await report.axe(page, 'admin: user');
  await reloadCreatesNothing(report, page, 'user');
  await Promise.all([page.waitForNavigation(), page.click(`main a:has-text("${inp.body_name}")`)]);
  await report.axe(page, 'admin: membership');

  // The audit log shows both.
  await Promise.all([page.waitForNavigation(), page.click('nav.admin-nav a:has-text("Audit log")')]);
  const log = (await page.locator('table.audit').textContent()) || '';
  report.check(log.includes('role.create') && log.includes('user.create'), 'the audit log shows role.create and user.create');
  if (log.includes('user.create')) report.step('audit entry seen');
  await report.axe(page, 'admin: audit log');
  // At 1280 px the audit log fits the window (it used to be ~2300 px wide); at 390 px too.
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.reload();
    const fit = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    if (report.check(fit.scroll <= fit.client, `the audit log fits ${width} px: ${JSON.stringify(fit)}`)) report.step(`audit fits ${width}`);
    if (width === 390) await report.axe(page, 'admin: audit log at 390 px');
  }
  await page.setViewportSize({ width: 1280, height: 720 });

  for (const [name, url] of [
    ['admin: users', '/admin/users'],
    ['admin: flagged users', '/admin/users?flagged=1'],
    ['admin: import', `${new URL(bodyUrl).pathname}/import`],
  ]) {
    await page.goto(url);
    await report.axe(page, name);
  }

  // A superuser's pages.
  const su = await (await browser.newContext({ baseURL: inp.base })).newPage();
  await signIn(su, inp.superuser.email, inp.superuser.password);
  if (!report.check(path(su) === '/login/2fa/enrol', `superuser enrolment, at ${su.url()}`)) return;
  const secret = (await su.locator('code.secret').textContent()).trim();
  report.check(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/.test(secret), `the key is grouped in fours: ${secret}`);
  // A key scanned before a reload keeps working: the reload shows the same key.
  await su.reload();
  const again = (await su.locator('code.secret').textContent()).trim();
  if (report.check(again === secret, `the same key after a reload: ${secret} then ${again}`)) report.step('2FA key survives a reload');
  await su.fill('#code', totp(secret, inp.now));
  await submit(su, 'form[action="/login/2fa/enrol"] button[type=submit]');
  await Promise.all([su.waitForNavigation(), su.click('main a:has-text("Continue")')]);
  report.check(path(su) === '/admin', `superuser at the admin overview, at ${su.url()}`);
  for (const [name, url] of [
    ['superuser: overview', '/admin'],
    ['superuser: new organisation', '/admin/bodies/new'],
    ['superuser: organisation', new URL(bodyUrl).pathname],
    ['superuser: relying apps', '/admin/clients'],
    ['superuser: new relying app', '/admin/clients/new'],
    ['superuser: bans', '/admin/bans'],
    ['superuser: new user', '/admin/users/new'],
    ['superuser: SSO connections', '/admin/connections'],
    ['superuser: new OIDC connection', '/admin/connections/new?kind=oidc'],
    ['superuser: new SAML connection', '/admin/connections/new?kind=saml'],
  ]) {
    await su.goto(url);
    await report.axe(su, name);
  }
  // A relying app: the secret is shown once, and the page is checked too.
  await su.goto('/admin/clients/new');
  await su.fill('#name', 'Browser test app');
  await su.fill('#redirect_uris', 'https://app.example/callback');
  await submit(su, 'main form button[type=submit]');
  report.check((await su.locator('.secret-once').count()) === 1, 'a new client secret is shown');
  report.check(!su.url().includes((await su.locator('.secret-once code').textContent()).trim()), 'the secret is not in the URL');
  await report.axe(su, 'superuser: relying app with its secret');
  await reloadCreatesNothing(report, su, 'relying app');
  report.check((await su.locator('.secret-once').count()) === 0, 'the secret is not shown again after a reload');
  // An SSO connection: a refused form (no metadata), then an OIDC one made and shown.
  await su.goto('/admin/connections/new?kind=saml');
  await su.fill('#name', 'Camden ADFS');
  await submit(su, 'main form button[type=submit]');
  report.check((await su.locator('.error-summary').count()) === 1, 'a SAML connection without metadata is refused');
  await report.axe(su, 'superuser: SSO connection form with an error');
  await su.goto('/admin/connections/new?kind=oidc');
  await su.fill('#name', 'Camden Entra');
  await su.selectOption('#body_id', { label: inp.body_name });
  await su.fill('#issuer', 'https://login.example.org/tenant/v2.0');
  await su.fill('#client_id', 'stile');
  await su.fill('#client_secret', 'browser-test-upstream-secret');
  await su.fill('#domains', 'camden-sso.example');
  await submit(su, 'main form button[type=submit]');
  report.check(new URL(su.url()).pathname.startsWith('/admin/connections/'), `the new connection's page, at ${su.url()}`);
  report.check(!(await su.content()).includes('browser-test-upstream-secret'), 'the client secret is not shown');
  await report.axe(su, 'superuser: SSO connection');
  await reloadCreatesNothing(report, su, 'SSO connection');
  await su.goto('/admin/users');
  await Promise.all([su.waitForNavigation(), su.click(`main a:has-text("${inp.new_user_email}")`)]);
  await report.axe(su, 'superuser: user');
  report.step('superuser pages checked');
  const userUrl = su.url();

  // A new organisation.
  await su.goto('/admin/bodies/new');
  await su.fill('#name', inp.new_body_name);
  await su.selectOption('#kind', 'council');
  await su.fill('#domains', 'islington-browser.example');
  await submit(su, 'form[action="/admin/bodies/new"] button[type=submit]');
  if (!report.check(/^\/admin\/bodies\/[^/]+$/.test(path(su)) && path(su) !== '/admin/bodies/new', `the new organisation's page, at ${su.url()}`)) return;
  await reloadCreatesNothing(report, su, 'organisation');

  // A membership: the new user added to that organisation.
  await su.goto(userUrl);
  await su.selectOption('#body_id', { label: inp.new_body_name });
  await submit(su, 'form[action$="/memberships"] button[type=submit]');
  report.check(/^\/admin\/(memberships|users)\//.test(path(su)) && su.url().includes('done=member-'), `the membership is made, at ${su.url()}`);
  await reloadCreatesNothing(report, su, 'membership');

  // A ban.
  await su.goto('/admin/bans');
  await su.fill('#pattern', inp.ban_pattern);
  await su.fill('#reason', 'browser test');
  await submit(su, 'form[action="/admin/bans"] button[type=submit]');
  report.check(su.url().includes('done=banned'), `the ban is in place, at ${su.url()}`);
  await reloadCreatesNothing(report, su, 'ban');

  // A SCIM token: its secret is shown once, on the page redirected to, never in its URL.
  await su.goto(bodyUrl);
  await su.fill('#scim-label', 'Browser Entra');
  await submit(su, 'form[action$="/scim/tokens"] button[type=submit]');
  if (!report.check((await su.locator('#scim-secret').count()) === 1, `the SCIM secret is shown, at ${su.url()}`)) return;
  report.check(!su.url().includes((await su.locator('#scim-secret').textContent()).trim()), 'the SCIM secret is not in the URL');
  await report.axe(su, 'superuser: organisation with its SCIM secret');
  await reloadCreatesNothing(report, su, 'SCIM token');
  report.check((await su.locator('#scim-secret').count()) === 0, 'the SCIM secret is not shown again after a reload');
});
