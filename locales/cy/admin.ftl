# Y rhyngwyneb gweinyddu (templates/admin/*, src/web/admin/*): sefydliadau, rolau, aelodaeth,
# gwaharddiadau a'r log archwilio, a'r hyn y mae pob tudalen weinyddu yn ei rannu. Gweler
# locales/cy/GLOSSARY.md am y termau.

## Pob tudalen weinyddu
admin-title = Gweinyddu
admin-nav-home = Trosolwg
admin-nav-users = Defnyddwyr
admin-nav-bodies = Sefydliadau
admin-nav-audit = Log archwilio
admin-nav-clients = Rhaglenni dibynnol
admin-nav-connections = Mewngofnodi sengl
admin-nav-bans = Gwaharddiadau
admin-none = Dim
admin-never = Byth
admin-first-page = Y dudalen gyntaf
admin-back-to = Yn ôl i { $name }

## Enwau meysydd a rennir gan sawl tudalen
admin-field-name = Enw
admin-field-kind = Math
admin-field-status = Statws
admin-field-domains = Parthau e-bost
admin-field-email = E-bost
admin-field-roles = Rolau
admin-field-role = Rôl
admin-field-membership = Aelodaeth
admin-field-permissions = Caniatadau
admin-field-two-factor = Dau gam
admin-field-2fa = Dilysu dau gam
admin-field-fms-id = Rhif corff FixMyStreet
admin-field-description = Disgrifiad
admin-field-organisation = Sefydliad

## Mathau a statws sefydliadau, mathau o aelodau
admin-kind-council = Cyngor
admin-kind-highway-authority = Awdurdod priffyrdd
admin-kind-promoter = Hyrwyddwr
admin-kind-contractor = Contractwr
admin-kind-other = Arall
admin-status-active = Gweithredol
admin-status-suspended = Wedi’i atal
admin-status-disabled = Wedi’i analluogi
admin-mfa-optional = Dewisol
admin-mfa-required = Gofynnol i bob aelod
admin-mfa-phishing-resistant = Gwrthsefyll gwe-rwydo (allwedd mynediad neu allwedd ddiogelwch) i bob aelod
admin-member-kind-staff = staff
admin-member-kind-staff-manager = rheolwr staff
admin-member-kind-planner = cynllunydd
admin-member-kind-highway-authority = awdurdod priffyrdd
admin-member-kind-contractor = contractwr
admin-member-kind-admin = gweinyddwr

## Trosolwg
admin-home-superuser = Rydych yn uwch-ddefnyddiwr: gallwch reoli pob sefydliad, defnyddiwr, rhaglen ddibynnol, cysylltiad mewngofnodi sengl a gwaharddiad.
admin-home-yours = Sefydliadau rydych yn eu rheoli
admin-home-none = Does dim sefydliadau eto.
admin-home-add-one = Ychwanegu un
admin-home-find-user = Dod o hyd i ddefnyddiwr
admin-home-flagged = Defnyddwyr wedi’u nodi
admin-home-add-user = Ychwanegu defnyddiwr

## Sefydliadau
admin-bodies-none = Does dim sefydliadau rydych yn eu rheoli.
admin-body-new-title = Ychwanegu sefydliad
admin-body-new-intro = Caiff templedi rolau ei fath eu copïo iddo fel ei rolau cyntaf.
admin-body-new-submit = Ychwanegu’r sefydliad
admin-body-choose-kind = Dewiswch fath
admin-body-status-hint = Ni all aelodau sefydliad sydd wedi’i atal neu wedi’i analluogi fewngofnodi i weithredu ar ei ran.
admin-body-password-min = Isafswm hyd cyfrinair
admin-body-password-min-hint = Gadewch yn wag i ddefnyddio rheol y gwasanaeth ei hun. Dim ond gwneud cyfrineiriau’n hirach y gall ei wneud.
admin-body-swa-code = Cod SWA
admin-body-swa-code-long = Cod gwaith stryd (SWA)
admin-body-sso = Cysylltiad mewngofnodi sengl
admin-body-sso-hint = Un o gysylltiadau mewngofnodi sengl y sefydliad hwn ei hun.
admin-body-sso-hint-none = Un o gysylltiadau mewngofnodi sengl y sefydliad hwn ei hun (does ganddo ddim un eto: ychwanegwch un o dan <a href="/admin/connections">Mewngofnodi sengl</a>).
admin-body-domains-hint = Un ar bob llinell, er enghraifft camden.gov.uk. Caiff pobl sydd â’r cyfeiriadau hyn eu hanfon i dudalen fewngofnodi’r sefydliad hwn.
admin-body-mfa-floor = (wedi’i osod gan uwch-ddefnyddiwr: ni ellir ei wneud yn ddewisol yma)
admin-body-members = Aelodau
admin-body-members-with-role = Aelodau sydd â’r rôl { $role }
admin-body-with-role = sydd â’r rôl { $role }
admin-body-add-user = Ychwanegu defnyddiwr at { $name }
admin-body-import = Mewnforio defnyddwyr o ffeil CSV
admin-body-all-members = Pob aelod
admin-body-role-nobody = Does neb â’r rôl hon.
admin-body-no-members = Does dim aelodau eto.
admin-body-members-of = Aelodau { $name }
admin-body-disabled-by-directory = wedi’i analluogi gan y cyfeiriadur
admin-body-roles-and-access = Rolau a mynediad
admin-body-of = { $email }
admin-body-member-pages = Tudalennau aelodau
admin-body-next-members = Tudalen nesaf yr aelodau
admin-body-create-role = Creu rôl
admin-body-no-roles = Does dim rolau eto.
admin-body-roles-in = Rolau yn { $name }
admin-body-contractors = Sefydliadau contractwyr
admin-body-works-for = Yn gweithio i: { $names }.
admin-body-no-contractors = Does dim contractwyr wedi’u cysylltu.
admin-body-unlink = Datgysylltu
admin-body-link-label = Cysylltu sefydliad contractwr (ei ddynodydd)
admin-body-link-submit = Cysylltu’r contractwr
admin-body-settings = Gosodiadau
admin-body-save = Cadw’r gosodiadau
admin-body-pick-contractor = Dewiswch neu rhowch sefydliad contractwr.
admin-body-no-such-org = Does dim sefydliad â’r dynodydd hwnnw.
admin-body-min-length-number = Rhaid i isafswm hyd y cyfrinair fod yn rhif cyfan.
admin-scim-title = Darparu cyfrifon (SCIM)
admin-scim-secret-title = Tocyn cyfrinachol SCIM
admin-scim-secret-copy = Copïwch ef i osodiadau darparu’r cyfeiriadur nawr: ni chaiff ei ddangos eto.
admin-scim-copy = Copïo’r gyfrinach
admin-scim-tenant-url = URL y tenant: <code>{ $url }</code> (gweler <code>docs/scim.md</code> ar gyfer Entra ID ac Okta).
admin-scim-last-sync = Cysoni diwethaf
admin-scim-users = Defnyddwyr a ddarparwyd
admin-scim-users-count = { $count } ({ $disabled } wedi’u hanalluogi)
admin-scim-groups = Grwpiau
admin-scim-last-error = Gwall diwethaf
admin-scim-tokens-of = Tocynnau SCIM { $name }
admin-scim-label = Label
admin-scim-created = Crëwyd
admin-scim-last-used = Defnyddiwyd ddiwethaf
admin-scim-state = Cyflwr
admin-scim-no-label = (dim label)
admin-scim-revoked = Wedi’i ddirymu
admin-scim-revoke = Dirymu
admin-scim-the-token = y tocyn { $label }
admin-scim-new-label = Label ar gyfer tocyn SCIM newydd (er enghraifft, Entra ID)
admin-scim-make = Creu tocyn SCIM
admin-data-title = Data’r sefydliad
admin-data-intro = Popeth am { $name } mewn un ffeil JSON: ei osodiadau, ei aelodau, ei rolau, ei ffrydiau gwaith, ei ardaloedd a’i log archwilio.
admin-data-download = Lawrlwytho holl ddata’r sefydliad

## Rolau
admin-role-title = Rôl: { $name }
admin-role-title-in = Rôl { $name } yn { $org }
admin-role-new-in = Rôl newydd yn { $org }
admin-role-template = Dechrau o dempled
admin-role-template-hint = Daw’r meysydd rydych yn eu gadael yn wag, a’r caniatadau os na fyddwch yn ticio dim, o’r templed.
admin-role-no-template = Dim templed
admin-role-sm-role = Y rôl Street Manager y mae’n ei chynrychioli
admin-role-mfa-required = Rhaid i ddeiliaid ddefnyddio dilysu dau gam
admin-role-phishing-resistant = Rhaid i ddeiliaid ddefnyddio allwedd mynediad neu allwedd ddiogelwch (gwrthsefyll gwe-rwydo)
admin-role-save = Cadw’r rôl
admin-role-create = Creu’r rôl
admin-role-delete-title = Dileu’r rôl hon
admin-role-delete-hint = Bydd yr aelodau sydd â hi yn colli’r hyn y mae’n ei roi iddynt.
admin-role-delete = Dileu’r rôl
admin-role-2fa-passkey = Allwedd mynediad
admin-role-2fa-required = Gofynnol
admin-role-2fa-optional = Dewisol
admin-perms-fms = Caniatadau FixMyStreet
admin-perms-sm = Caniatadau Street Manager
admin-perms-other = Caniatadau { $namespace }

## Un o aelodau sefydliad
admin-member-title = { $email } yn { $org }
admin-member-kind = Math o aelod: { $kind }.
admin-member-permissions = Caniatadau sydd mewn grym: { $list }.
admin-member-permissions-none = Caniatadau sydd mewn grym: dim.
admin-member-no-roles = Does gan { $org } ddim rolau eto.
admin-member-direct = Caniatadau a roddwyd yn uniongyrchol
admin-member-workstreams = Ffrydiau gwaith
admin-member-workstreams-hint = Un ar bob llinell: rhagddodiad cyfeirnod gwaith, bwlch, yna full_write neu read_only.
admin-member-areas = Ardaloedd
admin-member-areas-hint = Un ar bob llinell: dynodydd ardal MapIt neu gyfeirnod ardal ddaearyddol.
admin-member-save = Cadw’r aelodaeth
admin-member-remove-title = Tynnu o { $org }
admin-member-remove = Tynnu { $email } o { $org }
admin-member-bad-workstream = Ysgrifennwch bob ffrwd waith fel rhagddodiad, bwlch a full_write neu read_only: nid yw { $line } felly.

## Gwaharddiadau
admin-bans-intro = Ni all cyfeiriad sydd wedi’i wahardd, nac unrhyw gyfeiriad mewn parth sydd wedi’i wahardd, fewngofnodi na chael cyfrif. Mae gwahardd yn allgofnodi pawb y mae’n berthnasol iddynt.
admin-bans-pattern = Cyfeiriad e-bost neu barth
admin-bans-pattern-hint = Er enghraifft rhywun@example.org, neu example.org ar gyfer y parth cyfan.
admin-bans-reason = Rheswm
admin-bans-submit = Gwahardd
admin-bans-in-force = Mewn grym
admin-bans-none = Does dim wedi’i wahardd.
admin-bans-caption = Gwaharddiadau mewn grym
admin-bans-address = Cyfeiriad neu barth
admin-bans-since = Ers
admin-bans-action = Gweithred
admin-bans-lift = Codi
admin-bans-lift-on = y gwaharddiad ar { $pattern }
admin-ban-kind-email = Cyfeiriad e-bost
admin-ban-kind-domain = Parth

## Log archwilio
admin-audit-all = Pob un
admin-audit-choose = Dewiswch un
admin-audit-action = Gweithred
admin-audit-action-hint = Yn union, neu’n gorffen gyda * (user.*).
admin-audit-actor = Gweithredwr
admin-audit-actor-hint = Cyfeiriad e-bost neu ddynodydd.
admin-audit-target = Targed
admin-audit-target-hint = Cyfeiriad e-bost defnyddiwr, neu unrhyw ddynodydd.
admin-audit-outcome = Canlyniad
admin-audit-from = O (dyddiad)
admin-audit-until = Hyd at (dyddiad)
admin-audit-filter = Hidlo
admin-audit-csv = Lawrlwytho’r digwyddiadau hyn fel CSV
admin-audit-none = Does dim digwyddiadau’n cyfateb.
admin-audit-caption = Digwyddiadau archwilio, y diweddaraf yn gyntaf
admin-audit-time = Amser
admin-audit-event = Digwyddiad
admin-audit-details = Manylion
admin-audit-details-of = { $action } am { $time }
admin-audit-actor-id = Dynodydd y gweithredwr
admin-audit-target-id = Dynodydd y targed
admin-audit-organisation-id = Dynodydd y sefydliad
admin-audit-ip = Cyfeiriad IP
admin-audit-browser = Porwr
admin-audit-pages = Tudalennau’r log archwilio
admin-audit-newest = Y digwyddiadau diweddaraf
admin-audit-older = Digwyddiadau hŷn
admin-audit-any = Unrhyw un
admin-outcome-success = Llwyddiant
admin-outcome-failure = Methiant
admin-audit-bad-date = Rhowch ddyddiad fel BBBB-MM-DD, er enghraifft 2026-11-22.
admin-audit-bad-outcome = Llwyddiant neu fethiant yw’r canlyniad.
admin-audit-yes = ydy
admin-audit-no = nac ydy
admin-audit-empty = dim
admin-target-user = defnyddiwr
admin-target-body = sefydliad
admin-target-role = rôl
admin-target-client = rhaglen ddibynnol
admin-target-connection = cysylltiad mewngofnodi sengl
admin-target-membership = aelodaeth
admin-target-ban = gwaharddiad
admin-target-invitation = gwahoddiad
admin-target-scim-token = tocyn SCIM
admin-detail-reason = Rheswm
admin-detail-kind = Math
admin-detail-name = Enw
admin-detail-email = E-bost
admin-detail-roles = Rolau
admin-detail-permissions = Caniatadau
admin-detail-status = Statws
admin-detail-label = Label
admin-detail-role = Rôl
admin-detail-changed = Newidiwyd
admin-detail-fields = Meysydd

## Hysbysiadau ar ôl newid (y codau `done`)
admin-notice-user-created = Mae’r defnyddiwr wedi’i greu. Ni anfonwyd e-bost; gallant fewngofnodi drwy ddolen mewn e-bost.
admin-notice-user-welcomed = Mae’r defnyddiwr wedi’i greu ac wedi cael e-bost croeso gyda dolen i fewngofnodi am y tro cyntaf.
admin-notice-session-ended = Mae’r sesiwn wedi dod i ben; mae’r rhaglenni y mewngofnododd iddynt wedi cael gwybod.
admin-notice-app-revoked = Mae mynediad y rhaglen wedi’i ddirymu: nid yw ei thocynnau ar gyfer y defnyddiwr hwn yn gweithio mwyach, a rhaid iddi ofyn eto.
admin-notice-invitation-resent = Mae’r gwahoddiad wedi’i anfon eto gyda dolen newydd; nid yw’r hen ddolen yn gweithio mwyach.
admin-notice-invitation-withdrawn = Mae’r gwahoddiad wedi’i dynnu’n ôl; nid yw ei ddolen yn gweithio mwyach.
admin-notice-user-saved = Mae manylion y defnyddiwr wedi’u cadw.
admin-notice-flagged = Mae’r defnyddiwr wedi’i fflagio bellach.
admin-notice-unflagged = Nid yw’r defnyddiwr wedi’i fflagio mwyach.
admin-notice-disabled = Mae’r cyfrif wedi’i analluogi ac mae ei sesiynau wedi dod i ben.
admin-notice-enabled = Mae’r cyfrif wedi’i alluogi eto.
admin-notice-superuser-on = Mae’r defnyddiwr yn uwch-ddefnyddiwr bellach.
admin-notice-superuser-off = Nid yw’r defnyddiwr yn uwch-ddefnyddiwr mwyach.
admin-notice-logged-out = Mae’r defnyddiwr wedi’i allgofnodi ym mhobman; nid yw ei docynnau’n gweithio mwyach.
admin-notice-mfa-reset = Mae dilysu dau gam wedi’i ailosod; mae’r defnyddiwr wedi cael gwybod drwy e-bost.
admin-notice-mfa-none = Doedd gan y defnyddiwr ddim dilysu dau gam i’w ailosod.
admin-notice-passkeys-removed = Mae allweddi mynediad y defnyddiwr wedi’u tynnu.
admin-notice-email-sent = Mae e-bost mewngofnodi ar ei ffordd at y defnyddiwr.
admin-notice-user-removed = Mae’r defnyddiwr wedi’i dynnu: mae ei fanylion personol wedi’u clirio ac mae’r log archwilio yn cadw ei ddynodydd.
admin-notice-member-added = Mae’r defnyddiwr wedi’i ychwanegu at y sefydliad.
admin-notice-member-invited = Mae’r defnyddiwr wedi cael gwahoddiad drwy e-bost; bydd yn ymuno â’r sefydliad pan fydd yn ei dderbyn.
admin-notice-member-saved = Mae’r aelodaeth wedi’i chadw.
admin-notice-member-removed = Mae’r defnyddiwr wedi’i dynnu o’r sefydliad.
admin-notice-body-created = Mae’r sefydliad wedi’i greu.
admin-notice-body-saved = Mae gosodiadau’r sefydliad wedi’u cadw.
admin-notice-linked = Mae’r sefydliad contractwr wedi’i gysylltu.
admin-notice-scim-token-created = Mae’r tocyn SCIM wedi’i greu. Copïwch ei gyfrinach nawr: ni chaiff ei dangos eto.
admin-notice-scim-token-revoked = Mae’r tocyn SCIM wedi’i ddirymu: caiff cais nesaf y cyfeiriadur gydag ef ei wrthod.
admin-notice-unlinked = Mae’r sefydliad contractwr wedi’i ddatgysylltu.
admin-notice-role-created = Mae’r rôl wedi’i chreu.
admin-notice-role-saved = Mae’r rôl wedi’i chadw.
admin-notice-role-deleted = Mae’r rôl wedi’i dileu.
admin-notice-client-created = Mae’r rhaglen ddibynnol wedi’i chofrestru.
admin-notice-client-saved = Mae’r rhaglen ddibynnol wedi’i chadw.
admin-notice-client-rotated = Mae gan y rhaglen ddibynnol gyfrinach newydd; nid yw’r hen un yn gweithio mwyach.
admin-notice-client-removed = Mae’r rhaglen ddibynnol wedi’i thynnu.
admin-notice-connection-created = Mae’r cysylltiad mewngofnodi sengl wedi’i ychwanegu. Rhowch y manylion isod i’r darparwr hunaniaeth (IdP).
admin-notice-connection-saved = Mae’r cysylltiad mewngofnodi sengl wedi’i gadw.
admin-notice-connection-secret = Mae cyfrinach newydd y cleient wedi’i chadw. Nid yw’n cael ei dangos yn unman.
admin-notice-connection-removed = Mae’r cysylltiad mewngofnodi sengl wedi’i dynnu; mae cyfrifon ei ddefnyddwyr yn aros.
admin-notice-banned = Mae’r gwaharddiad mewn grym; mae pawb y mae’n berthnasol iddynt wedi’u hallgofnodi.
admin-notice-unbanned = Mae’r gwaharddiad wedi’i godi.
admin-notice-imported = Mae’r defnyddwyr wedi’u mewnforio.
admin-notice-bulk-done = Wedi’i wneud i bob defnyddiwr a ddewiswyd.
admin-notice-bulk-partly = Wedi’i wneud i rai o’r defnyddwyr a ddewiswyd; gwrthodwyd y lleill. Mae’r log archwilio yn dweud pam.
admin-notice-bulk-refused = Ni wnaed dim: gwrthodwyd pob defnyddiwr a ddewiswyd. Mae’r log archwilio yn dweud pam.
admin-notice-bulk-none = Ni wnaed dim: dewiswch o leiaf un defnyddiwr y cewch weithredu arno.
admin-notice-bulk-no-body = Ni wnaed dim: dewiswch y sefydliad i ychwanegu’r defnyddwyr ato.

## Gwrthodiadau a mewnbwn gwallus gan haen gwasanaeth y gweinyddu, a ddangosir ar y ffurflen.
## Mae'r testun Saesneg yn union eiriad yr haen gwasanaeth (gweler src/web/admin/refusals.rs).
admin-refusal-not-admin = Dydych chi ddim yn weinyddwr unrhyw sefydliad. Gofynnwch i weinyddwr eich sefydliad.
admin-refusal-mail-queue-full = Does dim modd anfon negeseuon e-bost ar hyn o bryd: mae gormod yn aros am y gweinydd e-bost. Ni chadwyd dim. Rhowch gynnig arall arni yn nes ymlaen.
admin-refusal-add-body = Dim ond uwch-ddefnyddiwr all ychwanegu sefydliad.
admin-refusal-needs-organisation = Mae angen sefydliad ar gyfer y weithred hon.
admin-refusal-suspended = Mae’r sefydliad hwn wedi’i atal neu wedi’i analluogi, felly ni all ei weinyddwyr weithredu ar ei ran.
admin-refusal-outside = Dim ond sefydliadau rydych yn weinyddwr arnynt y gallwch eu gweinyddu.
admin-refusal-contractor-workstreams = Caiff ffrydiau gwaith contractwr eu gosod gan weinyddwr hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo.
admin-refusal-export-contractor = Dim ond gweinyddwyr hyrwyddwyr ac awdurdodau priffyrdd all lawrlwytho holl ddata’r sefydliad.
admin-refusal-members-audit = Dim ond gweinyddwyr y sefydliad hwn all weld ei aelodau a’i log archwilio.
admin-refusal-superuser-only = Dim ond uwch-ddefnyddiwr all wneud hyn.
admin-refusal-grant-admin = Dim ond uwch-ddefnyddiwr all roi { $perm }: mae’n gwneud y defnyddiwr yn weinyddwr.
admin-refusal-grant-unheld = Ni allwch roi { $perm } gan nad yw gennych chi eich hun.
admin-refusal-superuser-account = Dim ond uwch-ddefnyddiwr all newid cyfrif uwch-ddefnyddiwr.
admin-refusal-also-member = Mae { $email } hefyd yn aelod o { $org }, ac yno: { $reason }
admin-refusal-audit = Dim ond uwch-ddefnyddwyr a gweinyddwyr sefydliadau all ddarllen y log archwilio.
admin-refusal-audit-which = Rydych yn gweinyddu mwy nag un sefydliad: dewiswch pa sefydliad y mae ei log archwilio i’w ddarllen.
admin-refusal-last-staff-manager = Ni fyddai gan { $org } neb ar ôl sy’n rheoli ei staff; rhowch { $perm } i rywun arall yn gyntaf.
admin-invalid-body-name = Mae angen enw o 200 nod ar y mwyaf ar sefydliad.
admin-invalid-body-kind = Dewiswch y math o sefydliad: cyngor, awdurdod priffyrdd, hyrwyddwr, contractwr neu arall.
admin-invalid-body-status = Rhaid i’r statws fod yn weithredol, wedi’i atal neu wedi’i analluogi.
admin-invalid-mfa-policy = Rhaid i’r polisi dilysu dau gam fod yn ddewisol, yn ofynnol neu’n gwrthsefyll gwe-rwydo.
admin-invalid-password-min = Rhaid i isafswm hyd y cyfrinair fod rhwng 8 a 128 (0 ar gyfer y rhagosodiad).
admin-invalid-sso-connection = Does dim cysylltiad mewngofnodi sengl { $id }.
admin-invalid-sso-other-body = Mae’r cysylltiad mewngofnodi sengl hwnnw’n perthyn i sefydliad arall: dewiswch un o gysylltiadau’r sefydliad hwn.
admin-invalid-domain = Nid yw { $domain } yn enw parth.
admin-invalid-principal = Dim ond i hyrwyddwyr ac awdurdodau priffyrdd y mae contractwyr yn gweithio.
admin-invalid-not-contractor = Nid yw { $name } yn sefydliad contractwr.
admin-invalid-role-name = Mae angen enw o 100 nod ar y mwyaf ar rôl.
admin-invalid-permission = Nid yw { $perm } yn ganiatâd yn y catalog.
admin-invalid-sm-role = Rhaid i’r rôl Street Manager fod yn un o Planner, HighwayAuthority, Contractor, DataExport, UI, API, Admin, StreetWorksAdmin.
admin-invalid-role-template = Does dim templed rôl { $key }.
admin-invalid-template-later = Dim ond wrth greu rôl y gellir dewis ei thempled.
admin-invalid-no-role = Does dim rôl { $id } yn { $org }.
admin-invalid-workstream-prefix = Rhaid i ragddodiad ffrwd waith fod rhwng 1 a 64 nod heb fylchau.
admin-invalid-workstream-access = Rhaid i fynediad ffrwd waith fod yn full_write neu read_only, nid { $access }.
admin-invalid-workstream-twice = Mae’r ffrwd waith { $prefix } wedi’i rhestru ddwywaith.
admin-invalid-area = Rhaid i ardal fod rhwng 1 a 128 nod.
admin-invalid-ban-pattern = Rhowch gyfeiriad e-bost neu barth fel example.org.
admin-invalid-scim-label = Rhaid i label fod yn 100 nod ar y mwyaf, heb nodau rheoli.
admin-conflict-scim-revoked = Mae’r tocyn SCIM hwn wedi’i ddirymu eisoes.
refusal-sm-one-kind = Dim ond un o Planner, HighwayAuthority, Contractor a DataExport y caiff defnyddiwr ei gael; byddai’r newid hwn yn rhoi { $first } a { $second }.
refusal-sm-ui-api = Ni all defnyddiwr fod yn ddefnyddiwr UI ac yn ddefnyddiwr API.
refusal-sm-admin-api = Ni all defnyddiwr Admin hefyd fod yn ddefnyddiwr API.
refusal-sm-contractor-swa = Ni all Contractor hefyd fod yn StreetWorksAdmin.
refusal-sm-swa-alone = Dim ond ynghyd ag Admin, Planner neu HighwayAuthority y caniateir StreetWorksAdmin.
admin-conflict-exists = Mae { $taken } yn bodoli eisoes.
admin-refusal-no-workstreams = { $orgkind ->
    [council] Nid oes gan gyngor ffrydiau gwaith.
    [promoter] Nid oes gan hyrwyddwr ffrydiau gwaith.
    [contractor] Nid oes gan gontractwr ffrydiau gwaith.
    [highway-authority] Nid oes gan awdurdod priffyrdd ffrydiau gwaith.
   *[other] Nid oes gan sefydliad o fath arall ffrydiau gwaith.
}
admin-refusal-areas-kind = { $orgkind ->
    [council] Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol; cyngor yw hwn.
    [promoter] Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol; hyrwyddwr yw hwn.
    [contractor] Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol; contractwr yw hwn.
    [highway-authority] Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol.
   *[other] Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol; sefydliad o fath arall yw hwn.
}
admin-refusal-link-kind = { $orgkind ->
    [council] Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd, nid â chyngor.
    [promoter] Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd.
    [contractor] Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd, nid â chontractwr.
    [highway-authority] Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd.
   *[other] Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd, nid â sefydliad o fath arall.
}
admin-refusal-member-kind = { $orgkind ->
    [council] Ni all cyngor gael { $memberkind }.
    [promoter] Ni all hyrwyddwr gael { $memberkind }.
    [contractor] Ni all contractwr gael { $memberkind }.
    [highway-authority] Ni all awdurdod priffyrdd gael { $memberkind }.
   *[other] Ni all sefydliad o fath arall gael { $memberkind }.
}
admin-refusal-contractor-own = { $verb ->
    [add] Dim ond gweinyddwyr y contractwr ei hun all ychwanegu defnyddwyr contractwr; mae hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo yn gosod eu caniatadau a’u ffrydiau gwaith.
    [remove] Dim ond gweinyddwyr y contractwr ei hun all dynnu defnyddwyr contractwr; mae hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo yn gosod eu caniatadau a’u ffrydiau gwaith.
   *[edit] Dim ond gweinyddwyr y contractwr ei hun all olygu defnyddwyr contractwr; mae hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo yn gosod eu caniatadau a’u ffrydiau gwaith.
}

## Yr hyn na chaiff gweinyddwr ei wneud, o fewn y gwrthodiadau uchod ("Dim ond uwch-ddefnyddiwr all …").
## Maen nhw wedi'u treiglo'n feddal, fel y maen nhw'n dilyn "all" ac "i".
admin-refusal-superuser-can = Dim ond uwch-ddefnyddiwr all { $what }.
admin-refusal-need-permission = Mae angen y caniatâd { $perm } yn y sefydliad hwn arnoch i { $what }.
admin-refusal-need-permission-principal = Mae angen y caniatâd { $perm } arnoch yn y sefydliad hwn, neu mewn hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo, i { $what }.
admin-refusal-not-your-account = Ni chafodd y cyfrif hwn ei greu ar gyfer eich sefydliad, felly dim ond uwch-ddefnyddiwr all { $what }; gallwch dynnu’r defnyddiwr o’ch sefydliad yn lle hynny.
admin-what-add-staff = ychwanegu staff
admin-what-remove-staff = dynnu staff
admin-what-edit-staff = olygu staff
admin-what-add-contractor-users = ychwanegu defnyddwyr contractwyr
admin-what-remove-contractor-users = dynnu defnyddwyr contractwyr
admin-what-edit-contractor-users = olygu defnyddwyr contractwyr
admin-what-add-planner-users = ychwanegu defnyddwyr cynllunio
admin-what-remove-planner-users = dynnu defnyddwyr cynllunio
admin-what-edit-planner-users = olygu defnyddwyr cynllunio
admin-what-add-ha-users = ychwanegu defnyddwyr awdurdod priffyrdd
admin-what-remove-ha-users = dynnu defnyddwyr awdurdod priffyrdd
admin-what-edit-ha-users = olygu defnyddwyr awdurdod priffyrdd
admin-what-set-roles = osod rolau a chaniatadau’r defnyddiwr hwn
admin-what-manage-roles = reoli rolau’r sefydliad hwn
admin-what-workstreams = ychwanegu neu ddiweddaru ffrydiau gwaith
admin-what-geo-areas = ychwanegu neu newid ardaloedd daearyddol
admin-what-assign-areas = neilltuo defnyddwyr i ardaloedd
admin-what-link-contractors = ychwanegu neu dynnu sefydliadau contractwyr
admin-what-org-details = newid manylion y sefydliad
admin-what-download = lawrlwytho holl ddata’r sefydliad
admin-what-all-users = reoli defnyddwyr nad ydynt mewn sefydliad rydych yn ei weinyddu
admin-what-admins = ychwanegu neu dynnu defnyddwyr gweinyddol (yn Street Manager, mae angen tocyn cymorth ar gyfer hyn)
admin-what-bodies = greu sefydliadau neu newid eu math, eu statws, eu parthau, eu mewngofnodi sengl neu eu dynodyddion allanol
admin-what-clients = reoli rhaglenni dibynnol
admin-what-connections = reoli cysylltiadau mewngofnodi sengl
admin-what-superusers = wneud defnyddwyr yn uwch-ddefnyddwyr neu dynnu’r statws hwnnw
admin-what-ban = wahardd cyfeiriadau e-bost neu barthau
admin-what-catalogue = olygu’r catalog caniatadau
admin-what-admin-roles = newid rolau neu ganiatadau defnyddwyr gweinyddol
admin-what-council-details = newid manylion cyngor
admin-what-add-admin-users = ychwanegu defnyddwyr gweinyddol (yn Street Manager, mae angen tocyn cymorth ar gyfer hyn)
admin-what-remove-admin-users = dynnu defnyddwyr gweinyddol (yn Street Manager, mae angen tocyn cymorth ar gyfer hyn)
admin-what-edit-admin-users = olygu defnyddwyr gweinyddol (yn Street Manager, mae angen tocyn cymorth ar gyfer hyn)
admin-what-other-details = newid manylion sefydliad o fath arall

## Mathau o ddefnyddiwr, o fewn "Ni all … gael { $memberkind }."
admin-kind-users-staff = defnyddwyr staff
admin-kind-users-staff-manager = rheolwyr staff
admin-kind-users-planner = defnyddwyr cynllunio
admin-kind-users-highway-authority = defnyddwyr awdurdod priffyrdd
admin-kind-users-contractor = defnyddwyr contractwr
admin-kind-users-admin = defnyddwyr gweinyddol

## Yr hyn y mae gwrthdaro'n dweud sy'n bodoli eisoes ("Mae { $taken } yn bodoli eisoes.").
## Heb y fannod, gan eu bod yn dilyn "Mae".
admin-taken-look-alike = cyfrif y mae ei gyfeiriad yn edrych yr un fath (yr un llythrennau o wyddor arall, gydag acenion, neu gyda nodau anweledig)
admin-taken-user-email = defnyddiwr â’r cyfeiriad e-bost hwnnw
admin-taken-user-email-lower = defnyddiwr â’r cyfeiriad e-bost hwnnw
admin-taken-import-emails = defnyddiwr ag un o’r cyfeiriadau e-bost hynny
admin-taken-membership = aelodaeth i’r defnyddiwr hwnnw yn y sefydliad hwn
admin-taken-client = cleient â’r ID hwnnw
admin-taken-federated-identity = hunaniaeth ffederal o’r fath
admin-taken-current-key = allwedd gyfredol
admin-taken-connection-domain = cysylltiad arall â’r parth e-bost hwnnw
admin-taken-connection = cysylltiad o’r fath
admin-taken-ban = gwaharddiad ar gyfer y cyfeiriad neu’r parth hwnnw
admin-taken-body-name = sefydliad â’r enw hwnnw
admin-taken-body-domains = sefydliad ag un o’r parthau e-bost hynny
admin-taken-contractor-link = cyswllt contractwr o’r fath
admin-taken-passkey = allwedd mynediad o’r fath
admin-taken-role-template = templed rôl â’r enw hwnnw
admin-taken-role = rôl â’r enw hwnnw yn y sefydliad hwn
