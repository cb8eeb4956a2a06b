# Tudalennau gweinyddu pobl a chysylltiadau: defnyddwyr (y rhestr, un defnyddiwr, ychwanegu,
# gweithredoedd swmp, mewnforio CSV), rhaglenni dibynnol a chysylltiadau mewngofnodi sengl
# (templates/admin/users.html, user.html, user_new.html, users_bulk.html, import.html,
# clients.html, client.html, connections.html, connection.html a’u trinwyr yn src/web/admin/).
# Ysgrifennwyd ar gyfer staff cynghorau; gweler GLOSSARY.md am y termau.

## Yn gyffredin i’r tudalennau hyn
people-name = Enw
people-email = E-bost
people-email-address = Cyfeiriad e-bost
people-organisation = Sefydliad
people-status = Statws
people-two-factor = Dau gam
people-two-factor-long = Dilysu dau gam
people-last-sign-in = Mewngofnodi diwethaf
people-on = Ymlaen
people-off = I ffwrdd
people-none = Dim
people-never = Erioed
people-save = Cadw
people-active = Gweithredol
people-disabled = Wedi’i analluogi
people-flagged = Wedi’i fflagio
people-flagged-lower = wedi’i fflagio
people-superuser-lower = uwch-ddefnyddiwr
people-sign-out-everywhere = Allgofnodi ym mhobman
people-send-sign-in-email = Anfon e-bost mewngofnodi
people-form-unreadable = Nid oedd modd darllen y ffurflen.
people-form-as-browser = Anfonwch y ffurflen fel y mae porwr gwe yn ei wneud.
people-form-not-utf8 = Nid yw un o feysydd y ffurflen yn destun UTF-8 dilys.
people-form-control = Mae un o feysydd y ffurflen yn cynnwys nod rheoli (fel beit NUL), ac nid yw hynny’n cael ei ganiatáu.

## Rhestr defnyddwyr
users-title = Defnyddwyr
users-flagged-title = Defnyddwyr wedi’u fflagio
users-filter-label = Hidlo defnyddwyr
users-q = Cyfeiriad e-bost neu enw
users-any = Unrhyw un
users-role = Rôl
users-two-factor-totp = Ap dilysu
users-two-factor-passkey = Allwedd mynediad neu allwedd ddiogelwch
users-any-time = Unrhyw bryd
users-last-7-days = Yn ystod y 7 diwrnod diwethaf
users-last-30-days = Yn ystod y 30 diwrnod diwethaf
users-last-90-days = Yn ystod y 90 diwrnod diwethaf
users-not-last-90-days = Nid yn ystod y 90 diwrnod diwethaf
users-filter = Hidlo
users-add = Ychwanegu defnyddiwr
users-download = Lawrlwytho’r defnyddwyr hyn (CSV)
users-none-found = Heb ddod o hyd i unrhyw ddefnyddwyr.
users-caption = { $count ->
    [zero] { $count } defnyddiwr ar y dudalen hon
    [one] { $count } defnyddiwr ar y dudalen hon
    [two] { $count } ddefnyddiwr ar y dudalen hon
    [few] { $count } defnyddiwr ar y dudalen hon
    [many] { $count } defnyddiwr ar y dudalen hon
   *[other] { $count } defnyddiwr ar y dudalen hon
}
users-caption-matching = { $count ->
    [zero] { $count } defnyddiwr ar y dudalen hon sy’n cyfateb i “{ $q }”
    [one] { $count } defnyddiwr ar y dudalen hon sy’n cyfateb i “{ $q }”
    [two] { $count } ddefnyddiwr ar y dudalen hon sy’n cyfateb i “{ $q }”
    [few] { $count } defnyddiwr ar y dudalen hon sy’n cyfateb i “{ $q }”
    [many] { $count } defnyddiwr ar y dudalen hon sy’n cyfateb i “{ $q }”
   *[other] { $count } defnyddiwr ar y dudalen hon sy’n cyfateb i “{ $q }”
}
users-select = Dewis
users-select-one = Dewis { $email }
users-bulk-legend = Gyda’r defnyddwyr a ddewiswyd
users-bulk-action = Gweithred
users-bulk-disable = Analluogi
users-bulk-add = Ychwanegu at sefydliad
users-bulk-organisation = Sefydliad (ar gyfer “Ychwanegu at sefydliad”)
users-bulk-continue = Parhau
users-pages = Tudalennau’r canlyniadau
users-first-page = Y dudalen gyntaf
users-next-page = Y dudalen nesaf

## Cadarnhau gweithred swmp
bulk-disable-question = { $count ->
    [two] Analluogi { $count } ddefnyddiwr?
   *[other] Analluogi { $count } defnyddiwr?
}
bulk-disable-button = { $count ->
    [two] Analluogi { $count } ddefnyddiwr
   *[other] Analluogi { $count } defnyddiwr
}
bulk-sign-out-question = { $count ->
    [two] Allgofnodi { $count } ddefnyddiwr ym mhobman?
   *[other] Allgofnodi { $count } defnyddiwr ym mhobman?
}
bulk-sign-out-button = { $count ->
    [two] Allgofnodi { $count } ddefnyddiwr ym mhobman
   *[other] Allgofnodi { $count } defnyddiwr ym mhobman
}
bulk-add-question = { $count ->
    [two] Ychwanegu { $count } ddefnyddiwr at y sefydliad?
   *[other] Ychwanegu { $count } defnyddiwr at y sefydliad?
}
bulk-add-button = { $count ->
    [two] Ychwanegu { $count } ddefnyddiwr at y sefydliad
   *[other] Ychwanegu { $count } defnyddiwr at y sefydliad
}
bulk-email-question = { $count ->
    [two] Anfon e-bost mewngofnodi at { $count } ddefnyddiwr?
   *[other] Anfon e-bost mewngofnodi at { $count } defnyddiwr?
}
bulk-email-button = { $count ->
    [two] Anfon e-bost mewngofnodi at { $count } ddefnyddiwr
   *[other] Anfon e-bost mewngofnodi at { $count } defnyddiwr
}
bulk-organisation = Sefydliad: <strong>{ $organisation }</strong>
bulk-explained = Mae pob defnyddiwr yn cael ei wirio ar ei ben ei hun: mae unrhyw un na chewch weithredu arno yn cael ei adael fel y mae, ac mae’r log archwilio yn dweud pam.

## Un defnyddiwr
user-not-confirmed = (heb ei gadarnhau eto)
user-passkeys = Allweddi mynediad
user-password = Cyfrinair
user-password-set = Wedi’i osod
user-password-none = Dim (yn mewngofnodi drwy e-bost)
user-created-at = Crëwyd
user-edit-heading = Enw a chyfeiriad e-bost
user-organisations = Sefydliadau
user-no-organisations = Nid yw’n aelod o unrhyw sefydliad rydych yn ei reoli.
user-organisations-caption = Y sefydliadau y mae’r defnyddiwr hwn yn perthyn iddynt
user-member-kind = Math o aelod
user-roles = Rolau
user-add-to-organisation = Ychwanegu at sefydliad
user-add-to-organisation-button = Ychwanegu at y sefydliad
user-choose-organisation = Dewiswch sefydliad.
user-sessions = Ble maen nhw wedi mewngofnodi
user-no-sessions = Heb fewngofnodi yn unman.
user-sessions-caption = Sesiynau’r defnyddiwr hwn
user-device = Dyfais
user-device-unknown = Porwr anhysbys
user-device-system = Porwr ar { $system }
user-device-on = { $browser } ar { $system }
user-ip = Cyfeiriad IP
user-started = Dechreuwyd
user-last-seen = Gwelwyd ddiwethaf
user-action = Gweithred
user-actions = Gweithredoedd
user-end-session = Dod â’r sesiwn hon i ben
user-end-session-which = ({ $device }, dechreuwyd { $started })
user-apps = Rhaglenni a chydsyniadau
user-no-apps = Nid oes gan unrhyw raglen fynediad ar ran y defnyddiwr hwn.
user-apps-caption = Rhaglenni sydd â mynediad ar ran y defnyddiwr hwn
user-app = Rhaglen
user-access = Mynediad
user-since = Ers
user-app-signed-in = wedi mewngofnodi
user-app-signed-in-offline = wedi mewngofnodi, gyda mynediad all-lein
user-app-consented = wedi cydsynio i { $scopes }
user-revoke = Dirymu mynediad
user-revoke-which = ar gyfer { $app }
user-invitations = Gwahoddiadau
user-invitations-caption = Negeseuon e-bost yn gwahodd y defnyddiwr hwn
user-invitation = Gwahoddiad
user-invitation-state = Cyflwr
user-when = Pryd
user-invitation-sent = Wedi’i anfon
user-invitation-accepted = Wedi’i dderbyn
user-invitation-expired = Wedi dod i ben
user-invitation-withdrawn = Wedi’i dynnu’n ôl
user-invitation-welcome = E-bost croeso
user-invitation-welcome-to = E-bost croeso ({ $organisation })
user-invitation-join = Gwahoddiad i ymuno â { $organisation }
user-invitation-detail-sent = { $count ->
    [one] anfonwyd { $sent }
   *[other] anfonwyd { $sent } ({ $count } o weithiau)
}; mae’r ddolen yn gweithio tan { $at }
user-invitation-detail-expired = { $count ->
    [one] anfonwyd { $sent }
   *[other] anfonwyd { $sent } ({ $count } o weithiau)
}; daeth y ddolen i ben { $at }
user-invitation-detail-accepted = { $count ->
    [one] anfonwyd { $sent }
   *[other] anfonwyd { $sent } ({ $count } o weithiau)
}; derbyniwyd { $at }
user-invitation-detail-withdrawn = { $count ->
    [one] anfonwyd { $sent }
   *[other] anfonwyd { $sent } ({ $count } o weithiau)
}; tynnwyd yn ôl { $at }
user-resend = Ail-anfon
user-withdraw = Tynnu’n ôl
user-events = Gweithgarwch diweddar
user-no-events = Dim digwyddiadau diweddar y gallwch eu gweld.
user-events-caption = Digwyddiadau archwilio diweddar y defnyddiwr hwn, y mwyaf diweddar yn gyntaf
user-what = Beth
user-outcome = Canlyniad
user-by-or-to = Ganddynt neu iddynt
user-event-by-them = Ganddynt
user-event-to-them = Iddynt
user-event-done = Wedi’i wneud
user-event-refused = Wedi’i wrthod
user-audit-by = Popeth a wnaethant, yn y log archwilio
user-audit-to = Popeth a wnaed iddynt
user-flag = Fflagio
user-unflag = Dad-fflagio
user-reset-2fa = Ailosod dilysu dau gam
user-remove-passkeys = Dileu pob allwedd mynediad
user-enable = Galluogi’r cyfrif
user-disable = Analluogi’r cyfrif
user-superuser-off = Dileu statws uwch-ddefnyddiwr
user-superuser-on = Gwneud yn uwch-ddefnyddiwr
user-superuser-explained = Gall uwch-ddefnyddiwr wneud popeth, ym mhob sefydliad: rheoli rhaglenni dibynnol, mewngofnodi sengl, gwaharddiadau a phob defnyddiwr.
user-superuser-confirm = Ie, gwneud { $email } yn uwch-ddefnyddiwr
user-superuser-unconfirmed = Ticiwch y blwch i gadarnhau y dylai’r defnyddiwr hwn fod yn uwch-ddefnyddiwr.
user-remove-heading = Dileu’r defnyddiwr hwn
user-remove-explained = Mae eu henw a’u cyfeiriad e-bost yn cael eu clirio ac maen nhw’n colli pob sefydliad; mae’r log archwilio yn cadw eu dynodydd.
user-remove-confirm = Ie, dileu { $email }
user-remove-unconfirmed = Ticiwch y blwch i gadarnhau eich bod am ddileu’r defnyddiwr hwn.
user-remove = Dileu’r defnyddiwr

## Ychwanegu defnyddiwr
user-new-to = Ychwanegu defnyddiwr at { $organisation }
user-new-intro = Mae’r defnyddiwr newydd yn mewngofnodi gyda’i gyfeiriad e-bost a dolen a anfonir drwy e-bost. Gallwch anfon e-bost croeso ato nawr.
user-new-no-roles = Nid oes gan { $organisation } unrhyw rolau eto.
user-new-create-role = Creu rôl
user-new-roles-in = Rolau yn { $organisation }
user-new-body-hint = Gallwch roi rolau ar dudalen yr aelodaeth ar ôl ychwanegu’r defnyddiwr.
user-new-body-hint-superuser = Caiff uwch-ddefnyddwyr ychwanegu defnyddiwr heb sefydliad.
user-new-superuser = Gwneud y defnyddiwr hwn yn uwch-ddefnyddiwr
user-new-send-welcome = Anfon e-bost croeso
user-new-send-welcome-hint = { $count ->
    [one] Mae ynddo ddolen sy’n eu mewngofnodi am y tro cyntaf, ac sy’n gweithio am { $count } diwrnod. Gallwch ei ail-anfon neu ei dynnu’n ôl o’u tudalen.
    [two] Mae ynddo ddolen sy’n eu mewngofnodi am y tro cyntaf, ac sy’n gweithio am { $count } ddiwrnod. Gallwch ei ail-anfon neu ei dynnu’n ôl o’u tudalen.
   *[other] Mae ynddo ddolen sy’n eu mewngofnodi am y tro cyntaf, ac sy’n gweithio am { $count } diwrnod. Gallwch ei ail-anfon neu ei dynnu’n ôl o’u tudalen.
}
user-new-add = Ychwanegu’r defnyddiwr

## Mewnforio defnyddwyr
import-title = Mewnforio defnyddwyr i { $organisation }
import-back = Yn ôl i { $organisation }
import-intro = Fformat FixMyStreet: rhes pennawd <code>{ $columns }</code>, yna un defnyddiwr ar bob llinell. Caiff stwnsh cyfrineiriau fod yn bcrypt; maen nhw’n cael eu huwchraddio pan fydd pob defnyddiwr yn mewngofnodi am y tro cyntaf. Dewiswch y ffeil neu gludo ei chynnwys, yna ei gwirio: nid oes dim yn cael ei ysgrifennu nes bod pob rhes wedi’i derbyn, ac yna mae’r rhesi i gyd yn cael eu mewnforio gyda’i gilydd.
import-checked-file = Gwiriwyd y ffeil { $file }.
import-all-ok = Gellir mewnforio pob rhes: { $count } yn ymuno â { $organisation }, { $with_password } yn dod â chyfrinair.
import-problems-caption = Y problemau, fesul rhes (gall fod mwy nag un mewn rhes)
import-row = Rhes
import-column = Colofn
import-why = Pam
import-more-problems = { $count ->
    [zero] A { $count } problem arall nad ydynt wedi’u rhestru yma. Cywirwch y rhain a gwirio’r ffeil eto.
    [one] Ac { $count } broblem arall nad yw wedi’i rhestru yma. Cywirwch y rhain a gwirio’r ffeil eto.
    [two] A { $count } broblem arall nad ydynt wedi’u rhestru yma. Cywirwch y rhain a gwirio’r ffeil eto.
   *[other] A { $count } problem arall nad ydynt wedi’u rhestru yma. Cywirwch y rhain a gwirio’r ffeil eto.
}
import-button = { $count ->
    [two] Mewnforio { $count } ddefnyddiwr
   *[other] Mewnforio { $count } defnyddiwr
}
import-file = Ffeil CSV
import-file-hint = Wedi’i chadw fel CSV UTF-8, hyd at { $size }.
import-paste = Neu gludo’r CSV
import-check = Gwirio’r ffeil
import-summary-rows = { $count ->
    [zero] { $count } rhes:
    [one] { $count } rhes:
    [two] { $count } res:
   *[other] { $count } rhes:
}
import-summary-checked = gellir mewnforio { $accepted }, mae problemau gyda { $count }
import-summary-imported = { $count ->
    [two] { $count } res: mewnforiwyd { $imported }
   *[other] { $count } rhes: mewnforiwyd { $imported }
}
import-too-large = Mae’r ffeil yn fwy na { $size }, y mwyaf y mae’r dudalen hon yn ei dderbyn. Rhannwch hi’n ffeiliau llai, neu ei mewnforio gyda’r llinell orchymyn (stile import users FILE).
import-unconfirmed = Nid oedd modd cadarnhau’r ffeil a wiriwyd, felly ni fewnforiwyd dim. Gwiriwch y ffeil eto.
import-file-and-text = Dewiswch ffeil neu gludo’r CSV yn y blwch testun, nid y ddau.
import-nothing-chosen = Dewiswch ffeil CSV, neu gludo ei chynnwys yn y blwch testun gan ddechrau gyda’i rhes pennawd.
import-rows-refused = Mae rhai rhesi wedi’u gwrthod, felly ni fewnforiwyd dim. Cywirwch nhw a gwirio eto.
import-problem-not-csv = Nid oes modd darllen y ffeil fel CSV.
import-problem-no-rows = Nid oes rhesi i’w mewnforio yn y ffeil.
import-problem-unknown-column = Colofn anhysbys “{ $column }” yn y pennawd; y colofnau yw { $columns } (dim ond email sy’n ofynnol).
import-problem-column-twice = Mae’r golofn “{ $column }” yn ymddangos ddwywaith yn y pennawd.
import-problem-no-email-column = Nid oes colofn email yn y pennawd; y colofnau disgwyliedig yw { $columns }.
import-file-save-as = Yn Excel, defnyddiwch Cadw Fel a dewis “CSV UTF-8 (Comma delimited)”, yna dewiswch y ffeil honno.
import-file-workbook = Llyfr gwaith taenlen yw’r ffeil, nid ffeil CSV.
import-file-not-csv = Rhaid i’r ffeil fod yn ffeil CSV (mae ei henw yn gorffen gyda .csv).
import-file-empty = Mae’r ffeil yn wag. Dewiswch y ffeil CSV sy’n cynnwys y defnyddwyr.
import-file-utf16 = Mae’r ffeil wedi’i chadw fel testun UTF-16, nid UTF-8.
import-file-not-utf8 = Nid testun UTF-8 yw’r ffeil (mae nod mewn amgodiad arall ar linell { $line }).
import-file-nul = Nid ffeil destun yw’r ffeil: mae beit NUL ar linell { $line }. Dewiswch y ffeil CSV ei hun.
import-file-control = Nid ffeil destun yw’r ffeil: mae nod rheoli ar linell { $line }. Dewiswch y ffeil CSV ei hun.

## Rhaglenni dibynnol
apps-title = Rhaglenni dibynnol
apps-register = Cofrestru rhaglen ddibynnol
apps-none = Nid oes unrhyw raglenni dibynnol wedi’u cofrestru.
apps-caption = Rhaglenni dibynnol cofrestredig
apps-authentication = Dilysu
apps-grants = Grantiau
apps-all = Pob rhaglen ddibynnol
app-title = Rhaglen ddibynnol { $name }
app-superuser-only = Dim ond uwch-ddefnyddiwr sy’n cael rheoli rhaglenni dibynnol.
app-secret-heading = Cyfrinach y cleient
app-secret-once = Copïwch hi nawr i osodiadau’r rhaglen. Dim ond y tro hwn y mae’n cael ei dangos; os caiff ei cholli, gwnewch un newydd.
app-copy-secret = Copïo’r gyfrinach
app-needs = Beth sydd ei angen ar y rhaglen
app-client-id = ID y cleient
app-copy-client-id = Copïo ID y cleient
app-issuer = Cyhoeddwr
app-copy-issuer = Copïo’r cyhoeddwr
app-discovery = URL darganfod
app-copy-discovery = Copïo’r URL darganfod
app-needs-explained = Dim ond yr URL darganfod, ID y cleient a’r gyfrinach sydd eu hangen ar y rhan fwyaf o lyfrgelloedd OpenID Connect. Gweler y canllaw integreiddio, <code>docs/relying-apps.md</code>.
app-client-id-hint = Rhwng 3 a 64 o A–Z, a–z, 0–9, atalnod llawn, tanlinell a chysylltnod. Gadewch yn wag i gael un ar hap.
app-name-hint = Enw’r rhaglen, fel y bydd pobl yn ei weld.
app-redirect-uris = URIs ailgyfeirio
app-redirect-uris-hint = Lle mae’r rhaglen yn cael codau awdurdodi. Un ar bob llinell, wedi’u paru’n union fel y’u rhoddir.
app-post-logout-uris = URIs ailgyfeirio ar ôl allgofnodi
app-post-logout-uris-hint = Lle caiff y rhaglen anfon pobl ar ôl iddynt allgofnodi. Un ar bob llinell, wedi’u paru’n union.
app-backchannel = URI allgofnodi sianel gefn
app-backchannel-hint = Lle mae Stile yn postio tocynnau allgofnodi sianel gefn OIDC. Dewisol.
app-grant-types = Mathau o grant
app-grant-types-hint = Fel arfer authorization_code a refresh_token; client_credentials ar gyfer cleient peiriant.
app-scopes = Cwmpasau
app-scopes-hint = Y cwmpasau y caiff y rhaglen ofyn amdanynt, wedi’u gwahanu gan fylchau.
app-auth-method = Dilysu’r cleient
app-auth-method-hint = client_secret_basic neu client_secret_post ar gyfer rhaglen sydd â chyfrinach; private_key_jwt ar gyfer rhaglen sy’n llofnodi gyda’i hallwedd ei hun (rhowch ei hallweddi cyhoeddus isod); none ar gyfer rhaglen gyhoeddus (PKCE, dim cyfrinach).
app-jwks = Allweddi cyhoeddus (set JWK)
app-jwks-hint = private_key_jwt yn unig: allweddi cyhoeddus y rhaglen fel set JWK, { "{" }"keys": [...]{ "}" }, gydag allweddi RSA (2048 did neu fwy) neu P-256. Neu rhowch yr URL isod yn lle hynny.
app-jwks-uri = URL y set JWK
app-jwks-uri-hint = private_key_jwt yn unig: y cyfeiriad https lle mae’r rhaglen yn cyhoeddi ei hallweddi cyhoeddus. Mae Stile yn eu nôl ac yn eu storio dros dro.
app-alg = Algorithm llofnodi’r tocyn ID
app-namespaces = Y gofodau enwau caniatâd y mae’n eu cael
app-namespaces-hint = Y gofodau enwau y mae’r rhaglen yn cael eu caniatadau, wedi’u gwahanu gan fylchau, er enghraifft fms sm.
app-body = Wedi’i rhwymo i sefydliad
app-body-hint = Mae’r rhaglen wedyn hefyd yn cael rolau’r sefydliad hwnnw fel rhestr syml.
app-claims = Hawliadau sydd bob amser yn y tocyn ID
app-claims-hint = Unrhyw un o email, email_verified, name, given_name, family_name, roles a bodies, wedi’u gwahanu gan fylchau.
app-audience = Cynulleidfa’r tocyn mynediad
app-audience-hint = Gwag: ID y cleient.
app-first-party = Rhaglen parti cyntaf (dim sgrin cydsynio)
app-require-pkce = Mynnu PKCE (dim ond ar gyfer rhaglenni cyfrinachol y caiff ei ddiffodd)
app-require-mfa = Mynnu dilysu dau gam ar gyfer pob mewngofnodi i’r rhaglen hon
app-require-phr = Mynnu allwedd mynediad neu allwedd ddiogelwch (gwrthsefyll gwe-rwydo) ar gyfer pob mewngofnodi i’r rhaglen hon
app-require-par = Mynnu ceisiadau awdurdodi wedi’u gwthio (PAR)
app-require-dpop = Mynnu DPoP: tocynnau dim ond gyda phrawf o allwedd y rhaglen
app-register = Cofrestru
app-admin-rights = Hawliau gweinyddol
app-admin-rights-explained = Beth y caiff y rhaglen ei wneud drwy’r API gweinyddu gyda thocyn client-credentials sy’n cario’r cwmpas stile:admin.
app-acts-as = Yn gweithredu fel
app-level-body = Gweinyddwr sefydliad
app-level-superuser = Uwch-ddefnyddiwr
app-admin-body = Sefydliad (ar gyfer gweinyddwr sefydliad)
app-admin-permissions = Y caniatadau sydd ganddi yno
app-admin-permissions-hint = Allweddi’r catalog wedi’u gwahanu gan fylchau, er enghraifft fms:user_manage_permissions.
app-admin-save = Cadw’r hawliau gweinyddol
app-secret-removal = Cyfrinach a dileu
app-rotate = Gwneud cyfrinach newydd
app-remove = Dileu’r rhaglen hon

## Cysylltiadau mewngofnodi sengl
conns-page-title = Mewngofnodi sengl
conns-title = Cysylltiadau mewngofnodi sengl
conns-intro = Darparwr hunaniaeth y cyngor ei hun yw pob cysylltiad: mae staff sydd â chyfeiriad yn ei barthau e-bost yn mewngofnodi yno, ac mae eu haelodaeth a’u rolau yn ei sefydliad yn dilyn yr hyn y mae’n ei ddweud.
conns-add-oidc = Ychwanegu cysylltiad OpenID Connect
conns-add-saml = Ychwanegu cysylltiad SAML
conns-none = Nid oes unrhyw gysylltiadau SSO.
conns-caption = Cysylltiadau SSO
conns-kind = Math
conns-sign-in = Mewngofnodi
conns-mode-offered = wedi’i gynnig
conns-mode-required = gorfodol
conns-all = Pob cysylltiad SSO
conn-title = Cysylltiad SSO { $name }
conn-add-title = Ychwanegu cysylltiad SSO
conn-superuser-only = Dim ond uwch-ddefnyddiwr sy’n cael rheoli cysylltiadau SSO.
conn-choose-kind = Dewiswch y math o gysylltiad: oidc neu saml.
conn-test-worked = Roedd y prawf yn llwyddiannus
conn-test-failed-heading = Methodd y prawf
conn-test-nothing-saved = Nid oes dim wedi’i gadw.
conn-test-secret-again = Rhowch gyfrinach y cleient eto cyn ychwanegu’r cysylltiad.
conn-idp-heading = Beth i’w roi i’r darparwr hunaniaeth
conn-redirect-uri = URI ailgyfeirio
conn-client-secret = Cyfrinach y cleient
conn-secret-stored = Wedi’i storio (byth yn cael ei dangos)
conn-sp-metadata = URL metadata’r SP (dynodydd endid)
conn-acs = Gwasanaeth defnyddiwr honiadau (HTTP-POST)
conn-idp-entity-id = Dynodydd endid yr IdP
conn-idp-sso-url = URL mewngofnodi’r IdP
conn-idp-certificates = Tystysgrifau ymddiried yr IdP (SHA-256)
conn-name-hint = Yr hyn y mae pobl yn ei weld: "Mewngofnodi gyda …".
conn-body-hint = Mae mewngofnodi drwy’r cysylltiad hwn yn gosod aelodaeth a rolau yn y sefydliad hwn.
conn-choose-organisation = Dewiswch sefydliad
conn-issuer = URL y cyhoeddwr
conn-issuer-hint = Er enghraifft https://login.microsoftonline.com/TENANT/v2.0 neu https://accounts.google.com.
conn-secret-hint = Wedi’i storio wedi’i hamgryptio a byth yn cael ei dangos eto.
conn-scopes = Cwmpasau heblaw openid
conn-hd = Parth wedi’i letya Google Workspace
conn-hd-hint = Gadewch yn wag oni bai mai Google Workspace yw’r IdP.
conn-md-url = URL metadata’r IdP
conn-md-url-hint = Yn cael ei nôl unwaith, nawr.
conn-md-url-hint-again = Rhowch hwn (neu’r ddogfen) dim ond i fewnforio metadata’r IdP eto, er enghraifft ar ôl newid tystysgrif.
conn-md-url-hint-paste = Neu gludo’r ddogfen isod.
conn-md-xml = Dogfen metadata’r IdP (XML)
conn-domains = Parthau e-bost
conn-domains-hint = Un ar bob llinell, er enghraifft camden.gov.uk. Mae pobl sydd â’r cyfeiriadau hyn yn cael eu hanfon at yr IdP hwn.
conn-mode = Mewngofnodi ar gyfer y parthau hynny
conn-mode-offered = Wedi’i gynnig: mae cyfrinair a dolenni drwy e-bost yn dal i weithio
conn-mode-required = Gorfodol: dim ond yr IdP hwn ar gyfer y parthau hyn
conn-claim-mapping = Mapio hawliadau
conn-email-claim = Hawliad e-bost
conn-email-attribute = Priodoledd e-bost (gwag: y NameID)
conn-name-claim = Hawliad enw
conn-name-attribute = Priodoledd enw
conn-groups-claim = Hawliad grwpiau
conn-groups-attribute = Priodoledd grwpiau
conn-group-roles = Mapio grwpiau i rolau
conn-group-roles-hint = Un ar bob llinell: GRŴP = RÔL, gyda rôl yn y sefydliad. Mae rolau wedi’u mapio nad yw’r IdP yn eu rhoi mwyach yn cael eu dileu wrth fewngofnodi nesaf.
conn-group-roles-form = Ysgrifennwch bob mapiad grŵp fel GRŴP = RÔL, nid { $line }.
conn-mfa-values-oidc = Gwerthoedd amr sy’n golygu bod ail ffactor wedi’i ddefnyddio
conn-mfa-values-saml = Gwerthoedd AuthnContextClassRef sy’n golygu bod ail ffactor wedi’i ddefnyddio
conn-separated-by-spaces = Wedi’u gwahanu gan fylchau.
conn-one-a-line = Un ar bob llinell.
conn-mfa-values-hint = Dim ond pan ymddiriedir yn MFA yr IdP y cânt eu defnyddio.
conn-show-button = Dangos botwm "Mewngofnodi gyda …" ar y dudalen fewngofnodi
conn-trust-mfa = Ymddiried yn nilysu dau gam yr IdP
conn-trust-phr = Ymddiried yn yr IdP i ddweud bod allwedd mynediad neu allwedd ddiogelwch wedi’i defnyddio (yn bodloni’r lefel gwrthsefyll gwe-rwydo)
conn-jit = Creu cyfrifon wrth fewngofnodi am y tro cyntaf (mewn union bryd)
conn-userinfo = Darllen y pwynt terfyn userinfo hefyd
conn-sign-requests = Llofnodi ceisiadau dilysu
conn-idp-initiated = Derbyn mewngofnodi y mae’r IdP yn ei ddechrau
conn-add = Ychwanegu’r cysylltiad
conn-test = Profi’r cysylltiad
conn-test-hint-oidc = Mae profi yn nôl dogfen ddarganfod ac allweddi’r IdP nawr ac yn dangos beth a gafwyd; nid oes dim yn cael ei gadw.
conn-test-hint-saml = Mae profi yn nôl metadata’r IdP nawr ac yn dangos beth a gafwyd; nid oes dim yn cael ei gadw.
conn-new-secret-explained = Pan fydd yr IdP yn rhoi cyfrinach newydd i Stile, storiwch hi yma. Nid yw byth yn cael ei dangos.
conn-new-secret = Cyfrinach newydd y cleient
conn-give-new-secret = Rhowch y gyfrinach cleient newydd a roddodd yr IdP.
conn-store-secret = Storio’r gyfrinach newydd
conn-remove-heading = Dileu
conn-remove-explained = Mae dileu’r cysylltiad yn dileu ei barthau e-bost a’i gysylltiadau â chyfrifon; mae’r cyfrifon a’u haelodaethau yn aros.
conn-remove = Dileu’r cysylltiad hwn
conn-test-problem = Problem
conn-test-none = dim
conn-test-no-issuer = Rhowch URL y cyhoeddwr i’w brofi.
conn-test-sign-in-endpoint = Pwynt terfyn mewngofnodi
conn-test-token-endpoint = Pwynt terfyn tocynnau
conn-test-signing-keys = Allweddi llofnodi
conn-test-oidc-incomplete = Nid yw’r IdP yn cyhoeddi pwynt terfyn tocynnau nac allweddi llofnodi, felly ni all mewngofnodi weithio.
conn-test-bad-issuer = Nid yw’r cyhoeddwr yn URL dilys.
conn-test-discovery-failed = Nid oedd modd nôl na darllen ei ddogfen ddarganfod (y cyhoeddwr ac yna /.well-known/openid-configuration), neu nid oedd modd nôl ei allweddi.
conn-test-failed = Nid oedd modd profi’r IdP.
conn-test-metadata = Metadata
conn-test-metadata-stored = Wedi’i storio; rhowch URL neu ddogfen metadata i brofi un arall.
conn-test-metadata-unreadable = Nid oedd modd darllen y metadata.
conn-test-metadata-unusable = Nid oes modd defnyddio’r ddogfen metadata: { $why }
conn-test-no-metadata = Rhowch URL metadata’r IdP neu gludo ei ddogfen metadata i’w phrofi.
conn-test-certificates = Tystysgrifau llofnodi (SHA-256)
people-bad-bulk-action = Nid yw hynny’n rhywbeth y gellir ei wneud i ddefnyddwyr.
people-bad-user-action = Nid yw hynny’n rhywbeth y gellir ei wneud i ddefnyddiwr.
people-bad-invitation-action = Nid yw hynny’n rhywbeth y gellir ei wneud i wahoddiad.

## Gwrthodiadau’r haen wasanaeth y mae’r tudalennau hyn yn eu dangos (src/web/admin/users/refusals.rs).
refusal-no-such-organisation = Nid oes sefydliad o’r fath.
refusal-last-superuser = Dyma’r uwch-ddefnyddiwr olaf; gwnewch rywun arall yn uwch-ddefnyddiwr yn gyntaf.
refusal-banned = Mae’r cyfeiriad e-bost hwn neu ei barth wedi’i wahardd.
refusal-oidc-needs-secret = Mae angen cyfrinach y cleient ar gysylltiad OIDC i fyny’r afon.
refusal-remove-self = Ni allwch ddileu eich cyfrif eich hun yma.
refusal-own-account = Ni allwch wneud hyn i’ch cyfrif eich hun; gofynnwch i uwch-ddefnyddiwr arall.
refusal-not-an-administrator = Nid ydych yn weinyddwr unrhyw sefydliad.
refusal-alg = Defnyddiwch RS256 neu ES256.
refusal-invitation-withdrawn = Mae’r gwahoddiad hwn wedi’i dynnu’n ôl; anfonwch un newydd yn lle hynny.
refusal-invitation-accepted = Mae’r gwahoddiad hwn eisoes wedi’i dderbyn.
refusal-invite-gone = Mae’r gwahoddiad hwn wedi dod i ben neu wedi cael ei ddefnyddio’n barod. Gofynnwch i’r sefydliad am un newydd.
refusal-invite-welcome-gone = Mae’r ddolen hon wedi dod i ben, wedi cael ei disodli gan e-bost mwy diweddar, neu wedi cael ei defnyddio’n barod. Mewngofnodwch gyda’ch cyfeiriad e-bost yn lle hynny.
refusal-invite-other-address = Anfonwyd y gwahoddiad hwn i gyfeiriad e-bost arall. Allgofnodwch, yna mewngofnodwch gyda’r cyfeiriad yr anfonwyd ef ato.
refusal-invite-inactive = Nid yw { $org } yn weithredol, felly ni all dderbyn aelodau newydd ar hyn o bryd.
refusal-invite-changed = Mae’r hyn y byddai’r gwahoddiad hwn yn ei roi i chi wedi newid ers ei anfon. Gofynnwch i’r sefydliad am un newydd.
refusal-invite-member = Rydych eisoes yn aelod o { $org }.
refusal-invite-inviter = Ni all pwy bynnag a anfonodd y gwahoddiad hwn roi’r hyn y mae’n ei gynnig mwyach. Gofynnwch i’r sefydliad am un newydd.
refusal-invite-account-blocked = Nid oes modd mewngofnodi i’r cyfrif hwn. Gofynnwch i’r sefydliad a’i creodd.
refusal-invite-sso = Mae eich sefydliad yn eich mewngofnodi drwy ei fewngofnodi sengl: defnyddiwch y dudalen fewngofnodi.
refusal-invitations-too-many = { $count ->
    [one] Mae { $count } e-bost gwahoddiad eisoes wedi’i anfon i’r cyfeiriad hwn yn yr awr ddiwethaf. Rhowch gynnig arall arni yn nes ymlaen.
   *[other] Mae { $count } o negeseuon e-bost gwahoddiad eisoes wedi’u hanfon i’r cyfeiriad hwn yn yr awr ddiwethaf. Rhowch gynnig arall arni yn nes ymlaen.
}
refusal-sign-in-emails-too-many = { $minutes ->
    [two] Mae gormod o negeseuon e-bost mewngofnodi wedi’u hanfon; rhowch gynnig arall arni ymhen { $minutes } funud.
   *[other] Mae gormod o negeseuon e-bost mewngofnodi wedi’u hanfon; rhowch gynnig arall arni ymhen { $minutes } munud.
}
refusal-account-disabled = Mae’r cyfrif hwn wedi’i analluogi; galluogwch ef yn gyntaf.
refusal-welcome-disabled = Mae’r cyfrif hwn wedi’i analluogi, felly ni ellir anfon ei e-bost croeso eto. Galluogwch ef yn gyntaf.
refusal-welcome-removed = Mae’r cyfrif hwn wedi’i ddileu, felly ni ellir anfon ei e-bost croeso eto.
refusal-mode = Rhaid i’r modd fod yn offered neu’n required.
refusal-metadata-https = Rhaid i URL y metadata fod yn gyfeiriad https://.
refusal-kind = Rhaid i’r math fod yn oidc neu’n saml.
refusal-jwks-oct = Mae’r set allweddi yn cynnwys allwedd cyfrinach a rennir (oct). Mae angen allweddi cyhoeddus RSA neu P-256 y rhaglen ar private_key_jwt; ar gyfer cyfrinach a rennir defnyddiwch client_secret_basic.
refusal-saml-setting = Mae’r gosodiad hwnnw ar gyfer cysylltiadau SAML.
refusal-search-too-long = Chwiliwch am 200 nod ar y mwyaf.
refusal-list-page-link = Nid yw’r ddolen dudalen honno’n ddilys; dechreuwch o’r dudalen gyntaf.
refusal-list-role = Nid yw’r rôl honno’n un o rolau’r sefydliad.
refusal-list-role-organisation = Dewiswch sefydliad i hidlo yn ôl un o’i rolau.
refusal-list-status = Dewiswch statws o’r rhestr.
refusal-list-two-factor = Dewiswch fath o ddilysu dau gam o’r rhestr.
refusal-list-last-sign-in = Dewiswch gyfnod mewngofnodi diwethaf o’r rhestr.
refusal-bulk-organisation = Dewiswch y sefydliad i ychwanegu’r defnyddwyr ato.
refusal-no-account-create = Nid oes cyfrif â’r cyfeiriad e-bost hwnnw; crëwch y defnyddiwr yn lle hynny.
refusal-mfa-floor-passkeys = Gwnaeth uwch-ddefnyddiwr allweddi mynediad yn ofynnol ar gyfer { $org }; dim ond uwch-ddefnyddiwr all ostwng hynny eto.
refusal-mfa-floor-two-factor = Gwnaeth uwch-ddefnyddiwr ddilysu dau gam yn ofynnol ar gyfer { $org }; dim ond uwch-ddefnyddiwr all ei wneud yn ddewisol eto.
refusal-welcome-sso-untick = Mae pobl sydd â’r cyfeiriad e-bost hwn yn mewngofnodi drwy fewngofnodi sengl eu sefydliad, felly ni ellir anfon e-bost croeso; gadewch y blwch heb ei dicio.
refusal-welcome-sso = Mae pobl sydd â’r cyfeiriad e-bost hwn yn mewngofnodi drwy fewngofnodi sengl eu sefydliad, felly ni ellir anfon e-bost croeso.
refusal-metadata-missing = Gludwch ddogfen metadata’r IdP neu rhowch yr URL lle mae wedi’i chyhoeddi.
refusal-email-banned-superuser = Mae cyfeiriad y cyfrif hwn wedi’i wahardd; dim ond uwch-ddefnyddiwr sy’n cael ei newid.
refusal-enable-address-not-kept = Nid yw cyfeiriad y cyfrif hwn wedi’i ysgrifennu fel y mae Stile yn cadw cyfeiriadau nawr; newidiwch ei gyfeiriad cyn ei alluogi.
refusal-email-change-superuser = Dim ond uwch-ddefnyddiwr sy’n cael newid cyfeiriad e-bost cyfrif y mae ei berchennog eisoes wedi mewngofnodi ag ef; gall y perchennog ei newid ei hun o dudalen ei gyfrif.
refusal-saml-no-secret = Dim ond cysylltiadau OIDC sydd â chyfrinach cleient; allwedd cysylltiad SAML yw ei allwedd ei hun.
refusal-domain-taken = Mae un o’r parthau e-bost hyn eisoes yn cael ei wasanaethu gan gysylltiad arall.
refusal-conn-metadata-fetch = Nid oedd modd nôl metadata’r IdP o { $url }.
refusal-conn-no-role = Nid oes gan { $org } rôl { $role }; y rolau sydd ganddo yw: { $have }
refusal-oidc-settings = Mae’r cyhoeddwr, ID a chyfrinach y cleient, y cwmpasau, userinfo a’r parth wedi’i letya ar gyfer cysylltiadau OIDC.
refusal-saml-settings = Mae metadata’r IdP, llofnodi ceisiadau a mewngofnodi a ddechreuir gan yr IdP ar gyfer cysylltiadau SAML.
refusal-give-secret = Rhowch y gyfrinach cleient a roddodd yr IdP i Stile.
refusal-metadata-both = Rhowch fetadata’r IdP naill ai fel dogfen neu fel URL, nid y ddau.
refusal-connection-organisation = Dewiswch y sefydliad y mae ei staff yn mewngofnodi drwy’r cysylltiad hwn.
refusal-app-organisation = Dewiswch y sefydliad y mae’r rhaglen yn ei weinyddu.
refusal-access-level = Dewiswch lefel y mynediad: dim, gweinyddwr sefydliad neu uwch-ddefnyddiwr.
refusal-auth-method = Dewiswch sut mae’r rhaglen yn dilysu: client_secret_basic, client_secret_post, private_key_jwt neu none (rhaglen gyhoeddus).
refusal-secret-own-action = Newidiwch gyfrinach y cleient gyda’i gweithred ei hun (cylchdroi’r gyfrinach).
refusal-name = Rhaid i enw fod yn 200 nod ar y mwyaf, heb nodau rheoli.
refusal-connection-organisation-fixed = Ni ellir newid sefydliad cysylltiad; ychwanegwch gysylltiad newydd yn lle hynny.
refusal-connection-kind-fixed = Ni ellir newid math cysylltiad; ychwanegwch gysylltiad newydd yn lle hynny.
refusal-client-id-fixed = Ni ellir newid ID cleient.
refusal-client-name = Mae angen enw ar raglen.
refusal-client-grant = Mae angen o leiaf un math o grant ar raglen: authorization_code, refresh_token neu client_credentials.
refusal-client-redirect = Mae angen o leiaf un URI ailgyfeirio ar y grant authorization_code.
refusal-client-refresh = Mae angen y grant authorization_code hefyd ar y grant refresh_token.
refusal-client-public = Nid oes gan y rhaglen hon gyfrinach i’w chylchdroi: mae’n gyhoeddus, neu’n dilysu gyda’i hallwedd ei hun (private_key_jwt).
refusal-client-id = Nid yw ID cleient { $id } yn ddilys: defnyddiwch 3 i 64 o A-Z a-z 0-9 . _ -
refusal-client-name-long = Rhaid i enw’r rhaglen fod yn { $max } nod ar y mwyaf, heb nodau rheoli.
refusal-client-scope = Nid yw’r cwmpas { $scope } yn ddilys: defnyddiwch { $known } neu enw mewn llythrennau bach o a-z 0-9 _ . : - sy’n dechrau â llythyren.
refusal-client-namespace = Nid yw’r gofod enwau caniatâd { $ns } yn ddilys: defnyddiwch enw mewn llythrennau bach o a-z 0-9 _ sy’n dechrau â llythyren, fel fms neu sm.
refusal-client-claim = Nid yw’r hawliad tocyn ID { $claim } yn un y gall Stile ei ychwanegu; dewiswch o { $claims }.
refusal-client-audience = Rhaid i gynulleidfa’r tocyn mynediad { $aud } fod yn werth heb fylchau nad yw’n wag, fel URL yr API.
refusal-client-body-empty = Mae ID y sefydliad y mae’r rhaglen ynghlwm wrtho yn wag.
refusal-client-credentials-public = Mae angen cleient cyfrinachol ar client_credentials (client_secret_basic neu client_secret_post): nid oes gan gleient cyhoeddus gyfrinach.
refusal-client-public-code = Rhaid i gleient cyhoeddus (dull dilysu none) ganiatáu’r grant authorization_code.
refusal-client-public-pkce = Mae cleient cyhoeddus (dull dilysu none) bob amser yn gofyn am PKCE; ni ellir ei ddiffodd.
refusal-client-keys-both = Rhowch allweddi’r cleient naill ai yn y ffurflen (JWKS) neu fel URI JWKS, nid y ddau.
refusal-client-keys-missing = Mae angen ei allweddi cyhoeddus ar gleient private_key_jwt: set JWK, neu’r URI https lle mae’n cyhoeddi un.
refusal-client-jwks-unusable = Nid oes modd defnyddio’r set JWK: { $reason }.
refusal-client-keys-other = Dim ond cleient private_key_jwt sydd â set JWK neu URI JWKS; mae’r un hwn yn defnyddio { $method }.
refusal-client-no-body = Nid oes sefydliad â’r ID { $id }.
refusal-client-grant-unknown = Nid yw { $grant } yn fath o grant y mae Stile yn ei gefnogi.
refusal-uri-empty = Mae { $uritype } yn wag.
refusal-uri-long = Mae { $uritype } yn hirach na { $max } nod.
refusal-uri-spaces = Mae { $uritype } { $uri } yn cynnwys bylchau neu nodau rheoli.
refusal-uri-fragment = Ni ddylai { $uritype } { $uri } gynnwys darn (y rhan o #).
refusal-uri-not-absolute = Nid yw { $uritype } { $uri } yn URL absoliwt.
refusal-uri-credentials = Ni ddylai { $uritype } { $uri } gynnwys enw defnyddiwr na chyfrinair.
refusal-uri-http = Mae { $uritype } { $uri } yn defnyddio http ar westeiwr nad yw’n loopback: { $allowed }.
refusal-uri-scheme = Mae gan { $uritype } { $uri } y cynllun { $scheme }: { $allowed }.
admin-uri-allowed-private = defnyddiwch https, http ar 127.0.0.1, [::1] neu localhost yn unig, neu gynllun preifat rhaglen frodorol fel com.example.app:/callback
admin-uri-allowed = defnyddiwch https, neu http ar 127.0.0.1, [::1] neu localhost yn unig
admin-uri-type-redirect = URI ailgyfeirio
admin-uri-type-post-logout = URI ailgyfeirio ar ôl allgofnodi
admin-uri-type-backchannel = URI allgofnodi sianel gefn
admin-uri-type-jwks = URI JWKS
admin-refusal-jwks-unusable = Nid oes modd defnyddio’r allweddi cyhoeddus: { $reason }.
refusal-jwk-missing = nid oes gan yr allwedd { $member }
refusal-jwk-not-base64url = nid yw { $member } yr allwedd yn base64url
refusal-jwk-not-object = nid yw allwedd yn wrthrych JSON
refusal-jwk-private = mae’r set allweddi yn cynnwys allwedd breifat neu gymesur: rhowch allweddi cyhoeddus yn unig
refusal-jwk-not-sig = nid sig yw use allwedd
refusal-jwk-kid = nid yw kid allwedd yn llinyn byr
refusal-jwk-rsa-size = rhaid i allwedd RSA fod rhwng 2048 ac 8192 did
refusal-jwk-rsa-exponent = nid yw esbonydd allwedd RSA yn ddilys
refusal-jwk-curve = rhaid i allwedd EC fod ar y gromlin P-256 (ES256)
refusal-jwk-ec-size = rhaid i x ac y allwedd EC fod yn 32 beit yr un
refusal-jwk-kty = ni dderbynnir y math o allwedd { $kty }: defnyddiwch RSA neu EC (P-256)
refusal-jwk-alg-mismatch = nid yw alg { $alg } allwedd yn gweddu i’w math
refusal-jwk-alg = ni dderbynnir yr algorithm { $alg }: defnyddiwch RS256, PS256 neu ES256
refusal-jwk-too-large = mae’r set JWK yn rhy fawr
refusal-jwk-not-json = nid yw’r set JWK yn JSON
refusal-jwk-no-keys = rhaid i’r set JWK fod yn wrthrych JSON gydag arae keys
refusal-jwk-too-many = mae gan y set JWK fwy na { $max } allwedd
refusal-jwk-no-signing-key = nid oes allwedd lofnodi RSA na P-256 yn y set JWK
refusal-jwk-same-kid = mae gan ddwy allwedd yn y set JWK yr un kid

## Mewnforio: problemau gyda rhes
refusal-import-repeated = Mae { $email } hefyd ar res { $first }; dim ond unwaith y caiff pob cyfeiriad ymddangos
refusal-import-looks-like-row = Mae { $email } yn edrych yr un fath â { $other } ar res { $first }; rhaid i gyfeiriad pob cyfrif edrych yn wahanol (mae'r un llythrennau o wyddor arall, gydag acenion, neu gyda nodau anweledig yn edrych yr un fath)
refusal-import-has-account = Mae gan { $email } gyfrif yn barod; nid yw mewnforio byth yn newid cyfrif sy'n bodoli
refusal-import-looks-like-account = Mae { $email } yn edrych yr un fath â chyfeiriad cyfrif sy'n bodoli; rhaid i gyfeiriad pob cyfrif edrych yn wahanol (mae'r un llythrennau o wyddor arall, gydag acenion, neu gyda nodau anweledig yn edrych yr un fath)
refusal-import-banned = Mae { $email } wedi'i wahardd (tabl camddefnydd)
refusal-import-name-long = mae'r enw'n hirach na { $max } nod
refusal-import-no-role = Nid oes gan { $org } rôl { $role }
refusal-import-not-permission = Nid yw { $perm } yn y catalog caniatâd
refusal-import-no-organisation = nid oes gan unrhyw sefydliad yr id FixMyStreet, yr id na'r enw { $name }
refusal-import-other-organisation = mae'r mewnforio hwn i { $into }; mae'r rhes yn enwi sefydliad arall ({ $other })
refusal-import-hash = nid yw'n stwnsh bcrypt ($2a$/$2b$/$2y$, 60 nod) nac argon2; gadewch ef yn wag os nad oes cyfrinair
refusal-import-fields = mae gan y rhes { $len } o feysydd lle mae gan y pennawd { $expected }; rhaid i faes sy’n cynnwys coma fod rhwng dyfynodau dwbl
refusal-import-not-utf8 = nid yw’r rhes yn destun UTF-8; cadwch y ffeil fel CSV UTF-8
refusal-import-unreadable = nid oes modd darllen y rhes
refusal-import-bad-email = nid oes modd defnyddio { $value } fel cyfeiriad e-bost: { $reason }
refusal-import-name-control = mae’r enw’n cynnwys nodau rheoli
refusal-import-roles-no-organisation = rhoddir rolau a chaniatadau ond dim sefydliad i’w dal
refusal-import-superuser-no-organisation = Dim ond uwch-ddefnyddiwr all fewnforio defnyddwyr nad ydynt yn ymuno ag unrhyw sefydliad.
refusal-import-superuser-many = Dim ond uwch-ddefnyddiwr all fewnforio defnyddwyr i fwy nag un sefydliad.
refusal-import-hash-stall = { $reason }; byddai stwnsh o’r fath yn arafu mewngofnodi i bawb
refusal-hash-argon2-unreadable = nid oes modd darllen y stwnsh argon2
refusal-hash-argon2-range = mae paramedrau’r stwnsh argon2 y tu allan i’r ystod
refusal-hash-argon2-cost = cost y stwnsh argon2 yw { $cost }; yr uchafswm a dderbynnir yw { $most } ([password] max_argon2_*)
refusal-hash-bcrypt-cost = cost y stwnsh bcrypt yw { $cost }; yr uchafswm a dderbynnir yw { $most } ([password] max_bcrypt_cost)
refusal-hash-bcrypt-unreadable = nid oes modd darllen cost y stwnsh bcrypt
refusal-hash-unknown = nid yw’n stwnsh bcrypt nac argon2
refusal-account-sso-password = Rhaid i gyfeiriadau yn { $domain } fewngofnodi drwy fewngofnodi sengl eu sefydliad, felly ni all eu cyfrifon gael cyfrinair; gadewch y cyfrinair (stwnsh) allan.
refusal-account-no-organisation = Dim ond uwch-ddefnyddiwr all greu cyfrifon nad ydynt yn ymuno ag unrhyw sefydliad.
refusal-account-other-sso = Mae { $domain } yn mewngofnodi drwy fewngofnodi sengl sefydliad arall; dim ond uwch-ddefnyddiwr all greu cyfrifon yno.
refusal-account-other-domain = Mae { $domain } yn barth e-bost sefydliad arall; dim ond uwch-ddefnyddiwr all greu cyfrifon yno. Gwahoddwch yr unigolyn fel aelod yn lle hynny os dylai ymuno â’ch un chi.
refusal-account-not-own-domain = Dim ond cyfrifon â chyfeiriad yn un o barthau e-bost eich sefydliad y gallwch eu creu, ac nid yw { $domain } yn un ohonynt; gwahoddwch yr unigolyn fel aelod drwy e-bost yn lle hynny.
