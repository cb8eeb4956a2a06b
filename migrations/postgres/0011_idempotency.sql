-- Admin API POSTs sent with an Idempotency-Key: the answer to the first request, replayed to
-- its retries for a day. Shared by every instance on the database. `fingerprint` is the SHA-256
-- of the caller, method, path and key; `request_hash` that of the body. `status` is 0 while the
-- first request runs; `target_type`/`target_id` are written in the same transaction as the
-- change itself, so a retry knows the change happened even when its answer was lost.
create table idempotency_keys (
    fingerprint text primary key,
    request_hash text not null,
    status bigint not null default 0,
    content_type text,
    body text,
    target_type text,
    target_id text,
    created_at bigint not null,
    expires_at bigint not null
);

create index idempotency_keys_expires_idx on idempotency_keys (expires_at);
