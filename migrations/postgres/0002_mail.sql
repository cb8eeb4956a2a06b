-- Outgoing mail, written in the same request that decides to send it and delivered by a
-- background worker with retries, so a slow or failing SMTP server never holds up a page.
-- Bodies may carry a one-time link, so they are blanked once the message is sent or given up on,
-- and a message whose link has expired (expires_at) is never sent late.
create table mail_outbox (
    id               text primary key,
    to_addr          text not null,
    subject          text not null,
    text_body        text not null,
    html_body        text not null,
    attempts         bigint not null default 0,
    next_attempt_at  bigint not null,          -- also the worker's lease while it is sending
    sent_at          bigint,
    failed_at        bigint,                   -- given up on (too many attempts or expired)
    last_error       text,                     -- the SMTP error, never credentials
    expires_at       bigint,                   -- do not send after this (e.g. the link inside expires)
    created_at       bigint not null
);
create index mail_outbox_due_idx on mail_outbox (next_attempt_at) where sent_at is null and failed_at is null;

-- Wrong guesses of the short code that goes with an emailed sign-in link; at the limit the link
-- and code are revoked together.
alter table one_time_tokens add column attempts bigint not null default 0;
