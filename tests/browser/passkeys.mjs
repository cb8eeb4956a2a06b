// Passkeys in a real browser (tests/it/browser.rs, passkeys_in_the_browser): Chromium's
// virtual authenticator (the DevTools WebAuthn domain) stands in for a platform authenticator
// with user verification. A person registers a passkey from the Security page, then signs in
// with it passwordless (through autofill, and with the button) and as the second factor after
// their password; every page met is checked with axe. With `phr_email`, a member of a body whose
// policy is phishing_resistant signs in with a password and is made to add a passkey first.
//
// Why the sign-in page's passkey form once "never became visible": with a discoverable
// credential on the virtual authenticator, the page's conditional (autofill) request is answered
// as soon as the page loads, so the browser was already signed in and on /account. The autofill
// sign-in is now a step of its own; the button is tested in a browser without autofill.
//
// Input (STILE_BROWSER_INPUT): { base, email, password, phr_email? }. `base` must be a
// localhost origin (an IP address cannot be a WebAuthn relying party).

import { input, run, submit } from './lib.mjs';

async function withAuthenticator(ctx, page) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function signInWithPassword(page, email, password) {
  await page.goto('/login');
  await page.fill('#email', email);
  await submit(page, 'form[action="/login"] button[type=submit]');
  await page.fill('#password', password);
  await submit(page, 'form[action="/login/password"] button[type=submit]');
}

await run(async (report, browser) => {
  const inp = input();
  const ctx = await browser.newContext({ baseURL: inp.base });
  const page = await ctx.newPage();
  const { cdp, authenticatorId } = await withAuthenticator(ctx, page);

  // Register from the Security page.
  await signInWithPassword(page, inp.email, inp.password);
  if (!report.check(new URL(page.url()).pathname === '/account', `signed in expected, at ${page.url()}`)) return;
  await page.goto('/account/security');
  await report.axe(page, 'security: no passkeys');
  await submit(page, 'a[href="/account/security/passkeys/new"]');
  await page.waitForSelector('form[data-passkey="create"]:not([hidden])');
  await report.axe(page, 'passkeys: add');
  await page.fill('#passkey-name', 'Test laptop');
  await submit(page, 'form[data-passkey="create"] button[type=submit]');
  report.check(new URL(page.url()).pathname === '/account/security', `back on the Security page expected, at ${page.url()}`);
  report.check((await page.locator('tbody td:first-child', { hasText: 'Test laptop' }).count()) === 1, 'the new passkey is listed by name');
  await report.axe(page, 'security: one passkey');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  report.check(credentials.length === 1 && credentials[0].isResidentCredential, 'one discoverable credential on the authenticator');
  report.step('passkey registered');

  // Passwordless through the browser's autofill (conditional mediation): the sign-in page asks
  // for a passkey as it loads, and Chromium's virtual authenticator answers at once, as a
  // person picking their passkey from the email field's suggestions would.
  await ctx.clearCookies();
  await Promise.all([page.waitForURL((u) => u.pathname === '/account', { timeout: 20000 }).catch(() => {}), page.goto('/login')]);
  if (!report.check(new URL(page.url()).pathname === '/account', `passwordless sign-in through autofill expected, at ${page.url()}`)) return;
  report.step('signed in passwordless through autofill');

  // Passwordless with the button, in a browser that offers no autofill for passkeys.
  await ctx.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await ctx.clearCookies();
  await page.goto('/login');
  await page.waitForSelector('form[data-passkey="get"]:not([hidden])');
  await report.axe(page, 'sign-in: email, with passkey');
  await submit(page, 'form[action="/login/passkey"] button[type=submit]');
  if (!report.check(new URL(page.url()).pathname === '/account', `passwordless sign-in expected, at ${page.url()}`)) return;
  report.step('signed in passwordless');

  // Second factor: the password, then the passkey offered first.
  await ctx.clearCookies();
  await signInWithPassword(page, inp.email, inp.password);
  if (!report.check(new URL(page.url()).pathname === '/login/2fa', `second factor expected, at ${page.url()}`)) return;
  await page.waitForSelector('form[data-passkey="get"]:not([hidden])');
  await report.axe(page, '2FA: passkey');
  await submit(page, 'form[action="/login/2fa/passkey"] button[type=submit]');
  report.check(new URL(page.url()).pathname === '/account', `signed in after the passkey expected, at ${page.url()}`);
  report.step('signed in with a passkey as second factor');

  if (inp.phr_email) {
    // A phishing-resistant body: a password sign-in must add a passkey before it finishes.
    const ctx2 = await browser.newContext({ baseURL: inp.base });
    const p = await ctx2.newPage();
    await withAuthenticator(ctx2, p);
    await signInWithPassword(p, inp.phr_email, inp.password);
    if (!report.check(new URL(p.url()).pathname === '/account/security/passkeys/new', `passkey enrolment expected, at ${p.url()}`)) return;
    await p.waitForSelector('form[data-passkey="create"]:not([hidden])');
    await report.axe(p, 'passkeys: forced enrolment');
    await p.fill('#passkey-name', 'Work phone');
    await submit(p, 'form[data-passkey="create"] button[type=submit]');
    report.check(new URL(p.url()).pathname === '/account', `signed in after enrolment expected, at ${p.url()}`);
    report.step('phishing-resistant enrolment');
  }
});
