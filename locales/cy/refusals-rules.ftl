## Gwrthodiadau haen gwasanaeth y gweinyddu a’r polisi nad oes neges arall ar eu cyfer (issue 18).
## Mae’r testun Saesneg (locales/en-GB/refusals-rules.ftl) yn union eiriad src/admin/ops a src/policy.

## Derbyn gwahoddiad neu e-bost croeso.

## Aelodau a chyfrifon.
refusal-members-page-link = Nid yw man cychwyn y dudalen (after) yn un a roddodd y rhestr hon: dechreuwch eto o’r dudalen gyntaf.
refusal-rotate-keys = Dim ond uwch-ddefnyddiwr all gylchdroi’r allweddi llofnodi.

## Hidlwyr a gweithredoedd swmp y rhestr defnyddwyr.
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
admin-invalid-metadata-xml = Nid oes modd defnyddio metadata’r IdP: nid yw’r metadata yn XML darllenadwy: { $detail }
admin-invalid-metadata-no-idp = Nid oes modd defnyddio metadata’r IdP: nid yw’r metadata yn disgrifio darparwr hunaniaeth (IDPSSODescriptor)
admin-invalid-metadata-no-entity-id = Nid oes modd defnyddio metadata’r IdP: nid oes entityID gan y darparwr hunaniaeth
admin-invalid-metadata-no-redirect-sso = Nid oes modd defnyddio metadata’r IdP: nid yw’r darparwr hunaniaeth yn cynnig SingleSignOnService gyda’r rhwymiad HTTP-Redirect
admin-invalid-metadata-no-signing-cert = Nid oes modd defnyddio metadata’r IdP: nid oes tystysgrif llofnodi ym metadata’r darparwr hunaniaeth, felly ni fyddai modd gwirio ei ymatebion
admin-invalid-metadata-cert-encoding = Nid oes modd defnyddio metadata’r IdP: nid oes modd defnyddio tystysgrif llofnodi yn y metadata: nid yw’r dystysgrif yn base64 nac yn PEM dilys
admin-invalid-metadata-cert-parse = Nid oes modd defnyddio metadata’r IdP: nid oes modd defnyddio tystysgrif llofnodi yn y metadata: nid oes modd dosrannu’r dystysgrif fel X.509
admin-invalid-metadata-cert-key-type = Nid oes modd defnyddio metadata’r IdP: nid oes modd defnyddio tystysgrif llofnodi yn y metadata: nid yw allwedd y dystysgrif yn RSA nac yn ECDSA P-256
admin-invalid-metadata-cert-key-size = Nid oes modd defnyddio metadata’r IdP: nid oes modd defnyddio tystysgrif llofnodi yn y metadata: mae allwedd RSA y dystysgrif yn fyrrach na 2048 did (neu’n hirach nag 8192)

## Gosodiadau rhaglen ddibynnol.
admin-invalid-app-jwks-shape = Rhowch allweddi cyhoeddus y rhaglen fel set JWK: { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-json = Nid JSON yw’r allweddi cyhoeddus: rhowch set JWK, { "{" }"keys": [...]{ "}" }.
admin-invalid-app-jwks-private = Mae’r set allweddi yn cynnwys allwedd breifat (mae ganddi aelod "d"). Gludwch allweddi cyhoeddus y rhaglen yn unig, a thrinwch yr allwedd breifat honno fel un sydd wedi’i datgelu: gwnewch un newydd.
