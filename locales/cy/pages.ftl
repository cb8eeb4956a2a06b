# Tudalennau cyn ac yn ystod mewngofnodi, a'r hyn sy'n gyffredin i bob tudalen.
# Cedwir marcio mewn neges (<strong>, <a>); caiff y newidynnau eu dianc.
# Gweler GLOSSARY.md am y termau.

## Pob tudalen
base-skip = Neidio i'r prif gynnwys
base-nav-account = Cyfrif
base-your-account = Eich cyfrif
base-nav-language = Iaith
error-summary-title = Mae problem wedi codi
error-prefix = Gwall:
continue = Parhau
cancel = Canslo
sign-in = Mewngofnodi
sign-in-to = Mewngofnodi i { $app }
sign-out = Allgofnodi
email-address = Cyfeiriad e-bost
password = Cyfrinair
use-different-email = Defnyddio cyfeiriad e-bost gwahanol
back-to-sign-in = Yn ôl i fewngofnodi

## Mewngofnodi
login-with-account = Rydych yn mewngofnodi gyda'ch cyfrif { $site }.
login-your-email = Eich cyfeiriad e-bost
password-title = Rhowch eich cyfrinair
password-signing-in-to = Yn mewngofnodi i { $app }
password-sso-offer = Mae eich sefydliad yn gadael i chi fewngofnodi gyda { $name }.
password-or-here = Neu defnyddiwch eich cyfrinair yma:
password-no-password = Dim cyfrinair, neu wedi’i anghofio? Gallwn anfon dolen fewngofnodi atoch drwy e-bost yn lle hynny.
password-by-email = Na, gadewch i mi fewngofnodi drwy e-bost
password-set-new = Gosod cyfrinair newydd drwy e-bost
new-password-title = Gosod cyfrinair newydd
new-password-sent = Os oes gan <strong>{ $email }</strong> gyfrif { $site }, rydym wedi anfon dolen ato i gadarnhau’r cyfrinair newydd. { $minutes ->
    [two] Mae’n gweithio unwaith, am { $minutes } funud.
   *[other] Mae’n gweithio unwaith, am { $minutes } munud.
} Nid yw eich cyfrinair yn newid nes i chi ei defnyddio.
new-password-intro = Dewiswch gyfrinair newydd. Byddwn yn anfon dolen atoch drwy e-bost i’w gadarnhau; daw i rym pan fyddwch yn defnyddio’r ddolen.
new-password-submit = Anfon dolen gadarnhau ataf
check-email-title = Gwiriwch eich e-bost
check-email-intro = Os gall <strong>{ $email }</strong> fewngofnodi i { $site }, rydym wedi anfon e-bost ato gyda dolen fewngofnodi a chod 6 digid. { $minutes ->
    [two] Maen nhw’n gweithio unwaith, am { $minutes } funud.
   *[other] Maen nhw’n gweithio unwaith, am { $minutes } munud.
}
check-email-open = Agorwch y ddolen ar unrhyw ddyfais, neu rhowch y cod yma.
check-email-code = Cod 6 digid
check-email-none = Dim e-bost? Edrychwch yn eich ffolder sbam, neu <a href="/login?next={ $next }">dechreuwch eto</a>.
email-problem-title = Mewngofnodi drwy e-bost
email-problem-back = Mynd yn ôl i fewngofnodi
sso-sign-in-with = Mewngofnodi gyda { $name }
sso-try-again = Rhoi cynnig arall ar { $name }
sso-another-way = Mewngofnodi mewn ffordd arall

## Dilysu dau gam
enrol-title = Sefydlu dilysu dau gam
enrol-intro = Defnyddiwch allwedd mynediad neu allwedd ddiogelwch, neu ap dilysu.
enrol-use-passkey = Defnyddio allwedd mynediad neu allwedd ddiogelwch yn lle hynny
enrol-with-app = Gydag ap dilysu
enrol-step-open = Agorwch ap dilysu ar eich ffôn (er enghraifft Google Authenticator, Microsoft Authenticator neu reolwr cyfrineiriau).
enrol-step-scan = Sganiwch y cod QR hwn, neu teipiwch yr allwedd isod.
enrol-step-enter = Rhowch y cod chwe digid y mae’r ap yn ei ddangos.
enrol-qr-label = Cod QR ar gyfer eich ap dilysu
enrol-key = Allwedd i’w theipio (does dim ots am y bylchau):
enrol-key-minutes = { $count ->
    [zero] Mae’r allwedd hon yn aros yr un fath os byddwch yn ail-lwytho’r dudalen hon, am { $count } munud.
    [one] Mae’r allwedd hon yn aros yr un fath os byddwch yn ail-lwytho’r dudalen hon, am { $count } munud.
    [two] Mae’r allwedd hon yn aros yr un fath os byddwch yn ail-lwytho’r dudalen hon, am { $count } funud.
    [few] Mae’r allwedd hon yn aros yr un fath os byddwch yn ail-lwytho’r dudalen hon, am { $count } munud.
    [many] Mae’r allwedd hon yn aros yr un fath os byddwch yn ail-lwytho’r dudalen hon, am { $count } munud.
   *[other] Mae’r allwedd hon yn aros yr un fath os byddwch yn ail-lwytho’r dudalen hon, am { $count } munud.
}
enrol-code = Cod chwe digid
enrol-submit = Troi dilysu dau gam ymlaen
enrol-not-now = Ddim nawr? Mae canslo yn eich allgofnodi: ni allwch fewngofnodi nes bod dilysu dau gam wedi’i sefydlu.
enrol-cancel-sign-out = Canslo ac allgofnodi
verify-title = Dilysu dau gam
verify-confirm = Cadarnhewch mai chi sydd yma
verify-enter-code = Rhowch eich cod
verify-with-passkey = Gyda’ch allwedd mynediad
verify-or-code = Neu gyda chod
verify-code-label = Cod o’ch ap dilysu
verify-code-hint = Chwe digid. Os ydych wedi colli eich dyfais, rhowch un o’ch codau adfer yn lle hynny.
codes-title = Eich codau adfer
codes-intro = Cadwch y rhain yn rhywle diogel. Mae pob un yn eich mewngofnodi unwaith os byddwch yn colli eich ap dilysu. Ni fyddant yn cael eu dangos eto.
codes-file-name = codau-adfer.txt
codes-download = Llwytho i lawr fel ffeil destun
codes-print = I’w hargraffu, defnyddiwch orchymyn Argraffu eich porwr (Ctrl+P, neu ⌘P ar Mac): dim ond y codau sy’n cael eu hargraffu.
codes-file-heading = Codau adfer ar gyfer { $site } ({ $email })
    Mae pob cod yn eich mewngofnodi unwaith os byddwch yn colli eich ap dilysu.

## Rhaglenni
consent-title = Caniatáu { $client }?
consent-heading = Caniatáu i { $client } ddefnyddio eich cyfrif?
consent-intro = Rydych wedi mewngofnodi fel <strong>{ $email }</strong>. Mae { $client } yn gofyn am gael:
consent-receives = Beth fydd { $client } yn ei gael
consent-no-orgs = Eich sefydliadau, eich rolau a’ch caniatadau: nid oes gennych rai ar hyn o bryd.
consent-orgs = Eich sefydliadau, gyda’ch rolau a’ch caniatadau ym mhob un:
consent-roles = Rolau: { $roles }.
consent-permissions = Caniatadau: { $permissions }.
consent-withdraw = Gallwch dynnu hyn yn ôl unrhyw bryd o dudalen eich cyfrif.
consent-allow = Caniatáu
consent-deny = Peidio â chaniatáu
form-post-title = Yn parhau…
form-post-no-js = Mae JavaScript wedi’i ddiffodd, felly pwyswch y botwm i barhau.
scope-openid = Gwybod pwy ydych chi pan fyddwch yn mewngofnodi
scope-profile = Gweld eich enw
scope-email = Gweld eich cyfeiriad e-bost
scope-offline-access = Aros wedi cysylltu pan nad ydych wedi mewngofnodi (nes i chi dynnu hyn yn ôl)
scope-other = Defnyddio’r caniatâd { $scope }

## Allgofnodi
logout-title = Allgofnodi?
logout-asking-unnamed = Mae rhaglen yn gofyn am eich allgofnodi o { $site }.
logout-asking = Mae { $client } yn gofyn am eich allgofnodi o { $site }.
logout-stay = Aros wedi mewngofnodi
signed-out-title = Wedi allgofnodi
signed-out-heading = Rydych wedi allgofnodi
signed-out-again = Mewngofnodi eto

## Gwahoddiadau
invitation-title = Gwahoddiad
invitation-joined = Rydych wedi ymuno â { $body }
invitation-joined-unnamed = Rydych wedi ymuno
invitation-joined-notice = Rydych bellach yn aelod. Gall ei weinyddwyr newid eich rolau neu eich tynnu allan ohono; mae eich cyfrif yn aros yn eiddo i chi.
invitation-join = Ymuno â { $body }
invitation-intro = Mae un o weinyddwyr { $body } wedi eich gwahodd i ddod yn aelod. Bydd ei weinyddwyr yn gallu newid eich rolau yno neu eich tynnu allan ohono; mae eich cyfrif yn aros yn eiddo i chi.
welcome-title = Croeso
welcome-heading = Croeso i { $site }
welcome-intro-body = Mae un o weinyddwyr { $body } wedi creu cyfrif i chi gyda’r cyfeiriad e-bost <strong>{ $email }</strong>.
welcome-intro = Mae gweinyddwr wedi creu cyfrif i chi gyda’r cyfeiriad e-bost <strong>{ $email }</strong>.
welcome-continue = Ewch ymlaen i fewngofnodi am y tro cyntaf. Wedi hynny byddwch yn mewngofnodi gyda’r cyfeiriad e-bost hwn: byddwn yn anfon dolen atoch bob tro, neu gallwch osod cyfrinair ar dudalen eich cyfrif.
welcome-link-gone = Nid yw’r ddolen hon yn gweithio mwyach

## Tudalennau gwall
error-go-to-start = Mynd i’r dechrau
error-csrf-title = Mae’r ffurflen hon wedi dod i ben
error-csrf-message = Er eich diogelwch, nid oedd modd derbyn y ffurflen. Ewch yn ôl, ail-lwythwch y dudalen a rhowch gynnig arall arni.
error-bad-request-title = Mae rhywbeth o’i le ar y cais hwnnw
error-not-found-title = Heb ddod o hyd i’r dudalen
error-not-found-message = Nid oes tudalen yn y cyfeiriad hwn.
error-busy-title = Prysur
error-busy-message = Mae’r gwasanaeth yn brysur. Arhoswch ennyd a rhowch gynnig arall arni.
error-forbidden-title = Ni allwch wneud hynny
error-conflict-title = Mae hynny’n gwrthdaro â rhywbeth sy’n bodoli eisoes
error-internal-title = Aeth rhywbeth o’i le
error-internal-message = Aeth rhywbeth o’i le ar ein hochr ni. Rhowch gynnig arall arni mewn ennyd.
error-unavailable-title = Ddim ar gael dros dro
error-unavailable-message = Nid yw’r gwasanaeth ar gael dros dro. Arhoswch ennyd a rhowch gynnig arall arni.

## Problemau a ddangosir ar dudalennau (web::say)
problem-email-empty = Rhowch gyfeiriad e-bost.
problem-email-malformed = Rhowch gyfeiriad e-bost yn y ffurf enw@enghraifft.org.
problem-email-too-long = Mae’r cyfeiriad e-bost hwnnw’n rhy hir.
problem-email-invisible = Mae’r cyfeiriad e-bost hwnnw’n cynnwys nod anweladwy. Teipiwch ef eto yn hytrach na’i ludo.
problem-email-mixed-script = Mae’r cyfeiriad e-bost hwnnw’n cymysgu llythrennau o wyddorau gwahanol (fel Lladin a Syrilig), felly gellid ei gamgymryd am un arall. Teipiwch ef eto gan ddefnyddio un wyddor.
problem-password-too-short = Rhaid i’ch cyfrinair fod o leiaf { $count } nod o hyd.
problem-password-too-long = Rhaid i’ch cyfrinair fod { $count } nod o hyd ar y mwyaf.
problem-password-common = Mae’r cyfrinair hwnnw’n un o’r rhai a ddefnyddir amlaf; dewiswch un arall.
problem-password-same-as-email = Ni chaiff eich cyfrinair fod yr un fath â’ch cyfeiriad e-bost.
problem-password-mismatch = Rhowch y cyfrinair newydd ddwywaith, yr un fath y ddau dro.
problem-enter-password = Rhowch eich cyfrinair.
problem-invalid-credentials = Nid yw’r e-bost a’r cyfrinair hynny’n cyfateb. Gwiriwch nhw a rhowch gynnig arall arni.
problem-locked = { $count ->
    [two] Gormod o ymdrechion aflwyddiannus. Arhoswch { $count } funud a rhowch gynnig arall arni.
   *[other] Gormod o ymdrechion aflwyddiannus. Arhoswch { $count } munud a rhowch gynnig arall arni.
}
problem-busy = Mae gormod o bobl yn mewngofnodi ar hyn o bryd. Arhoswch ennyd a rhowch gynnig arall arni.
problem-sso-required = Mae eich sefydliad yn eich mewngofnodi drwy { $name }. Defnyddiwch “Mewngofnodi gyda { $name }”.
problem-too-many-sign-in-emails = { $count ->
    [two] Rydych wedi gofyn am ormod o negeseuon e-bost mewngofnodi. Arhoswch { $count } funud a rhowch gynnig arall arni.
   *[other] Rydych wedi gofyn am ormod o negeseuon e-bost mewngofnodi. Arhoswch { $count } munud a rhowch gynnig arall arni.
}
problem-too-many-emails = { $count ->
    [two] Rydych wedi gofyn am ormod o negeseuon e-bost. Arhoswch { $count } funud a rhowch gynnig arall arni.
   *[other] Rydych wedi gofyn am ormod o negeseuon e-bost. Arhoswch { $count } munud a rhowch gynnig arall arni.
}
problem-wrong-emailed-code = Nid yw’r cod hwnnw’n gywir, neu mae wedi dod i ben. Edrychwch ar yr e-bost diweddaraf a rhowch gynnig arall arni.
problem-code-burnt = Gormod o godau anghywir: nid yw’r cod hwnnw na’i ddolen yn gweithio mwyach. Gofynnwch am e-bost newydd.
problem-sign-in-link-invalid = Mae’r ddolen fewngofnodi hon wedi dod i ben neu wedi cael ei defnyddio’n barod. Gofynnwch am un newydd.
problem-link-invalid = Mae’r ddolen hon wedi dod i ben neu wedi cael ei defnyddio’n barod. Gofynnwch am un newydd.
problem-email-not-allowed = Nid oes modd defnyddio’r cyfeiriad e-bost hwn i fewngofnodi. Gofynnwch i weinyddwr eich sefydliad.
problem-account-not-allowed = Nid oes modd defnyddio’r cyfrif hwn. Gofynnwch i weinyddwr eich sefydliad.
problem-email-same = Dyna eich cyfeiriad e-bost yn barod.
problem-email-taken = Mae cyfrif arall yn defnyddio’r cyfeiriad e-bost hwnnw’n barod, felly ni newidiwyd eich un chi.
problem-wrong-totp = Nid yw’r cod hwnnw’n gywir. Gwiriwch eich ap dilysu a rhowch gynnig arall arni.
problem-too-many-codes = { $count ->
    [two] Gormod o godau anghywir. Arhoswch { $count } funud a rhowch gynnig arall arni.
   *[other] Gormod o godau anghywir. Arhoswch { $count } munud a rhowch gynnig arall arni.
}
problem-2fa-already-on = Mae dilysu dau gam ymlaen yn barod.
problem-2fa-not-on = Nid yw dilysu dau gam ymlaen.
problem-key-expired = Mae’r allwedd honno wedi dod i ben. Ychwanegwch yr allwedd newydd isod at eich ap dilysu a rhowch ei chod.
problem-passkey-refused = Nid oedd modd gwirio eich allwedd mynediad. Rhowch gynnig arall arni, neu defnyddiwch ffordd arall o fewngofnodi.
problem-passkey-expired = Cymerodd hynny ormod o amser, neu roedd y dudalen wedi’i defnyddio’n barod. Rhowch gynnig arall arni.
problem-passkey-duplicate = Mae’r allwedd mynediad honno wedi’i chofrestru’n barod.
problem-passkey-bad-name = Rhowch enw o { $count } nod ar y mwyaf i’r allwedd mynediad.
problem-no-passkey = Nid oes gennych allwedd mynediad.
problem-passkey-mandatory = { $why } Ychwanegwch allwedd mynediad arall neu ap dilysu cyn dileu’r un hon.
problem-sign-in-expired = Mae’r mewngofnodi hwn wedi dod i ben. Dechreuwch eto.
reason-superuser = Rhaid i uwch-ddefnyddwyr ddefnyddio dilysu dau gam.
reason-body = Mae eich sefydliad yn gofyn am ddilysu dau gam.
reason-role = Mae un o’ch rolau yn gofyn am ddilysu dau gam.
reason-client = Mae’r rhaglen rydych yn mewngofnodi iddi yn gofyn am ddilysu dau gam.
reason-acr-values = Gofynnodd y rhaglen rydych yn mewngofnodi iddi am ddilysu dau gam.
reason-phr-body = Mae eich sefydliad yn gofyn i chi fewngofnodi gydag allwedd mynediad neu allwedd ddiogelwch.
reason-phr-role = Mae un o’ch rolau yn gofyn i chi fewngofnodi gydag allwedd mynediad neu allwedd ddiogelwch.
reason-phr-client = Mae’r rhaglen rydych yn mewngofnodi iddi yn gofyn am allwedd mynediad neu allwedd ddiogelwch.
reason-step-up = Mae angen dilysu dau gam ar gyfer y weithred y gofynnoch amdani, ac nid oes gan eich cyfrif un eto. Sefydlwch ef yma; byddwch wedyn yn dychwelyd i’r ffurflen.
passkey-sign-in = Mewngofnodi gydag allwedd mynediad
passkey-use = Defnyddio eich allwedd mynediad
passkey-create = Creu allwedd mynediad
email-confirm-sign-in = Rydych wedi agor dolen fewngofnodi. Ewch ymlaen i fewngofnodi ar y ddyfais hon.
email-confirm-sign-in-button = Parhau i fewngofnodi
email-confirm-password = Cadarnhewch eich cyfrinair newydd i ddechrau ei ddefnyddio a mewngofnodi ar y ddyfais hon.
email-confirm-password-button = Cadarnhau fy nghyfrinair
email-confirm-email = Cadarnhewch mai hwn yw cyfeiriad e-bost newydd eich cyfrif.
email-confirm-email-button = Cadarnhau fy nghyfeiriad e-bost newydd
invitation-gone = Mae’r gwahoddiad hwn wedi dod i ben neu wedi cael ei ddefnyddio’n barod. Gofynnwch i’r sefydliad am un newydd.
invitation-other-address = Anfonwyd y gwahoddiad hwn i gyfeiriad e-bost arall. Allgofnodwch, yna mewngofnodwch gyda’r cyfeiriad yr anfonwyd ef ato ac agorwch y ddolen eto.
welcome-gone = Mae’r ddolen hon wedi dod i ben, wedi cael ei disodli gan e-bost mwy diweddar, neu wedi cael ei defnyddio’n barod. Mewngofnodwch gyda’ch cyfeiriad e-bost yn lle hynny.
sso-your-organisation = eich sefydliad
sso-too-many-title = Gormod o ymdrechion i fewngofnodi
sso-too-many = Mae gormod o fewngofnodi wedi’u dechrau o’ch rhwydwaith. Arhoswch ddeg munud a rhowch gynnig arall arni.
sso-cancelled-title = Cafodd y mewngofnodi ei ganslo
sso-cancelled = Cafodd y mewngofnodi yn { $name } ei ganslo neu ni chafodd ei ganiatáu, felly nid ydych wedi mewngofnodi.
sso-unavailable-title = Nid yw system fewngofnodi eich sefydliad ar gael
sso-unavailable = Nid oedd modd i ni gwblhau’r mewngofnodi gyda { $name }: ni wnaeth ateb, neu rhoddodd wybod am broblem. Rhowch gynnig arall arni ymhen ychydig funudau.
sso-bad-response-title = Nid oedd modd cwblhau’r mewngofnodi
sso-bad-response = Nid oedd modd derbyn yr ateb gan { $name }, felly nid ydych wedi mewngofnodi. Rhowch gynnig arall arni; os yw’n dal i ddigwydd, rhowch wybod i’ch desg gymorth TG.
sso-expired-title = Mae’r mewngofnodi hwn wedi dod i ben
sso-expired = Dechreuwyd y mewngofnodi hwn yn rhy hir yn ôl, mewn porwr arall, neu mae wedi cael ei ddefnyddio’n barod. Dechreuwch eto.
sso-no-account-title = Nid oes gennych gyfrif yma eto
sso-no-account = Mae { $name } wedi cadarnhau pwy ydych chi, ond nid oes cyfrif i chi yma ac nid oes modd creu un yn awtomatig. Gofynnwch i weinyddwr eich sefydliad eich ychwanegu.
sso-disabled-title = Nid oes modd defnyddio eich cyfrif
sso-disabled = Mae eich cyfrif yma wedi’i analluogi. Gofynnwch i weinyddwr eich sefydliad.
sso-not-allowed-title = Ni allwch fewngofnodi yma
sso-not-allowed = Nid oes modd defnyddio’r cyfeiriad e-bost hwn i fewngofnodi yma. Gofynnwch i weinyddwr eich sefydliad.
sso-misconfigured-title = Nid yw system fewngofnodi eich sefydliad wedi’i sefydlu’n gywir
sso-misconfigured = Anfonodd { $name } chi yn ôl i gyfeiriad nad yw’n cael ei ddefnyddio ar ei gyfer mwyach, felly nid ydych wedi mewngofnodi. Rhowch wybod i’ch desg gymorth TG: mae angen y cyfeiriad newydd ar ei chofrestriad o’r gwasanaeth hwn.
