#!/usr/bin/env python3
"""Start BIN serve on a fresh SQLite db, read /proc/PID/smaps cold idle, sign in once (GET /login,
POST /login/password), read again; print per-mapping Rss/Anonymous growth."""
import os, re, subprocess, sys, time, tempfile, urllib.request, urllib.parse, http.cookiejar, collections

BIN = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 18601
SIGNINS = int(os.environ.get("SIGNINS", "1"))
d = tempfile.mkdtemp(prefix="smaps-")
env = {k: v for k, v in os.environ.items() if not k.startswith("STILE_")}
env.update(STILE__DATA_DIR=d, STILE__SERVER__LISTEN=f"127.0.0.1:{PORT}", STILE__SERVER__ISSUER=f"http://127.0.0.1:{PORT}",
           STILE__LOG__FILTER=os.environ.get("LOGF", "warn"), STILE__DEMO__ENABLED="false")
subprocess.run([BIN, "migrate"], env=env, check=True, capture_output=True)
subprocess.run([BIN, "user", "add", "u@example.org", "--name", "U", "--password-stdin"], env=env, check=True,
               input=b"correct horse battery staple 1\n", capture_output=True)
log = open(os.path.join(d, "serve.log"), "w")
p = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
base = f"http://127.0.0.1:{PORT}"
for _ in range(300):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=1).read(); break
    except Exception: time.sleep(0.1)
time.sleep(float(os.environ.get("SETTLE", "2")))

def smaps(pid):
    out = collections.OrderedDict(); cur = None
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split()
            name = parts[5] if len(parts) > 5 else "[anon]"
            cur = f"{name} {parts[1]}"
            out.setdefault(cur, collections.Counter())
        else:
            k, _, v = line.partition(":")
            if k in ("Rss", "Anonymous", "Private_Dirty", "Shared_Clean", "Private_Clean"):
                out[cur][k] += int(v.split()[0])
    return out

def status(pid):
    s = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "RssAnon", "RssFile", "Threads"): s[k] = v.strip()
    return s

a = smaps(p.pid); sa = status(p.pid)
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
for i in range(SIGNINS):
    cj = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj), NoRedirect)
    html = op.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "email": "u@example.org", "password": "correct horse battery staple 1", "next": "/account"}).encode()
    try:
        r = op.open(base + "/login/password", data); code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    print("sign-in status", code, "cookies", sorted(c.name for c in cj), file=sys.stderr)
time.sleep(float(os.environ.get("AFTER", "1")))
b = smaps(p.pid); sb = status(p.pid)
print("cold idle:", sa); print("after sign-in:", sb)
rows = []
for k in set(a) | set(b):
    ra, rb = a.get(k, {}).get("Rss", 0), b.get(k, {}).get("Rss", 0)
    aa, ab = a.get(k, {}).get("Anonymous", 0), b.get(k, {}).get("Anonymous", 0)
    rows.append((rb - ra, ab - aa, ra, rb, k))
rows.sort(reverse=True)
print(f"{'dRss':>7} {'dAnon':>7} {'Rss0':>7} {'Rss1':>7}  mapping")
for r in rows:
    if r[0] or r[1] or r[3] > 500: print(f"{r[0]:7d} {r[1]:7d} {r[2]:7d} {r[3]:7d}  {r[4]}")
if os.environ.get("HOLD"):
    print("server pid", p.pid, "dir", d); sys.exit(0)
p.terminate(); p.wait()
