-- wrk script for bench/oidc.sh: POST one fixed application/x-www-form-urlencoded body with
-- HTTP Basic client authentication (client_secret_basic). The body and credentials come from
-- the environment so that secrets never appear on wrk's command line:
--   BENCH_FORM_BODY   e.g. "grant_type=client_credentials&scope=api.read"
--   BENCH_BASIC_AUTH  base64("client_id:client_secret")
local body = os.getenv("BENCH_FORM_BODY")
local basic = os.getenv("BENCH_BASIC_AUTH")
if body == nil or basic == nil then
  error("post_form.lua needs BENCH_FORM_BODY and BENCH_BASIC_AUTH in the environment")
end

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. basic
wrk.headers["Accept"] = "application/json"
