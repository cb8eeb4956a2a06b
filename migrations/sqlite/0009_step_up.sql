-- Step-up (issue 11, item 11): when a second factor (TOTP or recovery code) was last entered in
-- the session, so dangerous admin actions can ask for one entered within the last few minutes.
alter table sessions add column second_factor_at bigint;

-- The 2FA floor (issue 11, item 10): the policy a superuser (or the operator at the command line)
-- last set. A body administrator may raise mfa_policy above it, never set it below. Existing
-- policies become floors, since who set them is not recorded.
alter table bodies add column mfa_floor text not null default 'optional'
    constraint bodies_mfa_floor_check check (mfa_floor in ('optional','required'));
update bodies set mfa_floor = mfa_policy;
