# bench/callgrind.sh: one keep-alive connection sending N identical form POSTs with Basic auth.
import http.client, sys, base64, json
host, port, n, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
auth = sys.argv[5]
body = sys.argv[6] if len(sys.argv) > 6 else "grant_type=client_credentials&scope=api.read"
c = http.client.HTTPConnection(host, port, timeout=120)
ok = 0
for i in range(n):
    path = "/token" if kind == "cc" else "/introspect"
    c.request("POST", path, body=body, headers={"Authorization": "Basic " + auth, "Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse(); data = r.read()
    if r.status == 200: ok += 1
    if i == 0 and kind == "cc" and len(sys.argv) > 7: open(sys.argv[7], "w").write(json.loads(data)["access_token"])
print(kind, "ok", ok, "of", n, file=sys.stderr)
