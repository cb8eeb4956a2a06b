-- Passkeys and security keys (issue 15): WebAuthn credentials, and the state of ceremonies in
-- progress, kept here so that any instance can finish a ceremony another began.
create table webauthn_credentials (
    id             text primary key,
    user_id        text not null references users(id) on delete cascade,
    -- The credential id the authenticator chose, base64url: unique across every user.
    credential_id  text not null unique,
    name           text not null,
    -- The library's credential record (public key, counter, flags) as JSON.
    credential     text not null,
    -- The signature counter last seen; a later assertion must show a higher one (unless both 0).
    counter        bigint not null default 0,
    -- Whether the authenticator verified the person (PIN, biometrics) when it was registered.
    user_verified  bigint not null default 0,
    created_at     bigint not null,
    last_used_at   bigint
);
create index webauthn_credentials_user on webauthn_credentials (user_id);

-- One row per ceremony (registration, second factor, passwordless sign-in): the challenge's
-- state, bound to whoever began it, used once, and refused after it expires.
create table webauthn_ceremonies (
    id_hash     text primary key,
    kind        text not null,
    user_id     text references users(id) on delete cascade,
    -- The hash of the session or parked sign-in that began it; empty for a passwordless sign-in.
    bound_to    text not null,
    state       text not null,
    created_at  bigint not null,
    expires_at  bigint not null,
    used_at     bigint
);
create index webauthn_ceremonies_expires on webauthn_ceremonies (expires_at);

-- The phishing-resistant 2FA level (a passkey, or an upstream SSO trusted to assert one): a flag
-- beside each policy column, since SQLite cannot widen their check constraints. With the flag
-- set the column holds 'required'; the store reads the pair back as 'phishing_resistant'.
alter table bodies add column mfa_policy_phr bigint not null default 0;
alter table bodies add column mfa_floor_phr bigint not null default 0;
