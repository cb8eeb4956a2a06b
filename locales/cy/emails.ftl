# Negeseuon e-bost: pynciau, y rhan HTML a’r rhan destun. Mae allweddi sy’n gorffen â -html yn
# cynnwys marcio ac fe’u defnyddir yn y rhan HTML yn unig; mae eu hefeilliaid -text yn dweud yr
# un peth mewn testun plaen.

mail-footer = Anfonwyd yr e-bost hwn yn awtomatig gan { $site }. Efallai na fydd atebion yn cael eu darllen.
mail-ignore-if-not-you = Os na wnaethoch chi ofyn am hyn, anwybyddwch yr e-bost hwn.

## Mewngofnodi
mail-sign-in-subject = Eich dolen fewngofnodi ar gyfer { $site }
mail-sign-in-heading = Mewngofnodi i { $site }
mail-sign-in-new-account = Nid oes cyfrif { $site } ar gyfer y cyfeiriad hwn eto. Bydd mewngofnodi yn creu un.
mail-sign-in-use-link = Defnyddiwch y ddolen hon i fewngofnodi:
mail-sign-in-or-code = Neu rhowch y cod hwn ar y dudalen fewngofnodi:
mail-sign-in-expiry = { $count ->
    [two] Mae’r ddolen a’r cod yn gweithio unwaith, am y { $count } funud nesaf.
   *[other] Mae’r ddolen a’r cod yn gweithio unwaith, am y { $count } munud nesaf.
}
mail-sign-in-ignore = Os na wnaethoch chi ofyn am gael mewngofnodi, gallwch anwybyddu’r e-bost hwn: ni all neb fewngofnodi hebddo.
mail-no-account-subject = Cais i fewngofnodi i { $site }
mail-no-account-heading = Cais i fewngofnodi
mail-no-account-body = Gofynnodd rhywun am gael mewngofnodi i { $site } gyda’r cyfeiriad e-bost hwn, ond nid oes cyfrif { $site } ar ei gyfer.
mail-no-account-advice-html = Os mai chi oedd yno, efallai fod gennych gyfrif o dan gyfeiriad arall: rhowch gynnig ar hwnnw yn <a href="{ $url }" style="color:#1d70b8">{ $url }</a>, neu gofynnwch i weinyddwr eich sefydliad.
mail-no-account-advice-text = Os mai chi oedd yno, efallai fod gennych gyfrif o dan gyfeiriad arall: rhowch gynnig ar hwnnw yn { $url }, neu gofynnwch i weinyddwr eich sefydliad.
mail-no-account-ignore = Os nad chi oedd yno, gallwch anwybyddu’r e-bost hwn.

## Cyfrineiriau
mail-password-subject-new = Cadarnhewch eich cyfrinair newydd ar gyfer { $site }
mail-password-subject = Cadarnhewch eich cyfrinair ar gyfer { $site }
mail-password-heading-new = Cadarnhewch eich cyfrinair newydd
mail-password-heading = Cadarnhewch eich cyfrinair
mail-password-title-new = Cadarnhewch eich cyfrinair { $site } newydd
mail-password-title = Cadarnhewch eich cyfrinair { $site }
mail-password-intro = Gofynnodd rhywun (chi, gobeithio) am osod cyfrinair newydd ar gyfer y cyfrif { $site } sydd â’r cyfeiriad e-bost hwn.
mail-password-use-link = I’w gadarnhau a mewngofnodi, defnyddiwch y ddolen hon:
mail-password-open-link = I’w gadarnhau a mewngofnodi, agorwch y ddolen hon:
mail-password-button = Cadarnhau fy nghyfrinair
mail-password-expiry = { $count ->
    [two] Mae’r ddolen yn gweithio unwaith, am y { $count } funud nesaf. Nes i chi ei defnyddio, does dim byd yn newid.
   *[other] Mae’r ddolen yn gweithio unwaith, am y { $count } munud nesaf. Nes i chi ei defnyddio, does dim byd yn newid.
}
mail-password-ignore = Os na wnaethoch chi ofyn am hyn, anwybyddwch yr e-bost hwn: bydd eich cyfrinair yn aros fel y mae.

## Newid y cyfeiriad e-bost
mail-email-change-subject = Cadarnhewch eich cyfeiriad e-bost newydd ar gyfer { $site }
mail-email-change-title = Cadarnhewch eich cyfeiriad e-bost { $site } newydd
mail-email-change-heading = Cadarnhewch eich cyfeiriad e-bost newydd
mail-email-change-intro = Gofynnodd rhywun (chi, gobeithio) am ddefnyddio { $email } fel cyfeiriad e-bost eu cyfrif { $site }.
mail-email-change-use-link = I’w gadarnhau, defnyddiwch y ddolen hon:
mail-email-change-open-link = I’w gadarnhau, agorwch y ddolen hon:
mail-email-change-button = Cadarnhau fy nghyfeiriad e-bost newydd
mail-email-change-expiry = { $count ->
    [two] Mae’r ddolen yn gweithio unwaith, am y { $count } funud nesaf. Does dim byd yn newid nes i chi ei defnyddio.
   *[other] Mae’r ddolen yn gweithio unwaith, am y { $count } munud nesaf. Does dim byd yn newid nes i chi ei defnyddio.
}
mail-email-notice-subject = Mae eich cyfeiriad e-bost { $site } yn cael ei newid
mail-email-notice-heading = Mae eich cyfeiriad e-bost yn cael ei newid
mail-email-notice-body = Gofynnodd rhywun a oedd wedi mewngofnodi i’r cyfrif { $site } ar gyfer { $old } am newid ei gyfeiriad e-bost i { $new }. Bydd y newid yn digwydd pan fydd dolen a anfonwyd i’r cyfeiriad newydd yn cael ei defnyddio.
mail-email-notice-advice = Os mai chi oedd hyn, does dim angen gwneud dim. Os nad chi oedd hyn, mewngofnodwch, newidiwch eich cyfrinair ac allgofnodwch o’ch sesiynau eraill, a rhowch wybod i weinyddwr eich sefydliad.

## Dilysu dau gam
mail-mfa-reset-subject = Mae dilysu dau gam eich cyfrif { $site } wedi’i ailosod
mail-mfa-reset-heading = Mae eich dilysu dau gam wedi’i ailosod
mail-mfa-reset-body = Mae gweinyddwr wedi tynnu’r dilysu dau gam oddi ar y cyfrif { $site } ar gyfer { $email }. Nid yw eich ap dilysu na’ch codau adfer yn gweithio ar ei gyfer mwyach.
mail-mfa-reset-again-html = Os yw eich sefydliad yn gofyn am ddilysu dau gam, byddwch yn ei sefydlu eto y tro nesaf y byddwch yn mewngofnodi; fel arall gallwch <a href="{ $link }">ei droi ymlaen eto</a>.
mail-mfa-reset-again-text = Os yw eich sefydliad yn gofyn am ddilysu dau gam, byddwch yn ei sefydlu eto y tro nesaf y byddwch yn mewngofnodi; fel arall gallwch ei droi ymlaen eto yma: { $link }
mail-mfa-reset-not-you = Os na wnaethoch chi ofyn am hyn, rhowch wybod i weinyddwr eich sefydliad.

## Passkeys
mail-passkeys-removed-subject = Mae eich allweddi mynediad { $site } wedi’u tynnu
mail-passkeys-removed-heading = Mae eich allweddi mynediad wedi’u tynnu
mail-passkeys-removed-body = Mae gweinyddwr wedi tynnu pob allwedd mynediad ac allwedd ddiogelwch oddi ar y cyfrif { $site } ar gyfer { $email }. Nid ydynt yn eich mewngofnodi mwyach.
mail-passkeys-removed-again-html = Gallwch <a href="{ $link }">ychwanegu allwedd mynediad eto</a> ar ôl i chi fewngofnodi mewn ffordd arall.
mail-passkeys-removed-again-text = Gallwch ychwanegu allwedd mynediad eto ar ôl i chi fewngofnodi mewn ffordd arall: { $link }
mail-passkeys-removed-not-you = Os nad oeddech chi’n disgwyl hyn, rhowch wybod i weinyddwr eich sefydliad.

## Gwahoddiadau a chyfrifon newydd
mail-invitation-subject = Fe’ch gwahoddir i ymuno â { $body } ar { $site }
mail-invitation-heading = Fe’ch gwahoddir i ymuno â { $body }
mail-invitation-intro = Mae un o weinyddwyr { $body } wedi gwahodd y cyfeiriad e-bost hwn i ddod yn aelod ar { $site }. I dderbyn, agorwch y ddolen a mewngofnodwch gyda’r cyfeiriad hwn (gallwch fewngofnodi drwy e-bost).
mail-invitation-intro-text = Mae un o weinyddwyr { $body } wedi gwahodd y cyfeiriad e-bost hwn i ddod yn aelod. I dderbyn, agorwch y ddolen hon a mewngofnodwch gyda’r cyfeiriad hwn (gallwch fewngofnodi drwy e-bost):
mail-invitation-button = Gweld y gwahoddiad
mail-invitation-expiry = { $count ->
    [two] Does dim byd yn newid nes i chi dderbyn. Mae’r ddolen yn gweithio unwaith, ar gyfer y cyfeiriad hwn yn unig, am { $count } ddiwrnod.
   *[other] Does dim byd yn newid nes i chi dderbyn. Mae’r ddolen yn gweithio unwaith, ar gyfer y cyfeiriad hwn yn unig, am { $count } diwrnod.
}
mail-invitation-ignore = Os nad ydych yn adnabod { $body }, anwybyddwch yr e-bost hwn.
mail-welcome-subject = Mae eich cyfrif { $site } yn barod
mail-welcome-intro-body = Mae un o weinyddwyr { $body } wedi creu cyfrif i chi ar { $site } gyda’r cyfeiriad e-bost hwn.
mail-welcome-intro = Mae gweinyddwr wedi creu cyfrif i chi ar { $site } gyda’r cyfeiriad e-bost hwn.
mail-welcome-open-link = I fewngofnodi am y tro cyntaf, agorwch y ddolen hon:
mail-welcome-button = Mewngofnodi am y tro cyntaf
mail-welcome-expiry = { $count ->
    [two] Mae’r ddolen yn gweithio unwaith, am { $count } ddiwrnod. Wedi hynny, mewngofnodwch gyda’r cyfeiriad e-bost hwn: byddwn yn anfon dolen atoch bob tro, neu gallwch osod cyfrinair.
   *[other] Mae’r ddolen yn gweithio unwaith, am { $count } diwrnod. Wedi hynny, mewngofnodwch gyda’r cyfeiriad e-bost hwn: byddwn yn anfon dolen atoch bob tro, neu gallwch osod cyfrinair.
}
mail-welcome-ignore-body = Os nad oeddech yn disgwyl hyn, anwybyddwch yr e-bost hwn neu rhowch wybod i { $body }.
mail-welcome-ignore = Os nad oeddech yn disgwyl hyn, anwybyddwch yr e-bost hwn neu rhowch wybod i’r gweinyddwyr.
