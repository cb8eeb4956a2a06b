## Gwrthodiadau haen gwasanaeth y gweinyddu a’r polisi nad oes neges arall ar eu cyfer (issue 18).
## Mae’r testun Saesneg (locales/en-GB/refusals-rules.ftl) yn union eiriad src/admin/ops a src/policy.

## Derbyn gwahoddiad neu e-bost croeso.
refusal-invitation-gone = Mae’r gwahoddiad hwn wedi dod i ben neu wedi cael ei ddefnyddio’n barod. Gofynnwch i’r sefydliad am un newydd.
refusal-invitation-other-address = Anfonwyd y gwahoddiad hwn i gyfeiriad e-bost arall. Allgofnodwch, yna mewngofnodwch gyda’r cyfeiriad yr anfonwyd ef ato.
refusal-invitation-body-inactive = Nid yw { $org } yn weithredol, felly ni all gymryd aelodau newydd ar hyn o bryd.
refusal-invitation-changed = Mae’r hyn y byddai’r gwahoddiad hwn yn ei roi i chi wedi newid ers ei anfon. Gofynnwch i’r sefydliad am un newydd.
refusal-invitation-already-member = Rydych eisoes yn aelod o { $org }.
refusal-invitation-inviter = Ni all pwy bynnag a anfonodd y gwahoddiad hwn roi’r hyn y mae’n ei gynnig mwyach. Gofynnwch i’r sefydliad am un newydd.
refusal-welcome-gone = Mae’r ddolen hon wedi dod i ben, wedi cael ei disodli gan e-bost mwy diweddar, neu wedi cael ei defnyddio’n barod. Mewngofnodwch gyda’ch cyfeiriad e-bost yn lle hynny.
refusal-welcome-not-allowed = Ni ellir mewngofnodi i’r cyfrif hwn. Gofynnwch i’r sefydliad a’i creodd.
refusal-welcome-use-sso = Mae eich sefydliad yn eich mewngofnodi drwy ei fewngofnodi sengl: defnyddiwch y dudalen fewngofnodi.
refusal-invitation-sends = Mae { $count } e-bost gwahoddiad eisoes wedi’u hanfon i’r cyfeiriad hwn yn yr awr ddiwethaf. Rhowch gynnig arall arni yn nes ymlaen.

## Aelodau a chyfrifon.
refusal-member-no-account = Nid oes cyfrif gyda’r cyfeiriad e-bost hwnnw; crëwch y defnyddiwr yn lle hynny.
refusal-members-page-link = Nid yw man cychwyn y dudalen (after) yn un a roddodd y rhestr hon: dechreuwch eto o’r dudalen gyntaf.
refusal-signin-emails-throttled = Mae gormod o negeseuon e-bost mewngofnodi wedi’u hanfon; rhowch gynnig arall arni ymhen { $minutes } munud.
refusal-password-sso-domain = Rhaid i gyfeiriadau yn { $domain } fewngofnodi drwy fewngofnodi sengl eu sefydliad, felly ni all eu cyfrifon gael cyfrinair; gadewch y cyfrinair (neu ei hash) allan.
refusal-import-several-organisations = Dim ond uwch-ddefnyddiwr all fewnforio defnyddwyr i fwy nag un sefydliad.
refusal-import-joins-none = Dim ond uwch-ddefnyddiwr all fewnforio defnyddwyr nad ydynt yn ymuno ag unrhyw sefydliad.
refusal-rotate-keys = Dim ond uwch-ddefnyddiwr all gylchdroi’r allweddi llofnodi.

## Hidlwyr a gweithredoedd swmp y rhestr defnyddwyr.
refusal-list-role-needs-organisation = Dewiswch sefydliad i hidlo yn ôl un o’i rolau.
refusal-bulk-none = Dewiswch o leiaf un defnyddiwr.
refusal-bulk-too-many = Dewiswch { $count } defnyddiwr ar y mwyaf ar y tro.

## Polisi dilysu dau gam sefydliad.

## Rheolau Street Manager ar gyfer y rolau sydd gan un aelod (enwau rolau Street Manager heb eu cyfieithu).

## Gwrthod defnyddwyr gweinyddol Street Manager, gyda’r hyn a wrthodir (wedi’i dreiglo’n feddal ar ôl "all").
admin-refusal-superuser-can-ticket = Dim ond uwch-ddefnyddiwr all { $what } (yn Street Manager mae angen tocyn cymorth ar gyfer hyn).
admin-what-add-admin-users-plain = ychwanegu defnyddwyr gweinyddol
admin-what-remove-admin-users-plain = dynnu defnyddwyr gweinyddol
admin-what-edit-admin-users-plain = olygu defnyddwyr gweinyddol

## Pwy gaiff weinyddu pwy.
refusal-contractor-own-admins-add = Dim ond gweinyddwyr y contractwr ei hun all ychwanegu defnyddwyr contractwyr; mae hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo yn gosod eu caniatadau a’u ffrydiau gwaith.
refusal-contractor-own-admins-remove = Dim ond gweinyddwyr y contractwr ei hun all dynnu defnyddwyr contractwyr; mae hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo yn gosod eu caniatadau a’u ffrydiau gwaith.
refusal-contractor-own-admins-edit = Dim ond gweinyddwyr y contractwr ei hun all olygu defnyddwyr contractwyr; mae hyrwyddwr neu awdurdod priffyrdd y mae’n gweithio iddo yn gosod eu caniatadau a’u ffrydiau gwaith.
refusal-geo-areas-promoter = Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol; hyrwyddwr yw hwn.
refusal-geo-areas-contractor = Dim ond gweinyddwr awdurdod priffyrdd all newid ardaloedd daearyddol; contractwr yw hwn.
refusal-link-contractor-council = Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd, nid â chyngor.
refusal-link-contractor-contractor = Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd, nid â chontractwr.
refusal-link-contractor-other = Caiff sefydliadau contractwyr eu cysylltu â hyrwyddwyr ac awdurdodau priffyrdd yn unig.
admin-refusal-kind-promoter-highway-authority = Ni all hyrwyddwr gael defnyddwyr awdurdod priffyrdd.
admin-refusal-kind-promoter-contractor = Ni all hyrwyddwr gael defnyddwyr contractwr.
admin-refusal-kind-highway-authority-contractor = Ni all awdurdod priffyrdd gael defnyddwyr contractwr.

## Darllen metadata IdP.
admin-invalid-metadata-too-large = Nid oedd modd darllen metadata’r IdP o { $url }: mae’r ddogfen yn fwy nag 1 MiB.
admin-invalid-metadata-not-utf8 = Nid oedd modd darllen metadata’r IdP o { $url }: nid yw’r ddogfen yn UTF-8.
admin-invalid-metadata-status = Nid oedd modd darllen metadata’r IdP o { $url }: atebodd y gweinydd { $status }.
admin-invalid-metadata-fetch = Nid oedd modd nôl metadata’r IdP o { $url }.
refusal-connection-no-role = Nid oes gan { $org } rôl { $role }; y rolau sydd ganddo yw: { $have }

## Gosodiadau rhaglen ddibynnol.
refusal-app-grant-type = Nid yw { $grant } yn fath o grant y mae Stile yn ei gefnogi.
admin-invalid-app-jwks-shape = Rhowch allweddi cyhoeddus y rhaglen fel set JWK: { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-json = Nid JSON yw’r allweddi cyhoeddus: rhowch set JWK, { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-private = Mae’r set allweddi yn cynnwys allwedd breifat (mae ganddi aelod "d"). Gludwch allweddi cyhoeddus y rhaglen yn unig, a thrinwch yr allwedd breifat honno fel un sydd wedi’i datgelu: gwnewch un newydd.
