#!/usr/bin/env python3
"""Self-test of the fake Cloudflare API (it is the sync tests' oracle, so it is tested too).

Starts the fake as a subprocess on 127.0.0.1, the way the C++ system tests do, and talks to it
with urllib/http.client. Success responses are checked against the extract's response schemas.
Run with the system interpreter:  /usr/bin/python3 fake_cloudflare_selftest.py
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_cloudflare.py")
SCHEMA = os.environ.get("HORIZON_CLOUDFLARE_OPENAPI") or os.path.normpath(
    os.path.join(HERE, "..", "..", "data", "cloudflare", "dns-records.openapi.json"))

sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ beside the sources
import fake_cloudflare as fc  # noqa: E402  (the module under test, for its schema loader)

TOKEN = "test-token"
ZONE = "0123456789abcdef0123456789abcdef"
OTHER_ZONE = "fedcba9876543210fedcba9876543210"
RECORDS = f"/client/v4/zones/{ZONE}/dns_records"
BATCH = RECORDS + "/batch"
T_LIST = "/zones/{zone_id}/dns_records"
T_BATCH = "/zones/{zone_id}/dns_records/batch"
T_ONE = "/zones/{zone_id}/dns_records/{dns_record_id}"

# Proxies from the environment must never see this traffic: loopback only.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def start_fake(*extra):
    proc = subprocess.Popen([sys.executable, FAKE, "--schema", SCHEMA, "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.fullmatch(r"listening 127\.0\.0\.1:(\d+)\n", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"fake did not start: {line!r} {proc.stderr.read()}")
    return proc, int(match.group(1))


class FakeTestCase(unittest.TestCase):
    proc = None
    port = None

    @classmethod
    def setUpClass(cls):
        cls.openapi = fc.OpenApi(SCHEMA)
        cls.proc, cls.port = start_fake()

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    # ---- helpers

    def call(self, method, path, body=None, token=TOKEN, raw=None):
        """(status, headers, parsed JSON body) of one request."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         method=method, headers=headers)
        try:
            with OPENER.open(request, timeout=10) as response:
                return response.status, response.headers, json.loads(response.read())
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, json.loads(e.read())

    def control(self, method, path, body=None):
        status, _, out = self.call(method, "/__fake/" + path, body, token=None)
        self.assertEqual(status, 200, out)
        return out

    def seed(self, records=(), **options):
        state = {"zones": [{"id": ZONE, "name": "madhan.app"},
                           {"id": OTHER_ZONE, "name": "example.org"}],
                 "records": {ZONE: list(records)}}
        state.update(options)
        return self.control("PUT", "state", state)["records"][ZONE]

    def records(self):
        return self.control("GET", "state")["records"][ZONE]

    def log(self):
        return self.control("GET", "requests")["requests"]

    def ok(self, method, path, body=None, template=None):
        """A call that must succeed; its body is checked against the extract when it says how."""
        status, _, out = self.call(method, path, body)
        self.assertEqual(status, 200, out)
        self.assertIs(out["success"], True)
        self.assertEqual(out["errors"], [])
        if template:
            self.assertEqual(self.openapi.check_response(template, method, 200, out), [])
        return out["result"]

    def fails(self, method, path, body, status, code):
        got_status, _, out = self.call(method, path, body)
        self.assertEqual((got_status, out["errors"][0]["code"]), (status, code), out)
        self.assertIs(out["success"], False)
        self.assertIsNone(out["result"])
        self.assertEqual(
            self.openapi.check_component("dns-records_api-response-common-failure", out), [])
        return out

    def create(self, **fields):
        return self.ok("POST", RECORDS, fields, T_LIST)


class EnvelopeAndListing(FakeTestCase):
    def test_pagination_with_small_max_per_page(self):
        self.seed([{"type": "A", "name": f"h{i}", "content": f"192.0.2.{i}"} for i in range(5)],
                  max_per_page=2)
        seen = []
        for page, count in ((1, 2), (2, 2), (3, 1)):
            status, headers, out = self.call("GET", f"{RECORDS}?page={page}&per_page=100")
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "application/json")
            self.assertEqual(set(out), {"success", "errors", "messages", "result", "result_info"})
            self.assertEqual(out["result_info"], {"page": page, "per_page": 2, "count": count,
                                                  "total_count": 5, "total_pages": 3})
            self.assertEqual(self.openapi.check_response(T_LIST, "GET", 200, out), [])
            seen += [r["name"] for r in out["result"]]
        self.assertEqual(seen, [f"h{i}.madhan.app" for i in range(5)])  # creation order
        past_end = self.ok("GET", f"{RECORDS}?page=4")
        self.assertEqual(past_end, [])

    def test_default_page_size_and_bad_page(self):
        self.seed([{"type": "A", "name": "a", "content": "192.0.2.1"}])
        status, _, out = self.call("GET", RECORDS)
        self.assertEqual(out["result_info"]["per_page"], 100)
        self.fails("GET", RECORDS + "?page=0", None, 400, fc.E_BAD_QUERY)

    def test_filters(self):
        self.seed([{"type": "A", "name": "www", "content": "192.0.2.1",
                    "comment": "horizon: managed"},
                   {"type": "AAAA", "name": "www", "content": "2001:db8::1"},
                   {"type": "TXT", "name": "other", "content": "x", "comment": "by hand"}])
        for name in ("www.madhan.app", "WWW.Madhan.App", "www.madhan.app."):
            got = self.ok("GET", f"{RECORDS}?name={name}")
            self.assertEqual({r["type"] for r in got}, {"A", "AAAA"}, name)
        got = self.ok("GET", f"{RECORDS}?name=www.madhan.app&type=AAAA")
        self.assertEqual([r["type"] for r in got], ["AAAA"])
        self.assertEqual([r["type"] for r in self.ok("GET", f"{RECORDS}?content=192.0.2.1")], ["A"])
        got = self.ok("GET", f"{RECORDS}?comment.startswith=HORIZON%3A")
        self.assertEqual([r["type"] for r in got], ["A"])
        got = self.ok("GET", f"{RECORDS}?comment.exact=by%20hand")
        self.assertEqual([r["type"] for r in got], ["TXT"])
        self.assertEqual(self.ok("GET", f"{RECORDS}?name=nothere.madhan.app"), [])

    def test_unknown_zone_and_route(self):
        self.seed()
        self.fails("GET", "/client/v4/zones/ffffffffffffffffffffffffffffffff/dns_records", None,
                   404, fc.E_BAD_ZONE)
        self.fails("GET", "/client/v4/nothing", None, 404, fc.E_NO_ROUTE)
        self.fails("DELETE", BATCH, None, 405, fc.E_METHOD)

    def test_zone_lookup(self):
        self.seed()
        status, _, out = self.call("GET", "/client/v4/zones?name=MADHAN.app")
        self.assertEqual(status, 200)
        self.assertEqual(out["result"], [{"id": ZONE, "name": "madhan.app", "status": "active"}])
        self.assertEqual(out["result_info"]["total_count"], 1)
        self.assertEqual(self.ok("GET", "/client/v4/zones?name=nothere.app"), [])
        info = self.call("GET", "/client/v4/zones?per_page=500")[2]["result_info"]
        self.assertEqual((info["per_page"], info["total_count"]), (50, 2))


class RecordOperations(FakeTestCase):
    def test_create_get_patch_put_delete(self):
        self.seed()
        rec = self.create(type="A", name="www", content="192.0.2.1", ttl=300,
                          comment="horizon")
        self.assertRegex(rec["id"], r"^[0-9a-f]{32}$")
        self.assertEqual((rec["name"], rec["ttl"], rec["proxied"], rec["proxiable"],
                          rec["comment"], rec["tags"], rec["meta"]),
                         ("www.madhan.app", 300, False, True, "horizon", [], {}))
        self.assertNotIn("zone_id", rec)
        self.assertNotIn("zone_name", rec)
        one = f"{RECORDS}/{rec['id']}"
        self.assertEqual(self.ok("GET", one, template=T_ONE), rec)

        patched = self.ok("PATCH", one, {"type": "A", "name": "www.madhan.app",
                                         "content": "192.0.2.2"}, T_ONE)
        self.assertEqual((patched["content"], patched["ttl"], patched["comment"]),
                         ("192.0.2.2", 300, "horizon"))  # PATCH keeps what it does not name
        self.assertEqual(patched["created_on"], rec["created_on"])

        put = self.ok("PUT", one, {"type": "A", "name": "www", "content": "192.0.2.3"}, T_ONE)
        self.assertEqual((put["ttl"], put["proxied"], "comment" in put), (1, False, False))

        self.assertEqual(self.ok("DELETE", one, template=T_ONE), {"id": rec["id"]})
        self.fails("GET", one, None, 404, fc.E_NOT_FOUND)
        self.assertEqual(self.records(), [])

    def test_put_resets_proxied(self):
        rid = self.seed([{"type": "CNAME", "name": "app", "content": "edge.example.net",
                          "proxied": True}])[0]["id"]
        self.assertTrue(self.records()[0]["proxied"])
        put = self.ok("PUT", f"{RECORDS}/{rid}",
                      {"type": "CNAME", "name": "app.madhan.app", "content": "edge.example.net"})
        self.assertIs(put["proxied"], False)

    def test_proxied_record_has_automatic_ttl(self):
        self.seed()
        rec = self.create(type="A", name="p", content="192.0.2.9", proxied=True, ttl=300)
        self.assertEqual((rec["proxied"], rec["ttl"]), (True, 1))

    def test_names_and_content_normalized(self):
        self.seed()
        self.assertEqual(self.create(type="TXT", name="@", content="v")["name"], "madhan.app")
        mixed = self.create(type="A", name="Mixed.MADHAN.app.", content="192.0.2.1")
        self.assertEqual(mixed["name"], "mixed.madhan.app")
        v6 = self.create(type="AAAA", name="v6", content="2001:0DB8:0:0::0001")
        self.assertEqual(v6["content"], "2001:db8::1")

    def test_structured_types(self):
        self.seed()
        srv = self.create(type="SRV", name="_sip._tcp",
                          data={"priority": 10, "weight": 5, "port": 5060,
                                "target": "sip.madhan.app"})
        self.assertEqual((srv["content"], srv["priority"]), ("5 5060 sip.madhan.app", 10))
        caa = self.create(type="CAA", name="@",
                          data={"flags": 0, "tag": "issue", "value": "letsencrypt.org"})
        self.assertEqual(caa["content"], '0 issue "letsencrypt.org"')
        mx = self.create(type="MX", name="@", content="mail.madhan.app", priority=10)
        self.assertEqual(mx["priority"], 10)
        status, _, out = self.call("GET", RECORDS)
        self.assertEqual(self.openapi.check_response(T_LIST, "GET", 200, out), [])

    def test_identical_create(self):
        self.seed([{"type": "A", "name": "www", "content": "192.0.2.1"}])
        self.fails("POST", RECORDS, {"type": "A", "name": "WWW.madhan.app", "content": "192.0.2.1"},
                   400, fc.E_IDENTICAL)
        self.create(type="A", name="www", content="192.0.2.2")  # round robin is fine

    def test_cname_clashes(self):
        self.seed([{"type": "A", "name": "a", "content": "192.0.2.1"},
                   {"type": "CNAME", "name": "c", "content": "target.example.net"}])
        self.fails("POST", RECORDS, {"type": "CNAME", "name": "a", "content": "x.example.net"},
                   400, fc.E_CNAME_OVER_OTHER)
        self.fails("POST", RECORDS, {"type": "A", "name": "c", "content": "192.0.2.1"},
                   400, fc.E_OTHER_OVER_CNAME)
        self.fails("POST", RECORDS, {"type": "AAAA", "name": "c", "content": "2001:db8::1"},
                   400, fc.E_OTHER_OVER_CNAME)
        self.assertEqual(len(self.records()), 2)

    def test_stale_id(self):
        self.seed()
        stale = f"{RECORDS}/{'0' * 32}"
        body = {"type": "A", "name": "www", "content": "192.0.2.1"}
        for method, payload in (("GET", None), ("PATCH", body), ("PUT", body), ("DELETE", None)):
            self.fails(method, stale, payload, 404, fc.E_NOT_FOUND)

    def test_read_only_record_refused(self):
        rid = self.seed([{"type": "TXT", "name": "@", "content": "cf", "read_only": True}])[0]["id"]
        before = self.records()
        self.assertEqual(before[0]["meta"], {"read_only": True})
        one = f"{RECORDS}/{rid}"
        body = {"type": "TXT", "name": "@", "content": "mine"}
        self.fails("PATCH", one, body, 400, fc.E_READ_ONLY)
        self.fails("PUT", one, body, 400, fc.E_READ_ONLY)
        self.fails("DELETE", one, None, 400, fc.E_READ_ONLY)
        self.fails("POST", BATCH, {"deletes": [{"id": rid}]}, 400, fc.E_READ_ONLY)
        self.assertEqual(self.records(), before)

    def test_semantic_refusals(self):
        self.seed()
        cases = [
            ({"type": "TXT", "name": "t", "content": "x", "proxied": True}, fc.E_NOT_PROXIABLE),
            ({"type": "A", "name": "a", "content": "192.0.2.1", "ttl": 30}, fc.E_TTL),
            ({"type": "A", "name": "a", "content": "192.0.2.1", "comment": "x" * 101},
             fc.E_COMMENT),
            ({"type": "A", "name": "a", "content": "192.0.2.1", "comment": "a\nb"}, fc.E_COMMENT),
            ({"type": "CNAME", "name": "loop", "content": "loop.madhan.app"}, fc.E_CNAME_SELF),
            ({"type": "CNAME", "name": "bad", "content": "not a host"}, fc.E_HOSTNAME),
            ({"type": "A", "name": "bad name", "content": "192.0.2.1"}, fc.E_NAME),
        ]
        for body, code in cases:
            with self.subTest(body=body):
                self.fails("POST", RECORDS, body, 400, code)
        self.create(type="A", name="a", content="192.0.2.1", comment="x" * 100, ttl=86400)
        self.assertEqual(len(self.records()), 1)

    def test_record_quota(self):
        self.seed([{"type": "TXT", "name": f"t{i}", "content": "x"} for i in range(200)])
        self.fails("POST", RECORDS, {"type": "A", "name": "one-more", "content": "192.0.2.1"},
                   400, fc.E_QUOTA)
        self.assertEqual(len(self.records()), 200)


class Batch(FakeTestCase):
    def test_success_in_fixed_order(self):
        recs = self.seed([{"type": "A", "name": "www", "content": "192.0.2.1"},
                          {"type": "A", "name": "api", "content": "192.0.2.2", "ttl": 300},
                          {"type": "TXT", "name": "t", "content": "old"}])
        body = {
            # Listed in the "wrong" order on purpose: a CNAME can only be posted at www once
            # the A record there is deleted, which the fixed order guarantees.
            "posts": [{"type": "CNAME", "name": "www", "content": "edge.example.net"}],
            "puts": [{"id": recs[2]["id"], "type": "TXT", "name": "t", "content": "new"}],
            "patches": [{"id": recs[1]["id"], "content": "192.0.2.22"}],
            "deletes": [{"id": recs[0]["id"]}],
        }
        result = self.ok("POST", BATCH, body, T_BATCH)
        self.assertEqual(set(result), {"deletes", "patches", "puts", "posts"})
        self.assertEqual(result["deletes"][0]["id"], recs[0]["id"])
        self.assertEqual((result["patches"][0]["content"], result["patches"][0]["ttl"]),
                         ("192.0.2.22", 300))
        self.assertEqual(result["puts"][0]["content"], "new")
        self.assertEqual(result["posts"][0]["type"], "CNAME")
        self.assertEqual(sorted(r["name"] for r in self.records()),
                         ["api.madhan.app", "t.madhan.app", "www.madhan.app"])

    def test_all_or_nothing(self):
        recs = self.seed([{"type": "A", "name": "www", "content": "192.0.2.1"},
                          {"type": "A", "name": "api", "content": "192.0.2.2"}])
        before = self.records()
        body = {"deletes": [{"id": recs[0]["id"]}],
                "patches": [{"id": recs[1]["id"], "ttl": 600}],
                "puts": [{"id": "0" * 32, "type": "A", "name": "gone", "content": "192.0.2.3"}],
                "posts": [{"type": "A", "name": "new", "content": "192.0.2.4"}]}
        out = self.fails("POST", BATCH, body, 400, fc.E_NOT_FOUND)  # the 3rd operation fails
        self.assertEqual(len(out["errors"]), 1)
        self.assertEqual(self.openapi.check_response(T_BATCH, "POST", 400, out), [])
        self.assertEqual(self.records(), before)

    def test_too_many_operations(self):
        self.seed()
        posts = [{"type": "TXT", "name": f"t{i}", "content": "x"} for i in range(201)]
        self.fails("POST", BATCH, {"posts": posts}, 400, fc.E_BATCH_TOO_LARGE)
        self.assertEqual(self.records(), [])
        result = self.ok("POST", BATCH, {"posts": posts[:200]}, T_BATCH)
        self.assertEqual(len(result["posts"]), 200)

    def test_configurable_max_batch(self):
        self.seed(max_batch=2)
        posts = [{"type": "TXT", "name": f"t{i}", "content": "x"} for i in range(3)]
        self.fails("POST", BATCH, {"posts": posts}, 400, fc.E_BATCH_TOO_LARGE)


class SchemaValidation(FakeTestCase):
    def assert_flagged(self, method, path, body, fragment):
        self.control("DELETE", "requests")
        self.fails(method, path, body, 400, fc.E_BODY_INVALID)
        (entry,) = self.log()
        self.assertTrue(any(fragment in e for e in entry["schema_errors"]), entry["schema_errors"])
        return entry

    def test_bad_bodies_flagged(self):
        rid = self.seed([{"type": "A", "name": "www", "content": "192.0.2.1"}])[0]["id"]
        self.assert_flagged("POST", RECORDS, {"type": "A", "name": "x", "content": "not-an-ip"},
                            "ipv4")
        self.assert_flagged("POST", RECORDS, {"type": "A", "content": "192.0.2.1"},
                            "'name' is a required property")
        self.assert_flagged("POST", BATCH, {"patches": [{"content": "192.0.2.9"}]},
                            "body/patches/0: 'id' is a required property")
        self.assert_flagged("POST", RECORDS, {"type": "A", "name": "x", "content": "192.0.2.1",
                                              "ttl": 0}, "body/ttl")
        self.assert_flagged("POST", RECORDS, {"type": "A", "name": "x", "content": "192.0.2.1",
                                              "comment": None}, "body/comment")
        # The extract's single-record PATCH body is the full record schema, so a partial body
        # is invalid there (the batch's patch items are the partial form).
        self.assert_flagged("PATCH", f"{RECORDS}/{rid}", {"ttl": 300},
                            "'type' is a required property")
        self.control("DELETE", "requests")
        self.fails("POST", RECORDS, None, 400, fc.E_BODY_INVALID)  # required body missing
        status, _, out = self.call("POST", RECORDS, raw=b"{not json")
        self.assertEqual((status, out["errors"][0]["code"]), (400, fc.E_BODY_INVALID))
        self.assertEqual([bool(e["schema_errors"]) for e in self.log()], [True, True])
        self.assertEqual(self.records()[0]["content"], "192.0.2.1")

    def test_good_bodies_pass(self):
        self.seed()
        self.create(type="A", name="www", content="192.0.2.1", ttl=1, proxied=False,
                    comment="managed by horizon")
        self.create(type="SRV", name="_sip._tcp",  # content is readOnly for SRV: not required
                    data={"priority": 1, "weight": 1, "port": 5060, "target": "sip.madhan.app"})
        (entry, _) = self.log()
        self.assertEqual(entry["schema_errors"], [])
        self.assertEqual(entry["body"]["comment"], "managed by horizon")

    def test_request_view_of_the_extract(self):
        schemas = self.openapi.request_doc["components"]["schemas"]
        self.assertEqual(schemas["dns-records_dns-record"]["required"], ["type", "name"])
        self.assertEqual(schemas["dns-records_dns-record-batch-delete"]["required"], ["id"])
        self.assertEqual(schemas["dns-records_dns-record-batch-patch"]["required"], ["id"])
        put_item = schemas["dns-records_dns-record-batch-put"]
        self.assertEqual(put_item["allOf"][0]["required"], ["id"])
        responses = self.openapi.response_doc["components"]["schemas"]
        self.assertIn("id", responses["dns-records_dns-record"]["required"])
        self.assertIn("proxiable", responses["dns-records_dns-record"]["required"])
        collection = responses["dns-records_api-response-collection"]
        result = collection["allOf"][1]["properties"]["result"]
        self.assertEqual(result["type"], ["array", "null"])  # nullable honoured


class AuthAndFaults(FakeTestCase):
    def test_bad_token(self):
        self.seed()
        for token in (None, "wrong-secret-value"):
            status, _, out = self.call("GET", RECORDS, token=token)
            self.assertEqual(status, 403)
            self.assertEqual(out["errors"], [{"code": 10000, "message": "Authentication error"}])
            text = json.dumps(out)
            self.assertNotIn(TOKEN, text)
            self.assertNotIn("wrong-secret-value", text)
        log = self.log()
        self.assertEqual([e["authorized"] for e in log], [False, False])
        self.assertNotIn("wrong-secret-value", json.dumps(log))

    def test_rate_limit_then_success(self):
        self.seed()
        self.control("POST", "faults", {"faults": [{"path_contains": "/dns_records", "status": 429,
                                                    "retry_after": 2, "count": 1}]})
        status, headers, out = self.call("GET", RECORDS)
        self.assertEqual((status, headers["Retry-After"]), (429, "2"))
        self.assertEqual(out["errors"], [{"code": 10429, "message": "Rate limited"}])
        self.ok("GET", RECORDS)
        self.assertEqual([(e["status"], e["faulted"]) for e in self.log()],
                         [(429, True), (200, False)])

    def test_server_error_applies_nothing(self):
        self.seed()
        self.control("POST", "faults", {"faults": [{"method": "POST", "status": 503, "count": 1}]})
        self.ok("GET", RECORDS)  # other methods pass
        body = {"type": "A", "name": "a", "content": "192.0.2.1"}
        status, _, out = self.call("POST", RECORDS, body)
        self.assertEqual(status, 503)
        self.assertIs(out["success"], False)
        self.assertEqual(self.records(), [])
        self.create(type="A", name="a", content="192.0.2.1")

    def test_drop_and_skip(self):
        self.seed()
        self.control("POST", "faults", {"faults": [
            {"path_contains": "dns_records", "action": "drop", "skip": 1, "count": 1}]})
        self.ok("GET", RECORDS)  # skipped
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", RECORDS, headers={"Authorization": f"Bearer {TOKEN}"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        conn.close()
        self.ok("GET", RECORDS)
        self.assertEqual([e["status"] for e in self.log()], [200, 0, 200])
        self.assertEqual(self.control("GET", "faults")["faults"][0]["count"], 0)

    def test_skipped_request_passes_later_rules_too(self):
        # As in "the first batch goes through, then every write fails".
        self.seed()
        self.control("POST", "faults", {"faults": [
            {"path_contains": "/batch", "status": 500, "skip": 1, "count": 1},
            {"method": "POST", "action": "drop", "count": 100}]})
        post = {"posts": [{"type": "A", "name": "a", "content": "192.0.2.1"}]}
        self.ok("POST", BATCH, post)
        self.assertEqual(self.call("POST", BATCH, post)[0], 500)
        dropped = (http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)
        with self.assertRaises(dropped):
            self.call("POST", BATCH, post)
        self.assertEqual([(e["status"], e["faulted"]) for e in self.log()],
                         [(200, False), (500, True), (0, True)])
        self.assertEqual(len(self.records()), 1)

    def test_faults_cleared(self):
        self.seed()
        self.control("POST", "faults", {"faults": [{"status": 500, "count": -1}]})
        self.assertEqual(self.call("GET", RECORDS)[0], 500)
        self.control("DELETE", "faults")
        self.ok("GET", RECORDS)
        typo = {"faults": [{"statuss": 500}]}
        status, _, out = self.call("POST", "/__fake/faults", typo, token=None)
        self.assertEqual(status, 400)


class Transport(FakeTestCase):
    def test_keep_alive_and_expect_continue(self):
        self.seed()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = json.dumps({"type": "TXT", "name": "big", "content": "x" * 4000})
        conn.request("POST", RECORDS, body=body, headers={
            "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
            "Expect": "100-continue"})
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        response.read()
        sock = conn.sock
        conn.request("GET", RECORDS, headers={"Authorization": f"Bearer {TOKEN}"})
        response = conn.getresponse()
        self.assertEqual(int(response.headers["Content-Length"]), len(response.read()))
        self.assertIs(conn.sock, sock)  # same connection reused
        conn.close()

    def test_control_state_round_trip(self):
        self.control("DELETE", "requests")
        self.call("GET", RECORDS)
        recs = self.seed([{"id": "a" * 32, "type": "A", "name": "x", "content": "192.0.2.1",
                           "comment": None}])
        self.assertEqual(recs[0]["id"], "a" * 32)
        self.assertNotIn("comment", recs[0])
        self.assertEqual(self.log(), [])  # PUT state clears the log
        status, _, out = self.call("PUT", "/__fake/state", {"zones": [], "records": {ZONE: []}},
                                   token=None)
        self.assertEqual(status, 400)
        self.assertEqual(len(self.records()), 1)  # a bad state leaves the old one


class Lifecycle(unittest.TestCase):
    def test_missing_schema_exits_2(self):
        env = dict(os.environ)
        env.pop("HORIZON_CLOUDFLARE_OPENAPI", None)
        proc = subprocess.run([sys.executable, FAKE], capture_output=True, text=True, env=env,
                              timeout=20)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, "")
        self.assertIn("HORIZON_CLOUDFLARE_OPENAPI", proc.stderr)

    def test_sigterm_and_shutdown_exit_cleanly(self):
        proc, _ = start_fake()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)
        self.assertEqual(proc.stdout.read(), "")  # nothing after the listening line
        proc.stdout.close()
        proc.stderr.close()

        proc, port = start_fake("--token", "other")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/__fake/shutdown", data=b"",
                                         method="POST")
        with OPENER.open(request, timeout=10) as response:
            self.assertEqual(response.status, 200)
        self.assertEqual(proc.wait(timeout=10), 0)
        proc.stdout.close()
        proc.stderr.close()


if __name__ == "__main__":
    if not os.path.isfile(SCHEMA):
        sys.exit(f"OpenAPI extract not found at {SCHEMA}; set HORIZON_CLOUDFLARE_OPENAPI")
    unittest.main(verbosity=2)
