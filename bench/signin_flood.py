#!/usr/bin/env python3
"""Issue 12 memory check against `BIN serve` (release), driven from this separate process:
idle (ready + 1 s), after one sign-in (+2 s of /healthz), flood peak (4 loops, 10 s), right after,
after 60 s idle. Usage: flood.py BIN PORT"""
import os, re, subprocess, sys, time, tempfile, threading, urllib.request, urllib.parse, http.cookiejar
BIN, PORT = sys.argv[1], int(sys.argv[2]); LOOPS = int(os.environ.get("LOOPS", "4")); SECS = float(os.environ.get("SECS", "10")); IDLE = float(os.environ.get("IDLE", "60"))
d = tempfile.mkdtemp(prefix="flood-")
env = {k: v for k, v in os.environ.items() if not k.startswith("STILE_")}
env.update(STILE__DATA_DIR=d, STILE__SERVER__LISTEN=f"127.0.0.1:{PORT}", STILE__SERVER__ISSUER=f"http://127.0.0.1:{PORT}",
           STILE__LOG__FILTER="info", STILE__DEMO__ENABLED="false",
           STILE__THROTTLE__ACCOUNT_MAX_FAILURES="1000000000", STILE__THROTTLE__IP_MAX_FAILURES="1000000000")
subprocess.run([BIN, "migrate"], env=env, check=True, capture_output=True)
users = [(f"bench{i}@example.org", f"bench password {i} for stile") for i in range(LOOPS)]
for e, pw in users:
    subprocess.run([BIN, "user", "add", e, "--name", "B", "--password-stdin"], env=env, check=True, input=(pw + "\n").encode(), capture_output=True)
log = open(os.path.join(d, "serve.log"), "w")
p = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
base = f"http://127.0.0.1:{PORT}"
def mem():
    s = {}
    for line in open(f"/proc/{p.pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "RssAnon", "RssFile", "Threads"): s[k] = int(v.split()[0])
    return s
def fmt(s): return f"{s['VmRSS']/1000:6.1f} MB (anonymous {s['RssAnon']/1000:.1f}, file-backed {s['RssFile']/1000:.1f}), {s['Threads']} threads"
for _ in range(600):
    try: urllib.request.urlopen(base + "/healthz", timeout=1).read(); break
    except Exception: time.sleep(0.05)
time.sleep(1)
idle = mem()
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
def sign_in(e, pw):
    cj = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj), NoRedirect)
    html = op.open(base + "/login", timeout=30).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "email": e, "password": pw, "next": "/account"}).encode()
    try: r = op.open(base + "/login/password", data, timeout=30); code = r.status
    except urllib.error.HTTPError as ex: code = ex.code
    return code == 303 and any(c.name == "stile_session" for c in cj)
assert sign_in(*users[0])
t_end = time.time() + 2
while time.time() < t_end: urllib.request.urlopen(base + "/healthz").read(); time.sleep(0.005)
warm = mem()
peak = [0]; stop = [False]; ok = [0]
def sampler():
    while not stop[0]: peak[0] = max(peak[0], mem()["VmRSS"]); time.sleep(0.02)
def loop(e, pw):
    end = time.time() + SECS
    while time.time() < end:
        if sign_in(e, pw): ok[0] += 1
ts = threading.Thread(target=sampler); ts.start()
ls = [threading.Thread(target=loop, args=u) for u in users]; [t.start() for t in ls]; [t.join() for t in ls]
stop[0] = True; ts.join()
after = mem(); time.sleep(IDLE); rested = mem()
slots = 2
print(f"sign-ins in the flood: {ok[0]} ({LOOPS} loops, {SECS:.0f} s)")
print("  idle (ready, 1 s after)  ", fmt(idle))
print("  after one sign-in        ", fmt(warm))
bound = idle["VmRSS"] + slots * 20000 + 20000
print(f"  flood peak                {peak[0]/1000:6.1f} MB  bound {bound/1000:.1f} MB  {'PASS' if peak[0] <= bound else 'FAIL'}")
print("  right after the flood    ", fmt(after))
print(f"  after {IDLE:.0f} s idle          ", fmt(rested))
over = 100 * (rested["VmRSS"] - idle["VmRSS"]) / idle["VmRSS"]
print(f"  after idle vs idle  {over:+.1f}%  {'PASS' if over <= 10 else 'FAIL'};  vs after one sign-in {100*(rested['VmRSS']-warm['VmRSS'])/warm['VmRSS']:+.1f}%")
for l in open(os.path.join(d, "serve.log")):
    if "hashing takes" in l: print("  log:", l.strip()[:200])
p.terminate(); p.wait()
