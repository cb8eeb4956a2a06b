// Issue 17 in a real browser: a superuser registers two private_key_jwt relying apps in the
// admin UI, one with a pasted JWK set and one with a JWK set URL, both requiring PAR and DPoP.
// A pasted set holding a private key ("d") or a shared-secret (oct) key is refused with a message
// on the field. Every page on the way (the error states included) is checked with axe-core.
//
// Input (STILE_BROWSER_INPUT): { base, superuser: {email, password}, now, public_jwks,
// private_jwks, oct_jwks, jwks_uri }. The superuser enrols in 2FA at the server's clock `now`.

import { input, run, submit, totp } from './lib.mjs';

const path = (page) => new URL(page.url()).pathname;

await run(async (report, browser) => {
  const inp = input();
  const page = await (await browser.newContext({ baseURL: inp.base })).newPage();

  await page.goto('/login?next=%2Fadmin');
  await page.fill('#email', inp.superuser.email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await page.fill('#password', inp.superuser.password);
  await submit(page, 'form[action="/login/password"] button[type=submit]');
  if (!report.check(path(page) === '/login/2fa/enrol', `superuser enrolment, at ${page.url()}`)) return;
  const secret = (await page.locator('code.secret').textContent()).trim();
  await page.fill('#code', totp(secret, inp.now));
  await submit(page, 'form[action="/login/2fa/enrol"] button[type=submit]');
  await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Continue")')]);
  if (!report.check(path(page) === '/admin', `superuser at the admin overview, at ${page.url()}`)) return;
  report.step('superuser signed in');

  // Fills the registration form for a private_key_jwt app requiring PAR and DPoP.
  const fill = async (name, jwks, jwksUri) => {
    await page.goto('/admin/clients/new');
    await page.fill('#name', name);
    await page.fill('#redirect_uris', 'https://streetworks.example.org/callback');
    await page.selectOption('#token_endpoint_auth_method', 'private_key_jwt');
    await page.fill('#jwks', jwks);
    await page.fill('#jwks_uri', jwksUri);
    await page.check('#require_pushed_authorization_requests');
    await page.check('#dpop_bound_access_tokens');
  };

  // Refused: a private key, then a shared-secret key; the message is on the field.
  for (const [what, jwks, words] of [
    ['private key', inp.private_jwks, 'private key'],
    ['oct key', inp.oct_jwks, 'shared-secret'],
  ]) {
    await fill(`Refused ${what}`, jwks, '');
    await submit(page, 'main form button[type=submit]');
    const summary = ((await page.locator('.error-summary').textContent().catch(() => '')) || '').trim();
    const onField = ((await page.locator('#jwks-error').textContent().catch(() => '')) || '').trim();
    report.check(summary.includes(words), `the ${what} is refused, saying so: ${summary}`);
    report.check(onField.includes(words), `the ${what}'s message is on the JWK set field: ${onField}`);
    report.check((await page.locator('#jwks[aria-invalid=true]').count()) === 1, `the JWK set field is marked invalid (${what})`);
    report.check((await page.locator('.error-summary a[href="#jwks"]').count()) === 1, `the summary links to the field (${what})`);
    report.check(path(page) === '/admin/clients/new', `still on the form after the ${what}, at ${page.url()}`);
    await report.axe(page, `superuser: relying app refused (${what})`);
    report.step(`refused ${what}`);
  }

  // Registered: a pasted public JWK set; then a JWK set URL.
  for (const [what, jwks, jwksUri] of [
    ['pasted JWK set', inp.public_jwks, ''],
    ['JWK set URL', '', inp.jwks_uri],
  ]) {
    await fill(`Keys app (${what})`, jwks, jwksUri);
    await report.axe(page, `superuser: new relying app with keys (${what})`);
    await submit(page, 'main form button[type=submit]');
    const notice = ((await page.locator('.notice').textContent().catch(() => '')) || '').trim();
    if (!report.check(notice.includes('The relying app has been registered.'), `registered with a ${what}, at ${page.url()}: ${notice}`)) continue;
    report.check((await page.locator('.secret-once').count()) === 0, `no secret is shown for a ${what} app`);
    report.check(await page.isChecked('#require_pushed_authorization_requests'), `PAR is required (${what})`);
    report.check(await page.isChecked('#dpop_bound_access_tokens'), `DPoP is required (${what})`);
    report.check((await page.locator('#token_endpoint_auth_method').inputValue()) === 'private_key_jwt', `private_key_jwt is kept (${what})`);
    await report.axe(page, `superuser: relying app with keys (${what})`);
    report.step(`registered with a ${what}`);
  }
});
