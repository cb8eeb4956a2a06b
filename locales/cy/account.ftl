# Tudalennau’r cyfrif a diogelwch (account.html, security.html, passkey_add.html, email_changed.html).

account-title = Eich cyfrif
account-details = Eich manylion
account-name = Enw
account-not-set = Heb ei osod
account-email = E-bost
account-access = Mynediad
account-superuser = Uwch-ddefnyddiwr
account-security-link = Diogelwch: dilysu dau gam
account-admin-link = Gweinyddu
account-language = Iaith
account-language-legend = Iaith y tudalennau a’r negeseuon e-bost
account-language-hint = Iaith y tudalennau hyn a’r negeseuon e-bost rydym yn eu hanfon atoch. Efallai y bydd rhaglen rydych yn mewngofnodi iddi yn gofyn am iaith arall.
account-language-none = Fel y mae fy mhorwr yn gofyn
account-language-save = Cadw’r iaith
account-language-saved = Mae eich iaith wedi’i chadw.
account-language-invalid = Dewiswch English neu Cymraeg.
account-change-email = Newid eich cyfeiriad e-bost
account-new-email = Cyfeiriad e-bost newydd
account-send-confirmation = Anfon dolen gadarnhau ataf
account-organisations = Eich sefydliadau
account-no-organisations = Nid ydych yn aelod o unrhyw sefydliad.
account-organisations-caption = Y sefydliadau rydych yn perthyn iddynt a’ch rolau ym mhob un
account-organisation = Sefydliad
account-kind = Math
account-roles = Rolau
account-roles-none = Dim
account-change-password = Newid cyfrinair
account-set-a-password = Gosod cyfrinair
account-set-password = Gosod cyfrinair
account-current-password = Cyfrinair presennol
account-new-password = Cyfrinair newydd
account-password-hint = O leiaf 8 nod, ac nid un o’r cyfrineiriau a ddefnyddir amlaf.
account-new-password-again = Cyfrinair newydd eto
account-sessions = Ble rydych wedi mewngofnodi
account-sessions-caption = Eich sesiynau wedi mewngofnodi
account-signed-in = Wedi mewngofnodi
account-last-active = Yn weithredol ddiwethaf
account-from = O
account-action = Gweithred
account-this-browser = (y porwr hwn)
account-end-session = Allgofnodi o hwn<span class="visually-hidden"> – sesiwn a ddechreuwyd { $started }</span>
account-sign-out-everywhere = Allgofnodi ym mhobman
account-apps = Rhaglenni rydych wedi’u caniatáu
account-apps-none = Dim. Nid oes angen eich caniatâd ar raglenni a redir gan eich sefydliad.
account-apps-caption = Rhaglenni sydd â mynediad i’ch cyfrif
account-application = Rhaglen
account-app-access = Mynediad
account-since = Ers
account-withdraw = Tynnu’n ôl<span class="visually-hidden"> mynediad { $client }</span>
account-password-changed = Mae eich cyfrinair wedi’i newid. Mae eich sesiynau eraill wedi’u hallgofnodi.
account-passwords-differ = Nid yw’r ddau gyfrinair newydd yr un fath.
account-wrong-current-password = Nid yw eich cyfrinair presennol yn gywir.
account-email-link-sent = Rydym wedi anfon dolen i { $email }. Bydd eich cyfeiriad e-bost yn newid pan fyddwch yn ei defnyddio.

email-changed-title = Cyfeiriad e-bost wedi’i newid
email-changed-body = Eich cyfeiriad e-bost bellach yw <strong>{ $email }</strong>. Defnyddiwch ef i fewngofnodi o hyn ymlaen.
go-to-account = Mynd i’ch cyfrif

security-title = Diogelwch
security-2fa = Dilysu dau gam
security-on = Mae dilysu dau gam <strong>ymlaen</strong>.
security-recovery-left = { $count ->
    [zero] Mae gennych { $count } cod adfer heb eu defnyddio.
    [one] Mae gennych { $count } cod adfer heb ei ddefnyddio.
    [two] Mae gennych { $count } god adfer heb eu defnyddio.
    [few] Mae gennych { $count } chod adfer heb eu defnyddio.
    [many] Mae gennych { $count } chod adfer heb eu defnyddio.
   *[other] Mae gennych { $count } cod adfer heb eu defnyddio.
}
security-code-renew = Cod presennol, i wneud codau adfer newydd
security-renew = Gwneud codau adfer newydd
security-cannot-turn-off = Nid oes modd ei ddiffodd.
security-code-disable = Cod presennol, i’w ddiffodd
security-disable = Diffodd dilysu dau gam
security-off = Mae dilysu dau gam <strong>i ffwrdd</strong>.
security-activate = Troi dilysu dau gam ymlaen
security-passkeys = Allweddi mynediad ac allweddi diogelwch
security-passkeys-intro = Mae allwedd mynediad yn eich mewngofnodi gyda chlo sgrin eich dyfais neu allwedd ddiogelwch, ac nid oes modd ei gwe-rwydo. Mae’n gweithio fel eich ail ffactor, neu ar ei phen ei hun gyda &ldquo;Mewngofnodi gydag allwedd mynediad&rdquo;.
security-no-passkeys = Nid oes gennych allweddi mynediad.
security-passkeys-caption = Eich allweddi mynediad
security-passkey-name = Enw
security-passkey-added = Ychwanegwyd
security-passkey-last-used = Defnyddiwyd ddiwethaf
security-passkey-actions = Gweithredoedd
security-rename-label = Enw newydd ar gyfer { $name }
security-rename = Ailenwi<span class="visually-hidden"> { $name }</span>
security-remove = Dileu<span class="visually-hidden"> { $name }</span>
security-add-passkey = Ychwanegu allwedd mynediad neu allwedd ddiogelwch
security-back-to-account = Yn ôl i’ch cyfrif

passkey-add-title = Ychwanegu allwedd mynediad
passkey-add-heading = Ychwanegu allwedd mynediad neu allwedd ddiogelwch
passkey-add-intro = Bydd eich porwr yn gofyn i chi ddefnyddio clo sgrin eich dyfais (ôl bys, wyneb neu PIN) neu gyffwrdd â’ch allwedd ddiogelwch. Mae angen JavaScript ar allweddi mynediad; os nad oes dim yn digwydd, rhowch gynnig ar borwr arall
passkey-add-or-app = { " " }neu defnyddiwch ap dilysu yn lle hynny
passkey-add-no-js = Nid yw eich porwr yn rhedeg JavaScript, ac mae ei angen ar allweddi mynediad.
passkey-back-to-security = Yn ôl i ddiogelwch
passkey-use-app = Defnyddio ap dilysu yn lle hynny
passkey-name-label = Enwi’r allwedd mynediad hon
passkey-name-hint = Er mwyn i chi allu gwahaniaethu rhyngddi ac eraill yn nes ymlaen, er enghraifft &ldquo;Gliniadur gwaith&rdquo; neu &ldquo;Allwedd ddiogelwch las&rdquo;.
passkey-not-used = Ni ddefnyddiodd eich porwr allwedd mynediad. Rhowch gynnig arall arni, neu dewiswch ffordd arall isod.
