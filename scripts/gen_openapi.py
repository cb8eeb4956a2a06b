# Generates docs/openapi.json (the admin API's OpenAPI 3.1 document). Edit here, then run
# `python3 scripts/gen_openapi.py` from the repository root (`--check` only compares, for CI); a
# test checks that every route in src/admin/api/mod.rs is described.
import json
S=lambda name: {"$ref": f"#/components/schemas/{name}"}
def arr(x): return {"type":"array","items":x}
# Control characters are refused at the edge (400) everywhere; tab, CR and LF only inside JSON
# strings (pasted certificates, text areas).
TEXT="^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
LINE="^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
str_=lambda **k: dict({"type":"string","pattern":TEXT},**k)
nstr={"type":["string","null"],"pattern":TEXT}
bool_={"type":"boolean"}; int_={"type":"integer"}; nint={"type":["integer","null"]}
strs=arr(str_())
keep_or_clear={"type":["string","null"],"pattern":TEXT,"description":"Absent or null keeps the value; an empty string clears it."}
# An address or a domain as bans take them: at most one @ and a dot after it. Broader than what
# the server accepts (it answers 422 for the rest); never narrower, so that a request this refuses
# is refused by the server too.
ban_pattern="^[^@\\u0000-\\u001F\\u007F-\\u009F]*@?[^@\\u0000-\\u001F\\u007F-\\u009F]*\\.[^@\\u0000-\\u001F\\u007F-\\u009F]*$"
schemas={
 "Error":{"type":"object","required":["error","message"],"properties":{
   "error":str_(description="Machine-readable code: invalid_token, insufficient_scope, forbidden, step_up_required, not_found, invalid_request, conflict, server_error."),
   "message":str_(description="What went wrong, in words a person can act on (for forbidden: the delegation rule that refused)."),
   "field":str_(description="For invalid_request: the input field at fault.")}},
 "User":{"type":"object","properties":{"id":str_(),"email":str_(),"name":str_(),"email_verified":bool_,"has_password":bool_,"superuser":bool_,"flagged":bool_,"disabled":bool_,"created_at":int_,"updated_at":int_,"last_login_at":nint}},
 "UserDetail":{"allOf":[S("User"),{"type":"object","properties":{"mfa_enabled":bool_,"passkeys":int_,"memberships":arr(S("Membership"))}}]},
 "UserPage":{"type":"object","properties":{"items":arr(S("User")),"total":int_,"page":int_,"per_page":int_}},
 "NewUser":{"type":"object","required":["email"],"additionalProperties":False,"properties":{"email":str_(),"name":str_(),"body_id":str_(description="Add the user to this body; without it, superusers only."),"roles":strs,"permissions":strs,"workstreams":arr(S("Workstream")),"areas":strs,"superuser":bool_,"send_welcome":dict(bool_,description="Email the new user a welcome with a link that signs them in for the first time (valid 7 days; at most 5 invitation emails an address an hour).")}},
 "UserEdit":{"type":"object","additionalProperties":False,"properties":{"name":str_(),"email":str_()}},
 "Workstream":{"type":"object","required":["prefix","access"],"properties":{"prefix":str_(),"access":str_(enum=["full_write","read_only"])}},
 "Membership":{"type":"object","properties":{"id":str_(),"user_id":str_(),"body_id":str_(),"body_name":str_(),"body_kind":str_(),"body_status":str_(),"member_kind":str_(enum=["staff","staff manager","planner","highway authority","contractor","admin"]),"roles":arr({"type":"object","properties":{"id":str_(),"name":str_()}}),"permissions":strs,"direct_permissions":strs,"workstreams":arr(S("Workstream")),"areas":strs}},
 "MembershipInput":{"type":"object","additionalProperties":False,"description":"On update, a missing member leaves that part unchanged.","properties":{"roles":strs,"permissions":strs,"workstreams":arr(S("Workstream")),"areas":strs}},
 "Invitation":{"type":"object","description":"An invitation was emailed; nothing says whether the address has an account.","properties":{"invited":bool_,"email":str_(),"expires_at":int_}},
 "AddMember":{"allOf":[{"type":"object","description":"Name the user by user_id or by email (one of them).","properties":{"user_id":str_(),"email":str_()}},S("MembershipInput")]},
 "Member":{"type":"object","properties":{"user":S("User"),"membership":S("Membership")}},
 "Body":{"type":"object","properties":{"id":str_(),"name":str_(),"kind":str_(enum=["council","highway_authority","promoter","contractor","other"]),"status":str_(enum=["active","suspended","disabled"]),"fms_body_id":nstr,"swa_code":nstr,"mfa_policy":str_(enum=["optional","required","phishing_resistant"]),"mfa_floor":str_(enum=["optional","required","phishing_resistant"],description="The 2FA policy a superuser (or the command line) last set; the body's own admins cannot set mfa_policy below it."),"password_min_length":nint,"sso_connection_id":nstr,"domains":strs,"principals":strs,"contractors":strs,"created_at":int_,"updated_at":int_}},
 "BodyInput":{"type":"object","additionalProperties":False,"description":"Kind, status, domains, SSO connection and external ids need a superuser; name, 2FA and password policy the body's own admins (organisation details).","properties":{"name":str_(),"kind":str_(enum=["council","highway_authority","promoter","contractor","other"]),"status":str_(enum=["active","suspended","disabled"]),"fms_body_id":keep_or_clear,"swa_code":keep_or_clear,"mfa_policy":str_(enum=["optional","required","phishing_resistant"]),"password_min_length":int_,"sso_connection_id":keep_or_clear,"domains":strs}},
 "Role":{"type":"object","properties":{"id":str_(),"body_id":nstr,"name":str_(),"description":str_(),"namespace":str_(),"template_key":nstr,"mfa_required":bool_,"phishing_resistant":dict(bool_,description="Holders must sign in with a passkey or security key (implies mfa_required)."),"sm_role":nstr,"permissions":strs}},
 "RoleInput":{"type":"object","additionalProperties":False,"properties":{"name":str_(),"description":str_(),"permissions":strs,"mfa_required":dict(bool_,description="False also turns phishing_resistant off unless that is given too."),"phishing_resistant":dict(bool_,description="Holders must sign in with a passkey or security key; true implies mfa_required."),"sm_role":str_(enum=["","Planner","HighwayAuthority","Contractor","DataExport","UI","API","Admin","StreetWorksAdmin"]),"template":str_(description="Role template key (create only).")}},
 "AdminAccess":{"type":"object","required":["level"],"additionalProperties":False,"properties":{"level":str_(enum=["none","superuser","body"]),"body_id":dict(nstr,description="The administered body for level body; null otherwise."),"permissions":strs}},
 "Client":{"type":"object","properties":{"client_id":str_(),"name":str_(),"redirect_uris":strs,"post_logout_redirect_uris":strs,"backchannel_logout_uri":nstr,"grant_types":strs,"scopes":strs,"token_endpoint_auth_method":str_(),"id_token_signing_alg":str_(),"permission_namespaces":strs,"body_id":nstr,"id_token_claims":strs,"access_token_audience":nstr,"first_party":bool_,"require_pkce":bool_,"require_mfa":bool_,"require_phr":dict(bool_,description="Every sign-in needs a passkey or security key (acr phr); implies require_mfa."),"jwks":{"type":["object","null"],"description":"private_key_jwt: the client's public keys (a JWK set)."},"jwks_uri":nstr,"require_pushed_authorization_requests":bool_,"dpop_bound_access_tokens":bool_,"has_secret":bool_,"admin_access":S("AdminAccess"),"created_at":int_,"updated_at":int_}},
 "ClientWithSecret":{"allOf":[S("Client"),{"type":"object","properties":{"client_secret":str_(description="Shown once; only its hash is stored.")}}]},
 "ClientInput":{"type":"object","additionalProperties":False,"properties":{"client_id":str_(),"name":str_(),"redirect_uris":strs,"post_logout_redirect_uris":strs,"backchannel_logout_uri":str_(),"grant_types":strs,"scopes":strs,"token_endpoint_auth_method":str_(enum=["client_secret_basic","client_secret_post","private_key_jwt","none"]),"id_token_signing_alg":str_(enum=["RS256","ES256"]),"permission_namespaces":strs,"body_id":str_(),"id_token_claims":strs,"access_token_audience":str_(),"first_party":bool_,"require_pkce":bool_,"require_mfa":dict(bool_,description="False also turns require_phr off unless that is given too."),"require_phr":dict(bool_,description="Every sign-in needs a passkey or security key (acr phr); true implies require_mfa."),"jwks":{"type":["object","string"],"description":"private_key_jwt: the client's public keys as a JWK set {\"keys\": [...]} (RSA of 2048 bits or more, or EC P-256), or its JSON text; an empty string clears it. Giving it drops jwks_uri."},"jwks_uri":str_(description="private_key_jwt: the https URL where the client publishes its JWK set; an empty string clears it. Giving it drops jwks."),"require_pushed_authorization_requests":dict(bool_,description="Authorization requests only through the pushed authorization request endpoint (RFC 9126)."),"dpop_bound_access_tokens":dict(bool_,description="Tokens only with a DPoP proof, bound to its key (RFC 9449).")}},
 "GroupRole":{"type":"object","properties":{"group":str_(),"role_id":str_(),"role":str_(description="The role's name in the connection's body.")}},
 "Connection":{"type":"object","properties":{"id":str_(),"kind":str_(enum=["oidc","saml"]),"name":str_(),"body_id":str_(),"body_name":str_(),"domains":strs,"mode":str_(enum=["offered","required"]),"show_button":bool_,"trust_upstream_mfa":bool_,"trust_upstream_phr":dict(bool_,description="The IdP is trusted to say a phishing-resistant factor was used (mfa.oidc_phr, mfa.saml_phr_authn_contexts): such sign-ins meet the phishing_resistant level."),"jit":bool_,"allow_idp_initiated":bool_,
   "claims":{"type":"object","properties":{"email":str_(),"name":str_(),"groups":str_()}},"group_roles":arr(S("GroupRole")),
   "mfa":{"type":"object","properties":{"oidc_amr":strs,"saml_authn_contexts":strs,"oidc_phr":strs,"saml_phr_authn_contexts":strs}},"has_client_secret":bool_,
   "oidc":{"oneOf":[{"type":"null"},{"type":"object","properties":{"issuer":str_(),"client_id":str_(),"scopes":strs,"use_userinfo":bool_,"hosted_domain":nstr,"redirect_uri":str_(description="Register this at the IdP.")}}]},
   "saml":{"oneOf":[{"type":"null"},{"type":"object","properties":{"idp_entity_id":str_(),"idp_sso_url":str_(),"idp_certificate_sha256":strs,"sign_requests":bool_,"clock_skew_secs":int_,"metadata_url":str_(description="Give the IdP this URL; it is also Stile's entity id."),"acs_url":str_()}}]},
   "created_at":int_,"updated_at":int_}},
 "ConnectionInput":{"type":"object","additionalProperties":False,"description":"On create: kind, name and body_id; for oidc also issuer, client_id and client_secret; for saml one of idp_metadata_xml or idp_metadata_url. On update a missing member keeps its value; kind, body_id and client_secret cannot be changed there.","properties":{
   "kind":str_(enum=["oidc","saml"]),"name":str_(),"body_id":str_(),"domains":strs,"mode":str_(enum=["offered","required"]),"show_button":bool_,"trust_upstream_mfa":dict(bool_,description="False also turns trust_upstream_phr off unless that is given too."),"trust_upstream_phr":dict(bool_,description="Trust the IdP to say a phishing-resistant factor was used; true implies trust_upstream_mfa. Off by default."),"jit":bool_,
   "claims":{"type":"object","additionalProperties":False,"properties":{"email":str_(),"name":str_(),"groups":str_()}},
   "group_roles":arr({"type":"object","required":["group","role"],"additionalProperties":False,"properties":{"group":str_(),"role":str_(description="A role of the connection's body, by id or name.")}}),
   "mfa_oidc_amr":strs,"mfa_saml_authn_contexts":strs,"phr_oidc_values":dict(strs,description="OIDC acr or amr values that count as a phishing-resistant factor (default phr, phrh, hwk, fido)."),"phr_saml_authn_contexts":dict(strs,description="SAML AuthnContextClassRef values that count as a phishing-resistant factor (default urn:rsa:names:tc:SAML:2.0:ac:classes:FIDO)."),
   "issuer":str_(),"client_id":str_(),"client_secret":str_(description="Write-only; never returned."),"scopes":strs,"use_userinfo":bool_,"hosted_domain":str_(),
   "idp_metadata_xml":str_(description="The IdP's SAML metadata document."),"idp_metadata_url":str_(description="An https URL the IdP's metadata is fetched from, once, now."),"sign_requests":bool_,"allow_idp_initiated":bool_}},
 "ClientSecretInput":{"type":"object","required":["client_secret"],"additionalProperties":False,"properties":{"client_secret":str_(description="The new upstream client secret; never returned.")}},
 "Ban":{"type":"object","properties":{"pattern":str_(),"kind":str_(enum=["email","domain"]),"reason":str_(),"created_at":int_}},
 "BanInput":{"type":"object","required":["pattern"],"additionalProperties":False,"properties":{"pattern":{"type":"string","pattern":ban_pattern,"description":"An email address, or a domain such as example.org."},"reason":str_()}},
 "AuditEvent":{"type":"object","properties":{"id":int_,"at":int_,"time":str_(description="RFC 3339, UTC."),"actor_user_id":nstr,"actor_client_id":nstr,"action":str_(),"target_type":str_(),"target_id":str_(),"body_id":nstr,"ip":str_(),"user_agent":str_(),"outcome":str_(enum=["success","failure"]),"details":{"type":"object"}}},
 "Session":{"type":"object","properties":{"sid":str_(description="The session's public id (the sid of its ID tokens)."),"device":str_(description="Browser and system in a few words, from the user agent."),"ip":str_(),"started_at":int_,"last_seen_at":int_}},
 "UserApp":{"type":"object","properties":{"client_id":str_(),"client_name":str_(),"grants":dict(int_,description="Live grants (authorisations whose tokens still work)."),"offline":bool_,"consent_scopes":nstr,"since":int_}},
 "Invitation":{"type":"object","properties":{"id":str_(),"kind":str_(enum=["welcome","membership"]),"body_id":nstr,"body_name":str_(),"state":str_(enum=["sent","accepted","expired","withdrawn"]),"created_at":int_,"sent_at":int_,"send_count":int_,"expires_at":int_,"used_at":nint,"withdrawn_at":nint}},
 "UserActivity":{"type":"object","properties":{"sessions":arr(S("Session")),"apps":arr(S("UserApp")),"events":dict(arr(S("AuditEvent")),description="The 20 newest events where the user acted or was the target; a body's administrators see their bodies' events."),"invitations":arr(S("Invitation"))}},
 "AuditPage":{"type":"object","properties":{"events":arr(S("AuditEvent")),"next_before":dict(nint,description="Pass as `before` for the next (older) page; absent or null on the last page.")}},
 "BodyExport":{"type":"object","description":"All data of one body (format stile.body-export.v1): never password hashes or secrets. See docs/admin-data.md.","properties":{"format":str_(),"exported_at":int_,"body":{"type":"object"},"roles":arr({"type":"object"}),"workstreams":strs,"areas":strs,"members":arr({"type":"object"}),"audit_events":arr(S("AuditEvent"))}},
 "ImportProblem":{"type":"object","properties":{"row":dict(int_,description="Row number; the header is row 1."),"field":str_(),"reason":str_()}},
 "ImportReport":{"type":"object","properties":{"dry_run":bool_,"rows":int_,"accepted":int_,"imported":int_,"memberships":int_,"with_password":int_,"refused_rows":int_,"problems":arr(S("ImportProblem")),"problems_not_listed":int_}},
 "ImportRefused":{"type":"object","properties":{"error":str_(),"message":str_(),"report":S("ImportReport")}},
 "Me":{"type":"object","properties":{"user":{"oneOf":[S("User"),{"type":"null"}]},"client_id":nstr,"superuser":bool_,"administers":{"type":["array","null"],"items":{"type":"string"}}}},
}
INT64={"type":"integer","minimum":-(2**63),"maximum":2**63-1}
# RFC 3339 or Unix seconds: the characters they use (broader than what parses, never narrower).
TIME="^[0-9TtZz:.+ -]+$"
def p(name, desc="", where="path"): return {"name":name,"in":where,"required":where=="path","schema":{"type":"string","pattern":LINE},"description":desc}
def q(name, typ, desc):
    schema={"string":{"type":"string","pattern":LINE},"integer":INT64}.get(typ,{"type":typ})
    return {"name":name,"in":"query","required":False,"schema":schema,"description":desc}
errs={"400":"Malformed request body or query (or a malformed Idempotency-Key).","401":"No valid bearer token.","403":"Refused by the delegation rules, or the token lacks the stile:admin scope, or (step_up_required) the action needs a second factor entered recently in the user token's session.","404":"No such resource.","409":"Clashes with something that exists (or, error idempotency_key_in_use, a request with the same Idempotency-Key is still running: retry after Retry-After).","422":"Invalid input; `field` names it (or, error idempotency_key_reused, the Idempotency-Key was used with a different body).","503":"The database is unavailable, or (CSV import) other imports are running (error temporarily_unavailable); retry after Retry-After seconds."}
def resp(code, schema=None, desc="OK"):
    r={code:{"description":desc}}
    if schema: r[code]["content"]={"application/json":{"schema":schema}}
    for c in errs: r[c]={"$ref":f"#/components/responses/E{c}"}
    return r
def op(summary, ok_code="200", out=None, body=None, params=(), tag="", opid="", desc=""):
    o={"operationId":opid,"summary":summary,"tags":[tag],"parameters":list(params),"responses":resp(ok_code,out, "No content" if ok_code=="204" else "OK")}
    if desc: o["description"]=desc
    if body:
        o["requestBody"]={"required":True,"content":{"application/json":{"schema":body}}}
        o["responses"]["415"]={"$ref":"#/components/responses/E415"}
    return o
paging=[q("page","integer","1-based page number."),q("per_page","integer","Items a page, 1 to 200 (default 50).")]
uid=p("id","User id."); bid=p("id","Body id."); rid=p("id","Role id."); mid=p("id","Membership id."); cid=p("id","Client id."); nid=p("id","Connection id.")
audit_params=[q("actor","string","A user id or client id that acted."),q("action","string","An action, or a prefix ending in . or * (signin.*)."),q("target","string","A target id."),q("body_id","string","A body id."),q("ip","string","An IP address."),{"name":"outcome","in":"query","required":False,"schema":{"type":"string","enum":["success","failure"]},"description":"success or failure."},dict(q("since","string","From this time (RFC 3339 or Unix seconds), inclusive."),schema={"type":"string","pattern":TIME}),dict(q("until","string","Before this time (RFC 3339 or Unix seconds)."),schema={"type":"string","pattern":TIME}),q("before","integer","Only events with a smaller id (the next page).")]
paths={
 "/openapi.json":{"get":dict(op("This document","200",{"type":"object"},tag="meta",opid="openapi"),security=[])},
 "/me":{"get":op("Who the token acts as","200",S("Me"),tag="meta",opid="me")},
 "/users":{"get":op("Search users by email or name (paged)","200",S("UserPage"),params=[q("q","string","Part of an email or name."),q("flagged","boolean","Only flagged users."),q("body_id","string","Only members of this body.")]+paging,tag="users",opid="searchUsers",desc="Superusers see everyone; body administrators see their bodies' members."),
           "post":op("Create a user (no confirmation email is sent)","201",S("UserDetail"),S("NewUser"),tag="users",opid="createUser")},
 "/users/{id}":{"get":op("Show a user","200",S("UserDetail"),params=[uid],tag="users",opid="showUser"),
                "patch":op("Edit name and email","200",S("UserDetail"),S("UserEdit"),[uid],tag="users",opid="updateUser"),
                "delete":op("Remove (anonymise) a user; audit rows keep the id","204",params=[uid],tag="users",opid="removeUser")},
 "/users/{id}/flag":{"put":op("Flag a user","200",S("UserDetail"),params=[uid],tag="users",opid="flagUser"),"delete":op("Unflag a user","200",S("UserDetail"),params=[uid],tag="users",opid="unflagUser")},
 "/users/{id}/disabled":{"put":op("Disable a user (also signs them out everywhere)","200",S("UserDetail"),params=[uid],tag="users",opid="disableUser"),"delete":op("Enable a user","200",S("UserDetail"),params=[uid],tag="users",opid="enableUser")},
 "/users/{id}/superuser":{"put":op("Make a superuser (superusers only)","200",S("UserDetail"),params=[uid],tag="users",opid="grantSuperuser"),"delete":op("Remove the superuser flag (superusers only)","200",S("UserDetail"),params=[uid],tag="users",opid="revokeSuperuser")},
 "/users/{id}/logout":{"post":op("Log out everywhere: end sessions, revoke refresh tokens, send back-channel logouts","200",{"type":"object","properties":{"sessions_ended":int_}},params=[uid],tag="users",opid="logoutEverywhere")},
 "/users/{id}/activity":{"get":op("A user's live sessions, apps and consents, recent audit events and invitations","200",S("UserActivity"),params=[uid],tag="users",opid="userActivity")},
 "/users/{id}/sessions/{sid}":{"delete":op("End one session, as signing out does (its grants, back-channel logouts)","204",params=[uid,p("sid","Session id (sid).")],tag="users",opid="endSession")},
 "/users/{id}/apps/{client_id}":{"delete":op("Revoke an app's access for the user: its consent and grants","204",params=[uid,p("client_id","Client id.")],tag="users",opid="revokeApp")},
 "/invitations/{id}/resend":{"post":op("Send an invitation again with a new link (the old one stops working); at most 5 invitation emails an address an hour","200",S("Invitation"),params=[p("id","Invitation id.")],tag="users",opid="resendInvitation")},
 "/invitations/{id}/withdraw":{"post":op("Withdraw an invitation: its link stops working","200",S("Invitation"),params=[p("id","Invitation id.")],tag="users",opid="withdrawInvitation")},
 "/users/{id}/reset-2fa":{"post":op("Reset two-factor authentication","200",{"type":"object","properties":{"had_2fa":bool_}},params=[uid],tag="users",opid="resetMfa")},
 "/users/{id}/remove-passkeys":{"post":op("Remove all the user's passkeys and security keys","200",{"type":"object","properties":{"removed":int_}},params=[uid],tag="users",opid="removePasskeys")},
 "/users/{id}/sign-in-email":{"post":op("Send a sign-in email (link and code)","202",{"type":"object","properties":{"sent":bool_}},params=[uid],tag="users",opid="sendSignInEmail")},
 "/flagged-users":{"get":op("Flagged users (paged)","200",S("UserPage"),params=paging,tag="users",opid="flaggedUsers")},
 "/bodies":{"get":op("Bodies the token may administer","200",arr(S("Body")),tag="bodies",opid="listBodies"),"post":op("Create a body (superusers only); role templates for its kind are copied in","201",S("Body"),S("BodyInput"),tag="bodies",opid="createBody")},
 "/bodies/{id}":{"get":op("Show a body","200",S("Body"),params=[bid],tag="bodies",opid="showBody"),"patch":op("Edit a body","200",S("Body"),S("BodyInput"),[bid],tag="bodies",opid="updateBody")},
 "/bodies/{id}/contractors/{contractor_id}":{"put":op("Link a contractor organisation to a promoter or highway authority","200",S("Body"),params=[bid,p("contractor_id","Contractor body id.")],tag="bodies",opid="linkContractor"),
   "delete":op("Unlink a contractor organisation","200",S("Body"),params=[bid,p("contractor_id","Contractor body id.")],tag="bodies",opid="unlinkContractor")},
 "/bodies/{id}/roles":{"get":op("A body's roles","200",arr(S("Role")),params=[bid],tag="roles",opid="listRoles"),"post":op("Create a custom role (optionally from a template)","201",S("Role"),S("RoleInput"),[bid],tag="roles",opid="createRole")},
 "/roles/{id}":{"get":op("Show a role","200",S("Role"),params=[rid],tag="roles",opid="showRole"),"patch":op("Edit a role","200",S("Role"),S("RoleInput"),[rid],tag="roles",opid="updateRole"),"delete":op("Delete a role","204",params=[rid],tag="roles",opid="deleteRole")},
 "/bodies/{id}/members":{"get":op("A body's members","200",arr(S("Member")),params=[bid],tag="memberships",opid="listMembers"),"post":op("Add a user to a body with roles, permissions, workstreams and areas, or invite them","201",S("Membership"),S("AddMember"),[bid],tag="memberships",opid="addMember",desc="201: added at once (a superuser, or an address in one of the body's own email domains). 202: any other address is emailed an invitation; the membership exists once the person accepts it, signed in with that address. The 202 answer is the same whether or not the address has an account.")},
 "/memberships/{id}":{"get":op("Show a membership","200",S("Membership"),params=[mid],tag="memberships",opid="showMembership"),"patch":op("Change a membership's roles, permissions, workstreams or areas","200",S("Membership"),S("MembershipInput"),[mid],tag="memberships",opid="updateMembership"),"delete":op("Remove a user from a body","204",params=[mid],tag="memberships",opid="removeMembership")},
 "/clients":{"get":op("Relying apps (superusers only)","200",arr(S("Client")),tag="clients",opid="listClients"),"post":op("Register a relying app; the secret is shown once","201",S("ClientWithSecret"),S("ClientInput"),tag="clients",opid="createClient")},
 "/clients/{id}":{"get":op("Show a relying app","200",S("Client"),params=[cid],tag="clients",opid="showClient"),"patch":op("Edit a relying app","200",S("ClientWithSecret"),S("ClientInput"),[cid],tag="clients",opid="updateClient"),"delete":op("Remove a relying app","204",params=[cid],tag="clients",opid="removeClient")},
 "/clients/{id}/secret":{"post":op("Rotate the secret; the new one is shown once","200",S("ClientWithSecret"),params=[cid],tag="clients",opid="rotateClientSecret")},
 "/clients/{id}/admin-access":{"put":op("Set a machine client's administrative rights with stile:admin","200",S("Client"),S("AdminAccess"),[cid],tag="clients",opid="setClientAdminAccess")},
 "/connections":{"get":op("SSO connections (superusers only)","200",arr(S("Connection")),tag="connections",opid="listConnections"),"post":op("Add an upstream OIDC or SAML connection","201",S("Connection"),S("ConnectionInput"),tag="connections",opid="createConnection")},
 "/connections/{id}":{"get":op("Show an SSO connection (never its secret)","200",S("Connection"),params=[nid],tag="connections",opid="showConnection"),"patch":op("Edit an SSO connection: mode, domains, mappings, MFA trust, JIT, button, IdP metadata","200",S("Connection"),S("ConnectionInput"),[nid],tag="connections",opid="updateConnection"),"delete":op("Remove an SSO connection with its domains and account links (accounts stay)","204",params=[nid],tag="connections",opid="removeConnection")},
 "/connections/{id}/client-secret":{"put":op("Replace the upstream client secret (OIDC); it is never shown","200",S("Connection"),S("ClientSecretInput"),[nid],tag="connections",opid="rotateConnectionSecret")},
 "/bans":{"get":op("Banned addresses and domains (superusers only)","200",arr(S("Ban")),tag="abuse",opid="listBans"),"post":op("Ban an address or a domain; matching users are signed out","201",S("Ban"),S("BanInput"),tag="abuse",opid="ban")},
 "/audit":{"get":op("Audit events, newest first (paged by `before`)","200",S("AuditPage"),params=audit_params+[q("limit","integer","Events a page, 1 to 1000 (default 100).")],tag="audit",opid="listAuditEvents",desc="Superusers see every event; a body's administrators only their body's (body_id, which defaults to the one body they administer).")},
 "/audit.csv":{"get":dict(op("Audit events as CSV (spreadsheet-safe)","200",params=audit_params+[q("limit","integer","Events at most, 1 to 100000 (default 10000).")],tag="audit",opid="downloadAuditCsv",desc="RFC 4180 CSV; cells a spreadsheet would run as a formula are prefixed with '. Same visibility as /audit."),responses=dict(resp("200"),**{"200":{"description":"CSV","content":{"text/csv":{"schema":{"type":"string"}}}}}))},
 "/bodies/{id}/export":{"get":op("Download all organisation data (JSON)","200",S("BodyExport"),params=[bid],tag="bodies",opid="exportBody",desc="Promoter and highway authority admins, a FixMyStreet body's fms:user_manage_permissions holders, and superusers.")},
 "/bodies/{id}/import":{"post":dict(op("Import users from CSV in FixMyStreet's format","200",S("ImportReport"),params=[bid,q("dry_run","boolean","true (the default): only check and report every refused row; false: import, all or nothing.")],tag="memberships",opid="importUsers",desc="Header name,email,from_body,passwordhash,roles,permissions (email required). Existing users are refused, never changed. A body administrator imports only addresses in the body's own email domains; nobody imports a password hash for an SSO-required domain or one above the [password] max_* costs. 200: dry-run report; 201: imported; 422: rows refused (ImportRefused), nothing written. See docs/admin-data.md."),requestBody={"required":True,"content":{"text/csv":{"schema":{"type":"string"}}}})},
 "/bans/{pattern}":{"delete":op("Lift a ban","204",params=[dict(p("pattern","The banned address or domain."),schema={"type":"string","pattern":ban_pattern})],tag="abuse",opid="unban")},
}
# Every POST but the CSV import takes an Idempotency-Key (src/admin/api/idempotency.rs).
idem_param={"$ref":"#/components/parameters/IdempotencyKey"}
for _path,_item in paths.items():
    if "post" in _item and _path!="/bodies/{id}/import":
        _post=_item["post"]
        _post["parameters"]=_post["parameters"]+[idem_param]
        _ok=[c for c in _post["responses"] if c.startswith("2")][0]
        _post["responses"][_ok]["headers"]={"Idempotent-Replayed":{"description":"true when this is the stored answer to an earlier request with the same Idempotency-Key.","schema":{"type":"string","enum":["true"]}}}
paths["/bodies/{id}/members"]["post"]["responses"]["202"]={"description":"Invited","content":{"application/json":{"schema":S("Invitation")}}}
_step_up="Step-up: with a user's token, the session the token was issued in must have had a second factor (TOTP or recovery code) entered within [admin] step_up_secs, otherwise 403 step_up_required; tokens from offline grants name no session and are always refused; machine clients' client_credentials tokens are exempt. See docs/admin-api.md."
for _path,_method,_when in [("/users","post","With superuser true. "),("/users/{id}/superuser","put",""),("/bodies/{id}","patch","When mfa_policy changes. "),("/clients","post",""),("/clients/{id}","patch",""),("/clients/{id}/secret","post",""),("/clients/{id}/admin-access","put","For any level but none. "),("/connections","post",""),("/connections/{id}","patch",""),("/connections/{id}","delete",""),("/connections/{id}/client-secret","put",""),("/bans","post",""),("/bans/{pattern}","delete","")]:
    _o=paths[_path][_method]; _o["description"]=(_o.get("description","")+" "+_when+_step_up).strip()
_imp=paths["/bodies/{id}/import"]["post"]["responses"]
_imp["201"]={"description":"Imported","content":{"application/json":{"schema":S("ImportReport")}}}
_imp["422"]={"description":"Rows refused; nothing was written.","content":{"application/json":{"schema":S("ImportRefused")}}}
doc={"openapi":"3.1.0","info":{"title":"Stile administration API","version":"1","description":"Administration of users, bodies, roles, memberships, relying apps, SSO connections and bans. Every request needs a bearer access token issued by this Stile with the stile:admin scope: a machine client's client_credentials token (rights stored on the client), or a user's own token (the user's rights). The same delegation rules as the admin web UI apply. See docs/admin-api.md."},
 "servers":[{"url":"/api/v1"}],
 "security":[{"bearer":["stile:admin"]}],
 "components":{"responses":{f"E{c}":dict({"description":d,"content":{"application/json":{"schema":S("Error")}}},**({"headers":{"Retry-After":{"description":"Seconds to wait before retrying.","schema":{"type":"integer"}}}} if c=="503" else {})) for c,d in dict(errs,**{"415":"The body is not JSON (send Content-Type: application/json)."}).items()},
 "parameters":{"IdempotencyKey":{"name":"Idempotency-Key","in":"header","required":False,"schema":{"type":"string","minLength":1,"maxLength":255,"pattern":"^[!-~]+$"},"description":"Makes a POST safe to retry (e.g. after a timeout or a 5xx). The first request with a key runs; for a day, a retry with the same key from the same caller and the same body gets the stored answer (status and body) again with Idempotent-Replayed: true, instead of doing the change twice. When the first answer was lost after the change committed, a retry of a create is answered 201 with the created resource (a new client's secret cannot be shown again: rotate it). The same key with a different body is refused (422 idempotency_key_reused); while the first request still runs, 409 idempotency_key_in_use. Keys are per caller (client and user), shared by every instance. 1 to 255 visible ASCII characters; use a fresh UUID per intended change."}},"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT","description":"An access token (RFC 9068 JWT) from this Stile's token endpoint with the stile:admin scope."}},"schemas":schemas},
 "paths":paths}
import sys
text=json.dumps(doc,indent=2)+"\n"
if "--check" in sys.argv:
    if open("docs/openapi.json").read()!=text:
        sys.exit("docs/openapi.json is out of date: run python3 scripts/gen_openapi.py")
else:
    open("docs/openapi.json","w").write(text)
