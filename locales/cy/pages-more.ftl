## Rhagor o dudalennau, negeseuon e-bost a thudalennau gwall yn y ddwy iaith (issue 18).

## Y dudalen gydsynio: rolau neu ganiatadau sefydliad pan nad oes rhai.
consent-none = dim

## Y dudalen ar gyfer cais a wrthodwyd wrth y ffin: ble mae’r testun gwael, yna pam.
input-place-query-name = Mae enw un o baramedrau’r ymholiad
input-place-form-name = Mae enw un o baramedrau’r ffurflen
input-place-query-value = Mae paramedr yr ymholiad { $name }
input-place-form-value = Mae paramedr y ffurflen { $name }
input-place-path = Mae’r cyfeiriad (llwybr)
input-place-authorization = Mae’r pennawd Authorization
input-place-json = Mae’r corff JSON
input-place-field = Mae un o feysydd y ffurflen
problem-input-control = { $place } yn cynnwys nod rheoli (fel beit NUL), ac ni chaniateir hynny.
problem-input-not-utf8 = { $place } yn destun UTF-8 annilys.
problem-input-duplicate = Mae’r paramedr { $name } wedi’i gynnwys fwy nag unwaith.
problem-input-uri-too-long = Mae’r cyfeiriad yn rhy hir ({ $count } beit ar y mwyaf).
problem-input-headers-too-large = Mae penawdau’r cais yn rhy fawr ({ $fields } maes a { $bytes } beit ar y mwyaf).

## Y llwybrau mewnforio pan fo pob slot mewnforio yn brysur.
error-imports-busy-title = Mae mewnforion yn brysur
error-imports-busy-message = Mae mewnforion eraill yn rhedeg ar y gweinydd hwn. Rhowch gynnig arall arni ymhen munud; ni fewnforiwyd dim.

## Cyfeiriad rhaglen ddibynnol na ellir ei roi mewn ailgyfeiriad.
error-cannot-continue-title = Methu parhau

## Corff cais dros y terfyn maint (testun plaen).
problem-body-too-large = Mae corff y cais yn rhy fawr.

## Botwm copïo ar ôl ei bwyso.
copy-done = Wedi copïo
copy-failed = Methu copïo
