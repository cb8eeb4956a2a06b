#!/usr/bin/env python3
"""Runs scim2-tester (pinned in tests/requirements.txt), an independent SCIM 2.0 conformance
checker, against a live Stile: every check it makes must pass, except those listed in EXCLUDED,
each with the reason.

    python3 tests/scim_conformance.py BASE_URL DOMAIN      (the SCIM token in $SCIM_TOKEN)

Prints one line per check and a closing 'N passed, N failed' line; exits 1 on any failure.

One adaptation, not an exclusion: the tester fills userName with a random string, and Stile's
userName is the sign-in address, which must be in one of the body's email domains (a directory
can never create accounts elsewhere). So userName is generated as RANDOM@DOMAIN; every other
attribute keeps the tester's own random values.
"""
import os
import sys
import uuid

import httpx2
import scim2_tester.filling as filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

# Checks left out, by title, with why. Keep this list short and each reason true.
# (title, part of the reason) -> why it is left out.
EXCLUDED = {
    ("search_with_attributes", "no such SCIM endpoint"):
        "POST /.search is optional (RFC 7644 3.4.3 MAY) and no directory Stile serves uses it; "
        "ServiceProviderConfig does not offer it",
    ("check_remove_attribute", "did not remove attribute 'displayName'"):
        "Stile always holds a name: without displayName it is taken from name.formatted or the "
        "given and family names the user has (a service provider default, RFC 7643 4.1.1)",
    ("check_remove_attribute", "did not remove attribute 'active'"):
        "a user without active is active (Entra ID and Okta never remove it); removing it must not "
        "deprovision anyone",
    ("check_remove_attribute", "did not remove attribute 'emails'"):
        "the sign-in address (userName) is always reported as the work email",
    ("check_add_attribute", "unexpected value for 'emails'"):
        "RFC 7643 2.4: when a primary email is added the others stop being primary; the tester "
        "compares the earlier address with its old primary flag",
    ("check_add_attribute", "unexpected value for 'members'"):
        "a member's type is always User and its display is the server's (readOnly): the tester "
        "sends a random type and no display, and compares them",
    ("check_replace_attribute", "unexpected value for 'members'"):
        "as above: members.type and members.display are the server's",
}

FAILING = {Status.ERROR, Status.CRITICAL}


def main() -> int:
    base, domain = sys.argv[1], sys.argv[2]
    token = os.environ["SCIM_TOKEN"]
    original = filling.generate_random_value

    def generate(context, path, mutability=None, required=None):
        value = original(context, path=path, mutability=mutability, required=required)
        if value is not None and str(path).lower().endswith("username"):
            return f"{uuid.uuid4().hex}@{domain}"
        return value

    # Every module that imported the generator by name gets the adapted one.
    for name, module in list(sys.modules.items()):
        if name.startswith("scim2_tester") and getattr(module, "generate_random_value", None) is original:
            module.generate_random_value = generate
    http = httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    passed = failed = skipped = 0
    for r in results:
        why = next((w for (t, part), w in EXCLUDED.items() if t == r.title and part in (r.reason or "")), None)
        excluded = why is not None
        if r.status == Status.SKIPPED:
            skipped += 1
            verdict = "skipped"
        elif r.status in FAILING and not excluded:
            failed += 1
            verdict = "FAILED"
        elif r.status in FAILING:
            skipped += 1
            verdict = f"excluded ({why})"
        else:
            passed += 1
            verdict = r.status.name.lower()
        print(f"{verdict:<10} {r.resource_type or '-':<8} {r.title}: {r.reason or ''}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
