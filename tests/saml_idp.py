#!/usr/bin/env python3
"""A real SAML 2.0 identity provider for the integration tests, built on pysaml2 and xmlsec1.

    python3 tests/saml_idp.py --port 8999 --dir /tmp/idp

Endpoints (all on 127.0.0.1):
  GET  /metadata          the IdP's metadata (entity id, HTTP-Redirect SSO URL, signing certificate)
  POST /sp-metadata       body: our SP's metadata XML; the IdP trusts that SP from now on
  POST /next              JSON: who signs in next and how the answer is built (see NEXT_DEFAULTS)
  GET  /sso               HTTP-Redirect binding: parses (and, when signed, verifies) the AuthnRequest
                          and answers with an auto-posting HTML form holding the SAMLResponse
  GET  /ec-cert           the PEM certificate of an ECDSA P-256 key that `"key": "ec"` signs with
  GET  /last-request      JSON about the last AuthnRequest: id, whether its signature was verified
  POST /forge             JSON as for /next plus acs, audience, in_response_to: returns the XML of a
                          response built and signed here (for tests of the validator itself)

By default (`"mode": "pysaml2"`) the answer is made by pysaml2's Server.create_authn_response with
a signed assertion. `"mode": "forge"` builds the response from a template and signs it with
xmlsec1, so tests can set every field and apply a `"mutation"` after signing (tampering, wrapping,
DOCTYPE...), to check that Stile refuses each.

Needs pysaml2 (tests/requirements.txt) and xmlsec1 on PATH. Stops on SIGTERM.
"""
import argparse
import base64
import html
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

XMLSEC = "/usr/bin/xmlsec1" if os.path.exists("/usr/bin/xmlsec1") else "xmlsec1"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"

NEXT_DEFAULTS = {
    "mode": "pysaml2",  # or "forge"
    "name_id": "jo@camden.example",
    "name_id_format": NAMEID_FORMAT_EMAILADDRESS,
    "attributes": {},
    "authn_context": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    "sign_response": False,  # pysaml2 mode: sign the Response as well as the assertion
    # forge only:
    "sign": "assertion",  # "assertion", "response", "both" or "none"
    "key": "idp",  # "idp" or "unknown"
    "status": SUCCESS,
    "destination": None,  # default: the ACS URL
    "recipient": None,  # default: the ACS URL
    "audience": None,  # default: the SP entity id
    "issuer": None,  # default: our entity id
    "in_response_to": "__request__",  # "__request__" = the request's ID; null = none
    "not_before_offset": -60,
    "not_on_or_after_offset": 300,
    "mutation": None,
}


def make_key(directory, name, ec=False):
    """A key pair and a self-signed certificate, as PEM files (with pysaml2's own dependency,
    cryptography, so the tests need no openssl command)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec as ec_keys
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = ec_keys.generate_private_key(ec_keys.SECP256R1()) if ec else rsa.generate_private_key(65537, 2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Test IdP {name}")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.crt")
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def esc(s):
    return html.escape(str(s), quote=True)


def signature_template(ref_id, alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"):
    return (
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        f'<ds:SignatureMethod Algorithm="{alg}"/>'
        f'<ds:Reference URI="#{ref_id}"><ds:Transforms>'
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>'
        '</ds:Reference></ds:SignedInfo><ds:SignatureValue/>'
        '<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>'
    )


class Idp:
    def __init__(self, base, directory):
        self.base = base
        self.dir = directory
        self.entity_id = base + "/metadata"
        self.key, self.cert = make_key(directory, "idp")
        self.unknown_key, self.unknown_cert = make_key(directory, "unknown")
        # An ECDSA P-256 key (not in the metadata) for testing ecdsa-sha256 signatures.
        self.ec_key, self.ec_cert = make_key(directory, "ec", ec=True)
        self.sp_metadata = None
        self.want_signed = False
        self.server = None
        self.next = dict(NEXT_DEFAULTS)
        self.last_request = None
        self.lock = threading.Lock()
        self._build()

    def _config(self):
        conf = {
            "entityid": self.entity_id,
            "xmlsec_binary": XMLSEC,
            "key_file": self.key,
            "cert_file": self.cert,
            "service": {
                "idp": {
                    "name": "Test IdP",
                    "endpoints": {"single_sign_on_service": [(self.base + "/sso", BINDING_HTTP_REDIRECT)]},
                    "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "sign_assertion": True,
                    "sign_response": False,
                    # Like a real IdP configured for the SP: demand (and verify) signed requests
                    # when the SP's metadata says it signs them.
                    "want_authn_requests_signed": self.want_signed,
                },
            },
            "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            "accepted_time_diff": 60,
        }
        if self.sp_metadata:
            conf["metadata"] = {"inline": [self.sp_metadata]}
        c = IdPConfig()
        c.load(conf)
        return c

    def _build(self):
        self.server = Server(config=self._config())

    def metadata(self):
        return create_metadata_string(None, config=self._config(), valid=1, sign=False).decode()

    def set_sp_metadata(self, xml):
        self.sp_metadata = xml
        self.want_signed = 'AuthnRequestsSigned="true"' in xml
        self._build()

    # --- responses -------------------------------------------------------------------------

    def sso(self, query):
        q = {k: v[0] for k, v in parse_qs(query).items()}
        relay = q.get("RelayState", "")
        req = self.server.parse_authn_request(
            q["SAMLRequest"], BINDING_HTTP_REDIRECT,
            relay_state=q.get("RelayState"), sigalg=q.get("SigAlg"), signature=q.get("Signature"),
        )
        msg = req.message
        self.last_request = {
            "id": msg.id,
            "issuer": msg.issuer.text if msg.issuer is not None else None,
            "acs": msg.assertion_consumer_service_url,
            "signed": "Signature" in q,
            # With want_authn_requests_signed, parse_authn_request has verified the redirect
            # signature against the SP metadata's certificate (it raises otherwise).
            "signature_verified": self.want_signed and "Signature" in q,
            "relay_state": relay,
        }
        n = dict(self.next)
        acs = msg.assertion_consumer_service_url
        sp = msg.issuer.text
        if n["mode"] == "forge":
            params = dict(n, acs=acs, sp_entity_id=sp, request_id=msg.id)
            xml = self.forge(params)
            return self.post_form(acs, base64.b64encode(xml.encode()).decode(), relay)
        resp_args = self.server.response_args(msg)
        resp = self.server.create_authn_response(
            identity=n["attributes"],
            userid=n["name_id"],
            name_id=NameID(format=n["name_id_format"], text=n["name_id"]),
            authn={"class_ref": n["authn_context"], "authn_auth": self.entity_id},
            sign_assertion=True,
            sign_response=bool(n.get("sign_response")),
            sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
            **resp_args,
        )
        xml = str(resp)
        return self.post_form(resp_args["destination"], base64.b64encode(xml.encode()).decode(), relay)

    @staticmethod
    def post_form(action, saml_response, relay):
        return (
            "<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\">"
            f'<form method="post" action="{esc(action)}">'
            f'<input type="hidden" name="SAMLResponse" value="{esc(saml_response)}"/>'
            f'<input type="hidden" name="RelayState" value="{esc(relay)}"/>'
            '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
        )

    def forge(self, p):
        now = int(time.time())
        resp_id = "_r" + secrets.token_hex(16)
        ass_id = "_a" + secrets.token_hex(16)
        acs = p["acs"]
        destination = p.get("destination") or acs
        recipient = p.get("recipient") or acs
        audience = p.get("audience") or p["sp_entity_id"]
        issuer = p.get("issuer") or self.entity_id
        irt = p.get("in_response_to")
        if irt == "__request__":
            irt = p.get("request_id")
        nb = iso(now + int(p.get("not_before_offset", -60)))
        noa = iso(now + int(p.get("not_on_or_after_offset", 300)))
        irt_attr = f' InResponseTo="{esc(irt)}"' if irt else ""
        sign = p.get("sign", "assertion")
        alg = ("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" if p.get("key") == "ec"
               else p.get("sig_alg", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"))
        attrs = "".join(
            f'<saml:Attribute Name="{esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">'
            + "".join(f'<saml:AttributeValue xsi:type="xs:string">{esc(v)}</saml:AttributeValue>'
                      for v in (values if isinstance(values, list) else [values]))
            + "</saml:Attribute>"
            for name, values in p.get("attributes", {}).items()
        )
        attr_statement = f"<saml:AttributeStatement>{attrs}</saml:AttributeStatement>" if attrs else ""
        assertion = (
            f'<saml:Assertion xmlns:saml="{SAML_NS}" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{ass_id}" Version="2.0" IssueInstant="{iso(now)}">'
            f"<saml:Issuer>{esc(issuer)}</saml:Issuer>"
            + (signature_template(ass_id, alg) if sign in ("assertion", "both") else "")
            + f'<saml:Subject><saml:NameID Format="{esc(p.get("name_id_format", NAMEID_FORMAT_EMAILADDRESS))}">{esc(p["name_id"])}</saml:NameID>'
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData{irt_attr} NotOnOrAfter="{noa}" Recipient="{esc(recipient)}"/>'
            f"</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}"><saml:AudienceRestriction>'
            f"<saml:Audience>{esc(audience)}</saml:Audience></saml:AudienceRestriction>"
            + p.get("extra_condition", "")
            + "</saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{iso(now)}" SessionIndex="_s{secrets.token_hex(8)}">'
            f"<saml:AuthnContext><saml:AuthnContextClassRef>{esc(p.get('authn_context', ''))}</saml:AuthnContextClassRef>"
            f"</saml:AuthnContext></saml:AuthnStatement>{attr_statement}</saml:Assertion>"
        )
        status = p.get("status", SUCCESS)
        with_assertion = status == SUCCESS or p.get("mutation") == "keep_assertion"
        response = (
            f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="{SAML_NS}" '
            f'ID="{resp_id}" Version="2.0" IssueInstant="{iso(now)}" Destination="{esc(destination)}"{irt_attr}>'
            f"<saml:Issuer>{esc(issuer)}</saml:Issuer>"
            + (signature_template(resp_id, alg) if sign == "response" else "")
            + f'<samlp:Status><samlp:StatusCode Value="{esc(status)}"/></samlp:Status>'
            + (assertion if with_assertion else "")
            + "</samlp:Response>"
        )
        key, cert = {
            "unknown": (self.unknown_key, self.unknown_cert),
            "ec": (self.ec_key, self.ec_cert),
        }.get(p.get("key"), (self.key, self.cert))
        signed = response
        if sign in ("assertion", "both") and with_assertion:
            signed = self.xmlsec_sign(signed, key, cert, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        if sign == "both":
            # xmlsec1 signs the first template in the document: add the Response's only now.
            i = signed.index("</saml:Issuer>") + len("</saml:Issuer>")
            signed = signed[:i] + signature_template(resp_id, alg) + signed[i:]
        if sign in ("response", "both"):
            signed = self.xmlsec_sign(signed, key, cert, "urn:oasis:names:tc:SAML:2.0:protocol:Response")
        return self.mutate(signed, p, ass_id)

    def xmlsec_sign(self, xml, key, cert, node):
        path = os.path.join(self.dir, f"unsigned-{secrets.token_hex(6)}.xml")
        with open(path, "w") as f:
            f.write(xml)
        try:
            out = subprocess.run(
                [XMLSEC, "--sign", "--privkey-pem", f"{key},{cert}", "--id-attr:ID", node, "--output", "-", path],
                check=True, capture_output=True,
            ).stdout.decode()
        finally:
            os.unlink(path)
        # Drop the XML declaration xmlsec1 adds, so mutations can prepend things.
        if out.startswith("<?xml"):
            out = out.split("?>", 1)[1].lstrip()
        return out

    @staticmethod
    def mutate(xml, p, ass_id):
        m = p.get("mutation")
        if not m or m == "keep_assertion":
            return xml
        start = xml.index("<saml:Assertion")
        end = xml.index("</saml:Assertion>") + len("</saml:Assertion>")
        signed_assertion = xml[start:end]
        evil = (signed_assertion.replace(p["name_id"], "mallory@camden.example")
                .split("<ds:Signature", 1)[0]
                + signed_assertion.split("</ds:Signature>", 1)[-1])
        if m == "tamper_attribute":
            # Change an attribute value inside the signed assertion, after signing.
            i = xml.index("<saml:AttributeValue")
            j = xml.index(">", i) + 1
            k = xml.index("</saml:AttributeValue>", j)
            return xml[:j] + "admins" + xml[k:]
        if m == "tamper_name_id":
            return xml.replace(p["name_id"], "mallory@camden.example")
        if m == "doctype":
            return '<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY x "y">]>' + xml
        if m == "second_assertion":
            # An unsigned assertion for someone else after the signed one.
            evil2 = evil.replace(ass_id, "_evil" + secrets.token_hex(8))
            return xml[:end] + evil2 + xml[end:]
        if m == "second_assertion_first":
            evil2 = evil.replace(ass_id, "_evil" + secrets.token_hex(8))
            return xml[:start] + evil2 + xml[start:]
        if m == "moved":
            # The signed assertion moved into Extensions, an unsigned one for someone else in its place.
            evil2 = evil.replace(ass_id, "_evil" + secrets.token_hex(8))
            rest = xml[:start] + evil2 + xml[end:]
            i = rest.index("<samlp:Status>")
            return rest[:i] + "<samlp:Extensions>" + signed_assertion + "</samlp:Extensions>" + rest[i:]
        if m == "moved_only":
            # Only the signed assertion, moved into Extensions (no assertion where one belongs).
            rest = xml[:start] + xml[end:]
            i = rest.index("<samlp:Status>")
            return rest[:i] + "<samlp:Extensions>" + signed_assertion + "</samlp:Extensions>" + rest[i:]
        if m == "duplicate_id":
            # An unsigned assertion with the signed one's ID, before it.
            return xml[:start] + evil + xml[start:]
        raise ValueError(f"unknown mutation {m}")


def make_handler(idp):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send(self, code, body, ctype="text/plain"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length", "0"))
            return self.rfile.read(n).decode()

        def do_GET(self):
            u = urlparse(self.path)
            try:
                with idp.lock:
                    if u.path == "/metadata":
                        return self.send(200, idp.metadata(), "application/samlmetadata+xml")
                    if u.path == "/sso":
                        return self.send(200, idp.sso(u.query), "text/html; charset=utf-8")
                    if u.path == "/ec-cert":
                        with open(idp.ec_cert) as f:
                            return self.send(200, f.read())
                    if u.path == "/last-request":
                        return self.send(200, json.dumps(idp.last_request), "application/json")
                return self.send(404, "not found")
            except Exception as e:  # the test reads the reason
                return self.send(400, f"{type(e).__name__}: {e}")

        def do_POST(self):
            u = urlparse(self.path)
            try:
                body = self.body()
                with idp.lock:
                    if u.path == "/sp-metadata":
                        idp.set_sp_metadata(body)
                        return self.send(200, "ok")
                    if u.path == "/next":
                        idp.next = dict(NEXT_DEFAULTS, **json.loads(body))
                        return self.send(200, "ok")
                    if u.path == "/forge":
                        p = dict(NEXT_DEFAULTS, **json.loads(body))
                        return self.send(200, idp.forge(p), "application/xml")
                return self.send(404, "not found")
            except Exception as e:
                return self.send(400, f"{type(e).__name__}: {e}")

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    idp = Idp(f"http://127.0.0.1:{a.port}", a.dir)
    httpd = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(idp))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
    print("ready", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
