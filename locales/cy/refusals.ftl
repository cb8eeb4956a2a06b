# Gwrthodiadau /authorize, /end_session a thudalen y cyfrif a ddangosir ar y dudalen gwall
# (src/web/refusal_text.rs).

refused-no-client-id = Nid yw’r cais yn dweud pa raglen sy’n gofyn (mae client_id ar goll).
refused-request-gone = Mae’r cais mewngofnodi hwn wedi dod i ben neu wedi’i ddefnyddio eisoes. Ewch yn ôl i’r rhaglen a dechrau eto.
refused-our-side = Aeth rhywbeth o’i le ar ein hochr ni. Rhowch gynnig arall arni mewn munud.
refused-unknown-client = Nid yw’r rhaglen sy’n gofyn i chi fewngofnodi wedi’i chofrestru yma.
refused-no-redirect-uri = Nid oes redirect_uri yn y cais.
refused-unregistered-redirect = Gofynnodd y rhaglen am eich anfon i gyfeiriad nad yw wedi’i gofrestru, felly ni all barhau.
refused-foreign-id-token = Mae’r cais allgofnodi yn cynnwys tocyn ID na chafodd ei gyhoeddi yma.
refused-two-applications = Mae’r cais allgofnodi yn enwi dwy raglen wahanol.
refused-unregistered-logout-redirect = Gofynnodd y rhaglen am eich anfon i gyfeiriad nad yw wedi’i gofrestru.
refused-logout-redirect-unnamed = Mae angen id_token_hint neu client_id ar gyfeiriad ar ôl allgofnodi i ddweud pa raglen sy’n gofyn.
refused-unusable-address = Nid oes modd defnyddio cyfeiriad y rhaglen.
refused-session-ended = Mae’r sesiwn honno eisoes wedi dod i ben.
refused-no-consent = Nid oeddech wedi rhoi mynediad i’r rhaglen honno.
