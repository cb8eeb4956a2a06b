// Passkeys: a form with data-passkey="create" or "get" asks the browser's WebAuthn API, with the
// options in its data-options, and sends the answer in its "credential" field. The forms are
// hidden until this script shows them (nothing else on a page needs it). A form with
// data-conditional also offers its passkeys in the browser's autofill, where supported.
(() => {
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  const bytes = (s) => {
    const b = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b + '='.repeat((4 - (b.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  };
  const text = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const creation = (o) => {
    const c = { ...o, challenge: bytes(o.challenge), user: { ...o.user, id: bytes(o.user.id) } };
    c.excludeCredentials = (o.excludeCredentials || []).map((x) => ({ ...x, id: bytes(x.id) }));
    return c;
  };
  const request = (o) => {
    const r = { ...o, challenge: bytes(o.challenge) };
    r.allowCredentials = (o.allowCredentials || []).map((x) => ({ ...x, id: bytes(x.id) }));
    return r;
  };
  const answer = (cred) => {
    const r = cred.response;
    const out = { id: cred.id, rawId: text(cred.rawId), type: cred.type, extensions: {}, response: { clientDataJSON: text(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = text(r.attestationObject);
    } else {
      out.response.authenticatorData = text(r.authenticatorData);
      out.response.signature = text(r.signature);
      if (r.userHandle) out.response.userHandle = text(r.userHandle);
    }
    return JSON.stringify(out);
  };
  document.querySelectorAll('form[data-passkey]').forEach((form) => {
    const options = JSON.parse(form.dataset.options);
    const field = form.querySelector('input[name="credential"]');
    const problem = form.querySelector('[data-passkey-problem]');
    let pending = null;
    const send = (cred) => {
      field.value = answer(cred);
      form.submit();
    };
    const fail = () => {
      if (problem) {
        problem.hidden = false;
      }
    };
    form.hidden = false;
    form.addEventListener('submit', (ev) => {
      if (field.value) return;
      ev.preventDefault();
      if (pending) pending.abort();
      pending = new AbortController();
      const asked = form.dataset.passkey === 'create'
        ? navigator.credentials.create({ publicKey: creation(options), signal: pending.signal })
        : navigator.credentials.get({ publicKey: request(options), signal: pending.signal });
      asked.then(send, fail);
    });
    if (form.dataset.conditional !== undefined && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then((yes) => {
        if (!yes || pending) return;
        pending = new AbortController();
        navigator.credentials.get({ publicKey: request(options), mediation: 'conditional', signal: pending.signal }).then(send, () => {});
      });
    }
  });
})();
