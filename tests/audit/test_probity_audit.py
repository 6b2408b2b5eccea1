#!/usr/bin/env python3
"""Format v2 tests of tools/probity-audit on hand-built data, and on what the probity binary
exports.

Builds canonical Cap'n Proto Events and Entries by hand (a small encoder below, checked
against bytes probity wrote), signs them with Ed25519 keys from fixed seeds through the
openssl command, builds RFC 9162 proofs, a C2SP checkpoint note and tlog-cosignature
(cosignature/v1) lines, then runs the auditor's command line and checks that it accepts
what is right and refuses (exit 1, one line on stderr) what is not: a wrong origin, a
flipped byte, a wrong salt or value, a bad cosignature, a quorum not met, and more.
One cosignature is real: a checkpoint of a public CT log cosigned by a public witness.
Evidence packs (docs/formats.md, "Evidence packs") are built the same way, in both forms
(the HTML page and the JSON document), and each rule of "Checking a pack" is broken once;
so are report files (section 13) in CSV, JSON and .xlsx. RealExportTest then checks the
packs and report files `probity` itself writes of tests/web/make_store.sh's store, as they
are and edited.

Run: python3 tests/audit/test_probity_audit.py [-v]   (tests/cli/audit.sh runs it)
Needs python3 and openssl; the schema check also needs `capnp`, RealExportTest the probity
binary ($PROBITY, else build/probity); each is skipped without it.
"""

import base64
import csv
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile
from xml.sax.saxutils import escape as xml_escape

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOL = os.path.join(ROOT, "tools", "probity-audit")


def load_tool():
    loader = importlib.machinery.SourceFileLoader("probity_audit", TOOL)
    spec = importlib.util.spec_from_loader("probity_audit", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


audit = load_tool()

ORIGIN = "audit.test/probity-v2"
OTHER_ORIGIN = "audit.test/another-ledger"
PREFIX = b"probity/event/v2\n"
RECORDED = 1555408801000000  # 2019-04-16T10:00:01Z in microseconds


# ---- a canonical Cap'n Proto encoder (single segment, pre-order, truncated) ---------------

def S(data=(), ptrs=()):
    return ("struct", list(data), list(ptrs))


def T(text):
    return None if text is None else ("text", text)


def D(raw):
    return ("data", raw)


def TL(items):
    return ("textlist", list(items))


def encode(root):
    buf = bytearray(8)

    def alloc(words):
        start = len(buf) // 8
        buf.extend(bytes(8 * words))
        return start

    def put(at, value):
        buf[8 * at:8 * at + 8] = value.to_bytes(8, "little")

    def offset(at, start):
        return ((start - at - 1) & 0x3FFFFFFF) << 2

    def write(at, obj):
        if obj is None:
            return
        kind = obj[0]
        if kind == "struct":
            data, ptrs = list(obj[1]), list(obj[2])
            while data and data[-1] == 0:
                data.pop()
            while ptrs and ptrs[-1] is None:
                ptrs.pop()
            if not data and not ptrs:
                put(at, 0xFFFFFFFC)  # empty struct: offset -1
                return
            start = alloc(len(data) + len(ptrs))
            put(at, offset(at, start) | len(data) << 32 | len(ptrs) << 48)
            for i, word in enumerate(data):
                put(start + i, word)
            for i, child in enumerate(ptrs):
                write(start + len(data) + i, child)
        elif kind in ("text", "data"):
            raw = obj[1].encode("utf-8") + b"\0" if kind == "text" else obj[1]
            start = alloc((len(raw) + 7) // 8)
            buf[8 * start:8 * start + len(raw)] = raw
            put(at, 1 | offset(at, start) | 2 << 32 | len(raw) << 35)
        elif kind == "textlist":
            start = alloc(len(obj[1]))
            put(at, 1 | offset(at, start) | 6 << 32 | len(obj[1]) << 35)
            for i, item in enumerate(obj[1]):
                write(start + i, ("text", item))
        else:
            raise ValueError(kind)

    write(0, root)
    return bytes(buf)


TAGS = {name: tag for tag, (name, _, _) in enumerate(audit.EVENT_TYPES)}


def event(etype, event_id, member):
    return encode(S([TAGS[etype]], [T(event_id), member]))


def entry_bytes(seq, body, key_id, signature, recorded=RECORDED):
    return encode(S([seq, recorded], [S([], [D(body), D(key_id), D(signature)])]))


def commitment(salt, value):
    return hashlib.sha256(salt + value.encode("utf-8")).digest()


# ---- keys from fixed seeds ----------------------------------------------------------------

def public_key(seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "k.pem")
        with open(path, "w") as f:
            f.write(audit.pem("PRIVATE KEY", audit.PKCS8_ED25519_PREFIX + seed))
        der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                             check=True, stdout=subprocess.PIPE).stdout
    assert len(der) == 44 and der[:12] == audit.SPKI_ED25519_PREFIX
    return der[12:]


_signatures = {}


def sign(seed, message):
    """Ed25519 is deterministic: each (key, message) is signed by openssl once."""
    if (seed, message) not in _signatures:
        _signatures[(seed, message)] = audit.ed25519_sign_from_seed(seed, message)
    return _signatures[(seed, message)]


class Key:
    def __init__(self, name, seed, alg):
        self.name, self.seed, self.alg = name, seed, alg
        self.public = public_key(seed)
        self.key_id = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + self.public).digest()[:4]
        self.vkey = f"{name}+{self.key_id.hex()}+{base64.b64encode(bytes([alg]) + self.public).decode()}"

    def note_line(self, text):  # signed-note Ed25519 (0x01): the signature covers the text
        sig = sign(self.seed, text.encode())
        return f"\u2014 {self.name} {base64.b64encode(self.key_id + sig).decode()}\n"

    def cosign_line(self, text, timestamp, signed_text=None, signed_time=None):
        """c2sp.org/tlog-cosignature: "cosignature/v1\\ntime T\\n" || note text, and
        key id || timestamp (8 bytes, big-endian) || signature on the line."""
        message = (b"cosignature/v1\ntime " + str(timestamp if signed_time is None else
                                                   signed_time).encode() + b"\n" +
                   (text if signed_text is None else signed_text).encode())
        raw = self.key_id + timestamp.to_bytes(8, "big") + sign(self.seed, message)
        return f"\u2014 {self.name} {base64.b64encode(raw).decode()}\n"


def signer_pem(public):
    return audit.pem("PUBLIC KEY", audit.SPKI_ED25519_PREFIX + public)


# ---- RFC 9162 proofs (2.1.3.1 PATH, 2.1.4.1 PROOF) ------------------------------------------

def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def path(m, leaves):
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [audit.merkle_root(leaves[k:])]
    return path(m - k, leaves[k:]) + [audit.merkle_root(leaves[:k])]


def subproof(m, leaves, complete):
    n = len(leaves)
    if m == n:
        return [] if complete else [audit.merkle_root(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], complete) + [audit.merkle_root(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [audit.merkle_root(leaves[:k])]


def capnp_layout():
    """`capnp compile -ocapnp schemas/event.capnp`, or None without capnp."""
    capnp = shutil.which("capnp")
    if capnp is None:
        return None
    include = os.path.join(os.path.dirname(os.path.dirname(capnp)), "include")
    return subprocess.run([capnp, "compile", f"-I{include}", "-ocapnp",
                           os.path.join(ROOT, "schemas", "event.capnp")],
                          check=True, stdout=subprocess.PIPE, text=True).stdout


# ---- a hand-built v2 ledger -----------------------------------------------------------------

SEEDS = {name: hashlib.sha256(b"probity-audit test seed " + name.encode()).digest()
         for name in ("admin", "hr", "dispatcher", "log", "other-log", "w1", "w2", "w3",
                      "stranger")}
SALT = bytes.fromhex("5a" * 16 + "c3" * 16)
SALT2 = hashlib.sha256(b"second salt").digest()
WITNESS_TIMES = {"w1": 1767225600, "w2": 1767225601}


class Ledger:
    """Entries signed for `origin`, the checkpoint note at the full size, proofs and shows."""

    def __init__(self, tmp, name, bodies, origin=ORIGIN, log_key=None, signed_origin=None,
                 cosigners=("w1", "w2"), keys=None):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.keys = keys
        self.origin = origin
        self.log = log_key
        self.bodies = bodies
        admin = keys["admin"]
        self.entries, self.signed = [], []
        for seq, body in enumerate(bodies):
            signed = PREFIX + (signed_origin or origin).encode() + b"\n" + body
            sig = sign(admin.seed, signed)
            self.signed.append(signed)
            self.entries.append(entry_bytes(seq, body, hashlib.sha256(admin.public).digest(), sig))
        self.leaves = [audit.leaf_hash(e) for e in self.entries]
        self.text = self.checkpoint_text(len(self.entries))
        self.note = self.write("note", self.text + "\n" + self.log.note_line(self.text) + "".join(
            keys[w].cosign_line(self.text, WITNESS_TIMES[w]) for w in cosigners))
        self.pubkey = self.write("admin.pub", signer_pem(admin.public))

    def checkpoint_text(self, size):
        root = audit.merkle_root(self.leaves[:size])
        return f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"

    def write(self, name, content):
        path_ = os.path.join(self.dir, name)
        with open(path_, "w" if isinstance(content, str) else "wb") as f:
            f.write(content)
        return path_

    def inclusion(self, seq, size=None):
        size = len(self.leaves) if size is None else size
        return self.write(f"inc-{seq}-{size}.json", json.dumps({
            "index": seq, "treeSize": size, "leafHash": self.leaves[seq].hex(),
            "hashes": [h.hex() for h in path(seq, self.leaves[:size])],
            "root": audit.merkle_root(self.leaves[:size]).hex()}))

    def consistency(self, old, new):
        return self.write(f"cons-{old}-{new}.json", json.dumps({
            "oldSize": old, "newSize": new,
            "hashes": [h.hex() for h in subproof(old, self.leaves[:new], True)],
            "oldRoot": audit.merkle_root(self.leaves[:old]).hex(),
            "newRoot": audit.merkle_root(self.leaves[:new]).hex()}))

    def show(self, seq, name=None, event_json=None, **extra):
        decoded = audit.decode_entry(self.entries[seq])
        value = {
            "seq": seq, "recordedAt": "2019-04-16T10:00:01.000000Z",
            "entry": base64.b64encode(self.entries[seq]).decode(),
            "leafHash": self.leaves[seq].hex(), "keyId": decoded["keyId"].hex(),
            "signature": base64.b64encode(decoded["signature"]).decode(),
            "signed": base64.b64encode(self.signed[seq]).decode(), "verified": True,
            "event": event_json or {"id": f"e-{seq}", "type": audit.event_type(self.bodies[seq])}}
        value.update(extra)
        return self.write(name or f"show-{seq}.json", json.dumps(value, ensure_ascii=False))


def restriction(event_id, value=None, salt=SALT, sealed=None):
    reason = sealed if sealed is not None else S([], [D(commitment(salt, value))])
    return event("restrictionRecorded", event_id, S([], [T("P000002"), reason, T("2019-05-01")]))


def good_bodies():
    return [
        event("unitRegistered", "e-0", S([0], [T("U001"), T("大气环境司")])),
        event("unitRegistered", "e-1", S([3], [T("U002"), T("河北省生态环境厅"), T("13")])),
        restriction("e-2", "health"),
        event("principalNamed", "e-3", S([], [T("U002"), T("李明"), T("2019-06-01")])),
        event("calendarPublished", "e-4", S([2020], [TL(["2020-01-01", "2020-10-01"]),
                                                    TL(["2020-01-19"])])),
        event("erasure", "e-5", S([2], [T("the person asked (R1)")])),
        event("explanationSubmitted", "e-6", S([2019 | 1 << 16], [
            T("130100"), T("U002"), T("2020-01-10"), T("说明"), T("王强")])),
        event("trainingCompleted", "e-7", S([1 | 3 << 16], [
            T("P000001"), T("2019-05-02"), T("a provincial session")])),
        restriction("e-8", "pregnancy", salt=SALT2),
        event("retraction", "e-9", S([3], [T("entered twice")])),
    ]


class ToolTestCase:
    """What the tests of the auditor's command line share, mixed into a unittest.TestCase:
    skipped without openssl, a temporary directory for the class (`tmp`, its name starting
    with TMP_PREFIX), and the tool run, accepted or refused."""

    TMP_PREFIX = "probity-audit-test-"

    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("no openssl")
        cls.tmpdir = tempfile.TemporaryDirectory(prefix=cls.TMP_PREFIX)
        cls.tmp = cls.tmpdir.name

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    def run_tool(self, *args):
        return subprocess.run([sys.executable, TOOL, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    def accept(self, *args):
        r = self.run_tool(*args)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}")
        return r.stdout

    def assert_refused(self, r, expected, args=None, failed=True):
        """`r`, a run of the tool, refused: exit 1 and one line on stderr (a FAILED line
        unless not `failed`) naming `expected`, a string or a list of them. `args` name the
        run in a failure's message."""
        where = "" if args is None else f"{args}: "
        self.assertEqual(r.returncode, 1, f"{where}exit {r.returncode}: {r.stderr}{r.stdout}")
        self.assertEqual(r.stderr.count("\n"), 1, f"not one line on stderr: {r.stderr!r}")
        if failed:
            self.assertTrue(r.stderr.startswith("probity-audit: FAILED: "), r.stderr)
        for part in [expected] if isinstance(expected, str) else expected:
            self.assertIn(part, r.stderr)


class AuditTest(ToolTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        k = {}
        k["admin"] = Key("admin", SEEDS["admin"], 0x01)
        k["log"] = Key(ORIGIN, SEEDS["log"], 0x01)
        k["other-log"] = Key(OTHER_ORIGIN, SEEDS["other-log"], 0x01)
        for w in ("w1", "w2", "w3", "stranger"):
            k[w] = Key(f"witness.test/{w}", SEEDS[w], 0x04)
        cls.k = k
        cls.ledger = Ledger(cls.tmp, "good", good_bodies(), log_key=k["log"], keys=k)
        cls.vkey = k["log"].vkey

    # -- helpers --

    def refuse(self, expected, *args):
        self.assert_refused(self.run_tool(*args), expected, args)

    def usage_error(self, *args):
        r = self.run_tool(*args)
        self.assertEqual(r.returncode, 2, f"{args}: exit {r.returncode}: {r.stderr}")

    def write(self, name, content):
        return self.ledger.write(name, content)

    def inclusion(self, show, seq, *extra, ledger=None):
        lg = ledger or self.ledger
        return ["inclusion", lg.note, lg.log.vkey, lg.inclusion(seq), show, *extra]

    # -- the encoder reproduces bytes probity wrote (docs/formats.md, format v1 examples) --

    def test_encoder_matches_probity(self):
        body = event("unitRegistered", "example-1", S([2], [T("U003"), T("Example unit")]))
        self.assertEqual(base64.b64encode(body).decode(), "AAAAAAEAAgABAAAAAAAAAAUAAABSAAAACAAAAAE"
                         "AAgBleGFtcGxlLTEAAAAAAAAAAgAAAAAAAAAFAAAAKgAAAAUAAABqAAAAVTAwMwAAAABFeG"
                         "FtcGxlIHVuaXQAAAAA")
        entry63 = base64.b64decode(
            "AAAAAAIAAQA/AAAAAAAAAEBqENWihgUAAAAAAAAAAwAJAAAAwgIAADEAAAACAQAAPQAAAAICAAAAAAAAAQAC"
            "AAUAAAAAAAAAAAAAAAAAAAAAAAAAAAADAAkAAAA6AAAACQAAAGoAAAANAAAAKgAAADEzMDEwMAAA55+z5a62"
            "5bqE5biCAAAAAFUwMzYAAAAAIymIRnS3HvUhWK/6UqSV92NcFkNjPczsj89MSlHcW91qS9EoyaeB0M8JVh53"
            "JLpwo5I+aXzW1AI3USyjzVx7ugqwUpHOWhWMt0tYLjIHwLoljDqJh5EiiSAVSURFAUsG")
        e = audit.decode_entry(entry63)
        city = encode(S([5], [None, S([0], [T("130100"), T("石家庄市"), T("U036")])]))
        self.assertEqual(e["body"], city)
        self.assertEqual(entry_bytes(63, city, e["keyId"], e["signature"],
                                     recorded=1555408801000000), entry63)

    # -- schema table against the compiler --

    def test_schema_table_matches_capnp(self):
        layout = capnp_layout()
        if layout is None:
            self.skipTest("no capnp")
        good = self.write("layout.txt", layout)
        self.accept("selftest-schema", good)
        drifts = {
            "a pointer added": ("struct RestrictionRecorded", "# 0 bytes, 4 ptrs", "# 0 bytes, 5 ptrs"),
            "a member renamed": ("erasure @25", "erasure @25", "erased @25"),
            "an enumerant added": ("  health @2;", "  health @2;", "  health @2;\n  other @3;"),
            "a data field added": ("  principal @6 :Text;  # ptr[4]", "  principal @6 :Text;  # ptr[4]",
                                   "  principal @6 :Text;  # ptr[4]\n  extra @7 :UInt8;  # bits[32, 40)"),
            # The member fields `evidence` reads (EVENT_FIELDS, SUBJECT_UNION, ENUMS).
            "a read field moved": ("holder @1 :Text;  # ptr[1]", "ptr[1]", "ptr[4]"),
            "a read field retyped": ("secretary @2 :Text;  # ptr[2]", ":Text", ":Data"),
            "a Role enumerant renamed": ("  admin @0;", "admin", "root"),
            "Subject's union reordered": ("person @0 :Text;  # ptr[0], union tag = 0",
                                          "union tag = 0", "union tag = 2"),
        }
        for what, (anchor, old, new) in drifts.items():
            line = next(l for l in layout.splitlines() if anchor in l)
            bad = self.write("layout-bad.txt", layout.replace(line, line.replace(old, new)))
            with self.subTest(what):
                self.refuse("schema:", "selftest-schema", bad)

    def test_date_fields_are_the_exporters_and_the_pages(self):
        # An event's business date (asOf.date, check 5) is the one `probity record --as-of`
        # and so `probity evidence --as-of` filter by (projections/reports.cc BusinessDate),
        # and the field the page's checker reads.
        with open(os.path.join(ROOT, "projections", "reports.cc"), encoding="utf-8") as f:
            body = re.search(r"std::string BusinessDate\(.*?\n}\n", f.read(), re.S)[0]
        cases = re.findall(r"return e\.get(\w+)\(\)\.get(\w+)\(\);", body)
        self.assertTrue(cases)
        self.assertEqual({t[0].lower() + t[1:]: f[0].lower() + f[1:] for t, f in cases},
                         audit.DATE_FIELDS)
        self.assertIn("return FormatDay(CstDayOf(recorded_at_us));", body)  # every other type
        with open(os.path.join(ROOT, "web", "assets", "js", "event.js"), encoding="utf-8") as f:
            table = re.search(r"const DATE_FIELD = \{(.*?)\};", f.read(), re.S)[1]
        self.assertEqual(dict(re.findall(r"(\w+): '(\w+)'", table)), audit.DATE_FIELDS)

    def test_selftest_schema_holds_every_field_read_to_capnp(self):
        # Every field the auditor reads (EVENT_FIELDS, with the business dates and the person
        # fields evidence reads through it) is where capnp puts it, new ones included.
        layout = capnp_layout()
        if layout is None:
            self.skipTest("no capnp")
        self.assertEqual(audit.check_schema_layout(layout)[3], len(audit.DATE_FIELDS))
        # Each date field, and each field that files an event under a person, moved in the
        # schema: refused, naming it.
        lines = layout.splitlines()
        read = [(t, f) for t, f in audit.DATE_FIELDS.items()] + \
            [(t, f) for t, f in audit.PERSON_FIELDS.items()]
        for etype, fname in read:
            with self.subTest(f"{etype}.{fname}"):
                name = etype[0].upper() + etype[1:]
                start = next(i for i, l in enumerate(lines) if l.startswith(f"struct {name} @"))
                at = next(i for i in range(start, len(lines))
                          if re.match(rf"  {fname} @\d+ :\w+;  # ptr\[\d+\]$", lines[i]))
                ptr = int(re.search(r"ptr\[(\d+)\]", lines[at])[1])
                moved = lines[:at] + [lines[at].replace(f"ptr[{ptr}]", f"ptr[{ptr + 7}]")] + \
                    lines[at + 1:]
                with self.assertRaisesRegex(audit.CheckFailed, re.escape(
                        f"schema: {name}.{fname} is (") + r"'\w+', " + str(ptr + 7)):
                    audit.check_schema_layout("\n".join(moved) + "\n")
        line = next(l for l in layout.splitlines() if "from @3 :Text;  # ptr[1]" in l)  # leaveGranted
        bad = self.write("layout-date.txt", layout.replace(line, line.replace("ptr[1]", "ptr[2]")))
        self.refuse("schema: LeaveGranted.from is ('Text', 2), this auditor reads ('Text', 1)",
                    "selftest-schema", bad)
        # A field named in DATE_FIELDS or PERSON_FIELDS that EVENT_FIELDS does not read.
        for table, etype, fname in ((audit.DATE_FIELDS, "groupFormed", "task"),
                                    (audit.PERSON_FIELDS, "trainingCompleted", "course"),
                                    (audit.PERSON_FIELDS, "criticismIssued", "ground")):
            saved = dict(table)
            try:
                table[etype] = fname
                with self.assertRaisesRegex(audit.CheckFailed, f"FIELDS names {etype}.{fname}, "
                                            "which EVENT_FIELDS does not read as"):
                    audit.check_schema_layout(layout)
            finally:
                table.clear()
                table.update(saved)

    def test_business_date(self):
        def ev(etype, **fields):
            return {"type": etype, "fields": fields}
        self.assertEqual(audit.business_date(ev("leaveGranted", **{"from": "2019-07-01"}), 0),
                         ("2019-07-01", "its from"))
        self.assertEqual(audit.business_date(ev("trainingCompleted", date=None), 0), ("", "its date"))
        # Else the day of recordedAt in China Standard Time: 16:00Z is midnight there.
        self.assertEqual(audit.business_date(ev("personRegistered"), 1555430399999999)[0], "2019-04-16")
        self.assertEqual(audit.business_date(ev("retraction"), 1555430400000000)[0], "2019-04-17")
        self.assertEqual(audit.business_date(ev("retraction"), 2 ** 63 - 1), (None, "recordedAt"))
        self.assertIn("9223372036854775807 microseconds", audit.micros_utc(2 ** 63 - 1))
        for date, real in (("2020-02-29", True), ("2019-02-29", False), ("1899-12-31", False),
                           ("1900-01-01", True), ("２０１９-０１-０１", False), ("2019-1-01", False),
                           (20190101, False), (None, False)):
            self.assertEqual(audit.is_calendar_date(date), real, date)

    # -- cosignatures: a real one, from a public witness --

    REAL_NOTE = (
        "arche2025h1.staging.ct.transparency.dev\n1432088532\n"
        "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n"
        "\u2014 arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX"
        "6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
        "\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefw"
        "hUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
        "\u2014 transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/"
        "KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
        "\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0W"
        "H+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
        "\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVC"
        "IobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
        "\u2014 witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUv"
        "Vr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n")
    REAL_LOG = "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
    REAL_WITNESS = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"

    def test_real_cosignature(self):
        # Checkpoint and keys as published in florolf/tlog-scales tests/test_signing.py.
        note = self.write("real.note", self.REAL_NOTE)
        out = self.accept("checkpoint", note, self.REAL_LOG, "--witness", self.REAL_WITNESS)
        self.assertIn("cosigned by witness remora.n621.de+da77ade7 at 1779573024", out)
        self.assertIn("witnesses: 1 of 1 cosigned (quorum 1)", out)
        bad = self.write("real-bad.note", self.REAL_NOTE.replace("1432088532", "1432088533", 1))
        self.refuse("does not verify", "checkpoint", bad, self.REAL_LOG, "--witness", self.REAL_WITNESS)
        # The log's key is no witness: no cosignature/v1 line carries its key id.
        self.refuse("0 of 1 witnesses", "checkpoint", note, self.REAL_LOG, "--witness", self.REAL_LOG)
        self.refuse("not 0x01", "checkpoint", note, self.REAL_WITNESS)
        # The log key re-signs other text and the witness line is copied: refused.
        # (Simulated with our own log key: see test_cosignature_over_other_text.)

    def test_cosigned_message_is_the_spec_example(self):
        text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        self.assertEqual(audit.cosigned_message(text, 1679315147),
                         b"cosignature/v1\ntime 1679315147\n" + text.encode())

    # -- checkpoints with witnesses --

    def test_checkpoint_witnesses(self):
        lg, k = self.ledger, self.k
        out = self.accept("checkpoint", lg.note, self.vkey)
        self.assertNotIn("witnesses", out)
        out = self.accept("checkpoint", lg.note, self.vkey, "--witness", k["w1"].vkey,
                          "--witness", k["w2"].vkey)
        self.assertIn("witnesses: 2 of 2 cosigned (quorum 2)", out)
        self.accept("checkpoint", lg.note, self.vkey, "--witness", k["w1"].vkey,
                    "--witness", k["w3"].vkey, "--quorum", "1")
        wfile = self.write("witnesses.txt", f"# trusted witnesses\n{k['w1'].vkey}\n{k['w2'].vkey}\n")
        self.accept("checkpoint", lg.note, self.vkey, "--witness", wfile)
        self.accept("checkpoint", lg.note, self.vkey, "--witness", k["w1"].vkey,
                    "--witness", k["w1"].vkey)  # the same witness twice is one witness

    def test_quorum_not_met(self):
        lg, k = self.ledger, self.k
        self.refuse("1 of 2 witnesses cosigned the checkpoint, the quorum is 2", "checkpoint",
                    lg.note, self.vkey, "--witness", k["w1"].vkey, "--witness", k["w3"].vkey)
        self.refuse("0 of 1 witnesses", "checkpoint", lg.note, self.vkey,
                    "--witness", k["stranger"].vkey)
        self.refuse("quorum is 2", "checkpoint", lg.note, self.vkey, "--witness", k["w1"].vkey,
                    "--witness", k["w3"].vkey, "--quorum", "2")
        self.usage_error("checkpoint", lg.note, self.vkey, "--witness", k["w1"].vkey,
                         "--witness", k["w2"].vkey, "--quorum", "3")
        self.usage_error("checkpoint", lg.note, self.vkey, "--quorum", "1")
        self.usage_error("checkpoint", lg.note, self.vkey, "--witness", k["w1"].vkey,
                         "--witness", k["w1"].vkey, "--quorum", "2")

    def note_with(self, name, text, lines):
        return self.write(name, text + "\n" + self.k["log"].note_line(text) + "".join(lines))

    def test_bad_cosignature(self):
        lg, k = self.ledger, self.k
        w1, w2 = k["w1"], k["w2"]
        good_w1 = w1.cosign_line(lg.text, WITNESS_TIMES["w1"])
        raw = bytearray(base64.b64decode(good_w1.split(" ")[2]))
        raw[40] ^= 0x01  # a byte of the signature
        flipped = f"\u2014 {w1.name} {base64.b64encode(bytes(raw)).decode()}\n"
        args = ["--witness", w1.vkey, "--witness", w2.vkey]
        self.refuse("cosignature by witness witness.test/w1", "checkpoint",
                    self.note_with("flip.note", lg.text, [flipped, w2.cosign_line(lg.text, 1)]),
                    self.vkey, *args)
        # Even when the quorum is met without it, a given witness's bad line fails.
        self.refuse("does not verify", "checkpoint",
                    self.note_with("flip1.note", lg.text, [flipped, w2.cosign_line(lg.text, 1)]),
                    self.vkey, *args, "--quorum", "1")
        # The timestamp on the line is not the one signed.
        self.refuse("(time 1767225700) does not verify", "checkpoint",
                    self.note_with("time.note", lg.text, [
                        w1.cosign_line(lg.text, 1767225700, signed_time=1767225600),
                        w2.cosign_line(lg.text, 1)]), self.vkey, *args)
        # A line by w1 that is a plain note signature (no timestamp).
        sig = sign(w1.seed, lg.text.encode())
        plain = f"\u2014 {w1.name} {base64.b64encode(w1.key_id + sig).decode()}\n"
        self.refuse("is not a cosignature/v1", "checkpoint",
                    self.note_with("plain.note", lg.text, [plain]), self.vkey, *args)
        # A timestamp above 2^63-1.
        self.refuse("above 2^63-1", "checkpoint",
                    self.note_with("big.note", lg.text, [w1.cosign_line(lg.text, 2 ** 63)]),
                    self.vkey, *args)
        # An unknown witness's line, even a bad one, is ignored.
        junk = f"\u2014 {k['stranger'].name} {base64.b64encode(k['stranger'].key_id + bytes(72)).decode()}\n"
        self.accept("checkpoint", self.note_with("junk.note", lg.text, [
            junk, good_w1, w2.cosign_line(lg.text, 5)]), self.vkey, *args)

    def test_cosignature_over_other_text(self):
        # The log signs a second tree of the same size (a split view) and copies the
        # witnesses' lines from the first: the log's signature verifies, the cosignatures not.
        lg, k = self.ledger, self.k
        fork = lg.text.replace(lg.text.split("\n")[2], base64.b64encode(bytes(32)).decode())
        lines = [k[w].cosign_line(lg.text, WITNESS_TIMES[w]) for w in ("w1", "w2")]
        note = self.note_with("fork.note", fork, lines)
        self.accept("checkpoint", note, self.vkey)
        self.refuse("does not verify", "checkpoint", note, self.vkey, "--witness", k["w1"].vkey)

    def test_witness_vkey_malformed(self):
        lg, k = self.ledger, self.k
        self.refuse("witness vkey key id does not match", "checkpoint", lg.note, self.vkey,
                    "--witness", k["w1"].vkey.replace(k["w1"].key_id.hex(), "00000000"))
        w1 = k["w1"]
        mldsa = f"{w1.name}+{w1.key_id.hex()}+{base64.b64encode(bytes([6]) + w1.public).decode()}"
        self.refuse("witness vkey key is not 0x04", "checkpoint", lg.note, self.vkey,
                    "--witness", mldsa)
        # A witness's plain Ed25519 vkey (0x01) names the same key for cosignature/v1.
        plain = Key(w1.name, w1.seed, 0x01)
        self.accept("checkpoint", lg.note, self.vkey, "--witness", plain.vkey)
        self.refuse("0 of 1 witnesses", "checkpoint", lg.note, self.vkey, "--witness", k["log"].vkey)

    def test_armored_witness_vectors(self):
        # tests/vectors/cosignature_c2sp (see its README.txt): production cosignatures by the
        # Armored Witness fleet, whose vkeys are published as plain Ed25519 (0x01) vkeys.
        d = os.path.join(ROOT, "tests", "vectors", "cosignature_c2sp")
        if not os.path.isdir(d):
            self.skipTest("no tests/vectors/cosignature_c2sp")
        note = os.path.join(d, "armored-witness-ftlog-ci-3.note")
        log = os.path.join(d, "armored-witness-ftlog-ci-3.vkey")
        witnesses = os.path.join(d, "armored-witness-prod.vkeys")
        origin = "transparency.dev/armored-witness/firmware_transparency/ci/3"
        out = self.accept("checkpoint", note, log, "--origin", origin, "--witness", witnesses,
                          "--quorum", "2")
        self.assertIn("ArmoredWitness-weathered-rain+0a78df20 at 1729698503", out)
        self.assertIn("ArmoredWitness-floral-sky+c7cf0b6d at 1729698499", out)
        self.refuse("2 of 4 witnesses", "checkpoint", note, log, "--origin", origin,
                    "--witness", witnesses)
        # The transparency-dev/witness test key cosigns the monkeys log's checkpoint; its
        # cosignature/v1 vkey, computed independently in README.txt, names the same key.
        with open(os.path.join(d, "witness.skey")) as f:
            seed = base64.b64decode(f.read().strip().split("+", 4)[4])[1:]
        with open(os.path.join(d, "monkeys-8.note"), encoding="utf-8") as f:
            monkeys = f.read()
        cp_text = monkeys[:monkeys.index("\n\n") + 1]
        w = Key("witness", seed, 0x04)
        self.assertEqual(w.vkey, "witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN")
        cosigned = self.write("monkeys-8-cosigned.note", monkeys + w.cosign_line(cp_text, 1700000000))
        monkeys_vkey = os.path.join(d, "monkeys.vkey")
        for vkey in (w.vkey, os.path.join(d, "witness.vkey")):
            self.accept("checkpoint", cosigned, monkeys_vkey, "--witness", vkey)
        self.refuse("0 of 1 witnesses", "checkpoint", os.path.join(d, "monkeys-8.note"),
                    monkeys_vkey, "--witness", w.vkey)
        with open(note, encoding="utf-8") as f:
            text = f.read()
        self.refuse("does not verify", "checkpoint", self.write("aw.note", text.replace(
            "\n59\n", "\n60\n")), log, "--origin", origin)

    # -- inclusion of v2 entries --

    def test_inclusion_every_entry(self):
        lg = self.ledger
        for seq in range(len(lg.entries)):
            with self.subTest(seq=seq):
                out = self.accept(*self.inclusion(lg.show(seq), seq, "--pubkey", lg.pubkey,
                                                  "--witness", self.k["w1"].vkey))
                self.assertIn(f"id \"e-{seq}\"", out)
                self.assertIn("signature verified", out)
        out = self.accept(*self.inclusion(lg.show(2), 2))
        self.assertIn("sealed reason: committed (", out)

    def test_inclusion_at_an_older_size(self):
        lg = self.ledger
        text = lg.checkpoint_text(4)
        note = self.note_with("old4.note", text, [self.k["w1"].cosign_line(text, 7)])
        self.accept("inclusion", note, self.vkey, lg.inclusion(2, 4), lg.show(2),
                    "--pubkey", lg.pubkey, "--witness", self.k["w1"].vkey)
        self.accept("consistency", note, lg.note, self.vkey, lg.consistency(4, len(lg.entries)),
                    "--witness", self.k["w1"].vkey)
        self.refuse("0 of 1 witnesses", "consistency", note, lg.note, self.vkey,
                    lg.consistency(4, len(lg.entries)), "--witness", self.k["w2"].vkey)
        self.accept("report", "4", audit.merkle_root(lg.leaves[:4]).hex(), lg.note, self.vkey,
                    lg.consistency(4, len(lg.entries)), "--witness", self.k["w2"].vkey)

    def test_wrong_origin(self):
        k = self.k
        # Envelopes signed for ORIGIN, logged by another ledger (OTHER_ORIGIN).
        other = Ledger(self.tmp, "other", good_bodies()[:3], origin=OTHER_ORIGIN,
                       log_key=k["other-log"], signed_origin=ORIGIN, keys=k)
        self.refuse("is for origin \"audit.test/probity-v2\", the checkpoint's origin is "
                    "\"audit.test/another-ledger\"", *self.inclusion(other.show(1), 1, ledger=other))
        # The show claims the right origin: the signature does not cover it.
        right = base64.b64encode(PREFIX + OTHER_ORIGIN.encode() + b"\n" + other.bodies[1]).decode()
        show = other.show(1, name="show-claims.json", signed=right)
        self.accept(*self.inclusion(show, 1, ledger=other))
        self.refuse("signature does not verify", *self.inclusion(show, 1, "--pubkey", other.pubkey,
                                                                 ledger=other))
        # The show's own "origin" (probity prints the ledger's) must be the checkpoint's.
        show = other.show(1, name="show-origin.json", signed=right, origin=ORIGIN)
        self.refuse("show says origin \"audit.test/probity-v2\"", *self.inclusion(show, 1, ledger=other))
        self.accept(*self.inclusion(other.show(1, name="show-origin2.json", signed=right,
                                               origin=OTHER_ORIGIN), 1, ledger=other))
        # And a checkpoint of the right ledger does not fit the other's proof.
        self.refuse("no signature by", "checkpoint", other.note, self.vkey)

    def test_signed_message_tampered(self):
        lg = self.ledger
        body = lg.bodies[0]
        cases = {
            "format v1": b"probity/event/v1\n" + body,
            "does not start with": b"probity/event/v3\n" + ORIGIN.encode() + b"\n" + body,
            "followed by the entry": PREFIX + ORIGIN.encode() + b"\n" + body[:-1] + b"\x01",
            "is for origin": PREFIX + body,
        }
        for expected, signed in cases.items():
            with self.subTest(expected):
                show = lg.show(0, name="show-signed.json",
                               signed=base64.b64encode(signed).decode())
                self.refuse(expected, *self.inclusion(show, 0))

    def test_flipped_bytes(self):
        lg = self.ledger
        e = bytearray(lg.entries[2])
        e[60] ^= 0x01
        show = lg.show(2, name="show-flip.json", entry=base64.b64encode(bytes(e)).decode())
        self.refuse("SHA-256(0x00 || entry)", *self.inclusion(show, 2))
        with open(lg.inclusion(2)) as f:
            proof = json.load(f)
        h = bytearray(bytes.fromhex(proof["hashes"][0]))
        h[0] ^= 0x80
        proof["hashes"][0] = h.hex()
        self.refuse("inclusion: the proof leads to root", "inclusion", lg.note, self.vkey,
                    self.write("inc-flip.json", json.dumps(proof)))
        with open(lg.note, encoding="utf-8") as f:
            note = f.read()
        self.refuse("does not verify", "checkpoint",
                    self.write("flip.note", note.replace("\n10\n", "\n11\n", 1)), self.vkey)
        self.refuse("SHA-256(0x00 || entry)", *self.inclusion(lg.show(3), 2))  # another entry

    def test_bad_signature_in_entry(self):
        k = self.k
        lg = Ledger(self.tmp, "badsig", good_bodies()[:2], log_key=k["log"], keys=k)
        d = audit.decode_entry(lg.entries[1])
        sig = bytearray(d["signature"])
        sig[0] ^= 0x01
        lg.entries[1] = entry_bytes(1, lg.bodies[1], d["keyId"], bytes(sig))
        lg.leaves[1] = audit.leaf_hash(lg.entries[1])
        lg.text = lg.checkpoint_text(2)
        lg.note = self.note_with("badsig.note", lg.text, [])
        self.accept(*self.inclusion(lg.show(1), 1, ledger=lg))
        self.refuse("signature does not verify", *self.inclusion(lg.show(1), 1, "--pubkey",
                                                                 lg.pubkey, ledger=lg))

    # -- sealed values --

    def sealed_show(self, seq, sealed, name="show-sealed.json", event_json=None):
        return self.ledger.show(seq, name=name, sealed=sealed, event_json=event_json)

    def test_sealed_accepted(self):
        out = self.accept(*self.inclusion(self.sealed_show(2, [
            {"field": "reason", "salt": SALT.hex(), "value": "health"}]), 2, "--pubkey",
            self.ledger.pubkey))
        self.assertIn("sealed reason verified: \"health\"", out)
        out = self.accept(*self.inclusion(self.sealed_show(8, [
            {"field": "reason", "salt": SALT2.hex(), "value": "pregnancy"}],
            event_json={"id": "e-8", "type": "restrictionRecorded", "person": "P000002",
                        "reason": "pregnancy", "from": "2019-05-01"}), 8))
        self.assertIn("sealed reason verified: \"pregnancy\"", out)
        out = self.accept(*self.inclusion(self.sealed_show(8, [
            {"field": "reason", "erased": True}]), 8))
        self.assertIn("sealed reason: erased", out)
        self.accept(*self.inclusion(self.sealed_show(0, []), 0))

    def test_sealed_refused(self):
        good = {"field": "reason", "salt": SALT.hex(), "value": "health"}
        cases = {
            "wrong salt": ([dict(good, salt=SALT2.hex())], "wrong salt or value"),
            "wrong value": ([dict(good, value="pregnancy")], "wrong salt or value"),
            "value not a name": ([dict(good, value="Health")], "is not one of pregnancy, "
                                 "breastfeeding, health"),
            "value an ordinal": ([dict(good, value=2)], "is not one of"),
            "salt not hex": ([dict(good, salt=SALT.hex().upper())], "salt is not 64 lower-case hex"),
            "salt short": ([dict(good, salt=SALT.hex()[:62])], "salt is not 64"),
            "unknown field": ([dict(good, field="person")], "not a sealed field"),
            "twice": ([good, good], "disclosed twice"),
            "extra key": ([dict(good, note="x")], "is not {"),
            "erased false": ([{"field": "reason", "erased": False}], "an erased value is"),
            "not a list": ({"reason": good}, "'sealed' is not a list"),
        }
        for what, (sealed, expected) in cases.items():
            with self.subTest(what):
                self.refuse(expected, *self.inclusion(self.sealed_show(2, sealed), 2))
        # A disclosure for an event that seals nothing.
        self.refuse("not a sealed field of this unitRegistered",
                    *self.inclusion(self.sealed_show(0, [good]), 0))
        # The event JSON says one value, the disclosure (right for the body) another.
        show = self.sealed_show(2, [good], event_json={
            "id": "e-2", "type": "restrictionRecorded", "reason": "pregnancy"})
        self.refuse("show's event JSON shows reason \"pregnancy\", the disclosed sealed value "
                    "is \"health\"", *self.inclusion(show, 2))

    def test_show_json_shows_a_sealed_field_in_clear_only_as_disclosed(self):
        good = {"field": "reason", "salt": SALT.hex(), "value": "health"}

        def shown(reason, sealed=None):
            extra = {} if sealed is None else {"sealed": sealed}
            return self.ledger.show(2, name="show-shown.json", event_json={
                "id": "e-2", "type": "restrictionRecorded", "reason": reason}, **extra)
        # A salt and value kept from before an erasure, beside `show --json` of today.
        for reason in ("health", "erased", "withheld (sensitive)"):
            with self.subTest(reason=reason):
                self.accept(*self.inclusion(shown(reason, [good]), 2))
        self.accept(*self.inclusion(shown("erased", [{"field": "reason", "erased": True}]), 2))
        self.accept(*self.inclusion(shown("withheld (sensitive)"), 2))
        # In clear, with no salt, or a salt for another value.
        self.refuse("show's event JSON shows reason \"health\", a value no salt discloses (not "
                    "\"withheld (sensitive)\" or \"erased\")", *self.inclusion(shown("health"), 2))
        self.refuse("show's event JSON shows reason \"pregnancy\", not \"erased\" as "
                    "show: sealed[0] says it is", *self.inclusion(shown(
                        "pregnancy", [{"field": "reason", "erased": True}]), 2))

    # -- event bodies the v2 auditor refuses --

    def test_bad_bodies(self):
        k = self.k
        cases = {
            "no id": (event("unitRegistered", None, S([0], [T("U1"), T("n")])), "has no id"),
            "empty id": (event("unitRegistered", "", S([0], [T("U1"), T("n")])), "has no id"),
            "id not text": (encode(S([1], [D(b"abc"), S([0], [T("U1"), T("n")])])),
                            "not a NUL-terminated Text"),
            "tag 25": (encode(S([25], [T("x"), S([], [T("a")])])), "union tag 25"),
            "extra pointer": (event("unitRegistered", "x", S([0], [T("U1"), T("n"), T("13"),
                                                                   T("extra")])), "beyond its schema"),
            "extra data bits": (event("calendarPublished", "x", S([1 << 16], [TL([])])),
                                "beyond its schema"),
            "reason null": (event("restrictionRecorded", "x", S([], [T("P1"), None, T("2019-05-01")])),
                            "is missing"),
            "commitment 31 bytes": (restriction("x", sealed=S([], [D(bytes(31))])), "not 32 bytes"),
            "commitment missing": (restriction("x", sealed=S([], [])), "not a Sealed struct"),
            "Sealed with data": (restriction("x", sealed=S([1], [D(bytes(32))])),
                                 "not a Sealed struct"),
            "reason a text": (event("restrictionRecorded", "x", S([], [T("P1"), T("health")])),
                              "is not a struct"),
        }
        bodies = [body for body, _ in cases.values()]
        lg = Ledger(self.tmp, "bad", bodies, log_key=k["log"], keys=k)
        for seq, (what, (_, expected)) in enumerate(cases.items()):
            with self.subTest(what):
                self.refuse(expected, *self.inclusion(lg.show(seq, event_json={"type": "x"}), seq, ledger=lg))


# ---- evidence packs (docs/formats.md, "Evidence packs") -------------------------------------

def ev(etype, event_id, member, **shown):
    """(body, display JSON) of an event: its canonical bytes, and its `event` as show --json
    gives it (id, type, then the fields)."""
    return event(etype, event_id, member), dict({"id": event_id, "type": etype}, **shown)


def key_registered(event_id, key, role, holder, unit=None):
    pem_ = signer_pem(key.public)
    return ev("keyRegistered", event_id,
              S([audit.ENUMS["Role"].index(role)], [T(pem_), T(holder), T(unit)]),
              publicKey=pem_, holder=holder, role=role, **({"unit": unit} if unit else {}))


def key_revoked(event_id, key, reason):
    key_id = hashlib.sha256(key.public).hexdigest()
    return ev("keyRevoked", event_id, S([], [T(key_id), T(reason)]), keyId=key_id, reason=reason)


def evidence_events(k):
    """[((body, display JSON), signing key)]: a log in which P000001's record is seqs 4, 6-11
    and 13 (10 is withdrawn by 11), signed by hr, by a dispatcher and by the admin, whose keys
    seqs 0, 2 and 3 register; 12 revokes the dispatcher's key after all it signed."""
    admin, hr, disp = k["admin"], k["hr"], k["dispatcher"]
    return [
        (key_registered("genesis", admin, "admin", "the admin"), admin),
        (ev("unitRegistered", "e-1", S([0], [T("U001"), T("大气环境司")]), unit="U001",
            name="大气环境司", kind="ministryDepartment"), admin),
        (key_registered("e-2", hr, "hr", "人事司"), admin),
        (key_registered("e-3", disp, "dispatcher", "U001 dispatcher", "U001"), admin),
        (ev("personRegistered", "e-4", S([0], [T("P000001"), T("张伟"), T("U001")]),
            person="P000001", name="张伟", unit="U001", category="civilServant"), hr),
        (ev("personRegistered", "e-5", S([1], [T("P000002"), T("王芳"), T("U001")]),
            person="P000002", name="王芳", unit="U001", category="publicInstitution"), hr),
        (ev("restrictionRecorded", "e-6", S([], [T("P000001"), S([], [D(commitment(SALT, "health"))]),
                                              T("2019-05-01")]),
            person="P000001", reason="withheld (sensitive)", **{"from": "2019-05-01"}), hr),
        (ev("trainingCompleted", "e-7", S([1], [T("P000001"), T("2019-05-02")]),
            person="P000001", course="supervisionRules", mode="inPerson", date="2019-05-02"), disp),
        (ev("assignmentMade", "e-8", S([0], [T("A1"), T("P000001"), T("G1"), T("2019-06-01"),
                                            T("2019-06-30")]),
            assignment="A1", person="P000001", group="G1", to="2019-06-30", position="member",
            **{"from": "2019-06-01"}), disp),
        (ev("assignmentEnded", "e-9", S([1], [T("A1"), T("2019-06-20")]), assignment="A1",
            date="2019-06-20", reason="recalled"), disp),
        (ev("leaveGranted", "e-10", S([5], [T("P000001"), T("2019-07-01")]), person="P000001",
            days=5, kind="annual", **{"from": "2019-07-01"}), hr),
        (ev("retraction", "e-11", S([10], [T("entered twice </script><b>")]), target=10,
            reason="entered twice </script><b>"), hr),
        (key_revoked("e-12", disp, "left the unit"), admin),
        (ev("evaluationRecorded", "e-13", S([0], [T("E1"), S([0], [T("P000001")]), T("2019"),
                                                 T("good work"), T("2020-01-10")]),
            evaluation="E1", subject={"person": "P000001"}, period="2019", grade="excellent",
            summary="good work", date="2020-01-10"), admin),
        (ev("unitRegistered", "e-14", S([0], [T("U002"), T("another unit")]), unit="U002",
            name="another unit", kind="ministryDepartment"), admin),
    ]


GOOD_PACK = [(0, "key"), (2, "key"), (3, "key"), (4, "record"), (6, "record"), (7, "record"),
             (8, "record"), (9, "record"), (10, "record"), (11, "record"), (12, "revocation"),
             (13, "record")]


class EvidenceLog:
    """A hand-built log of `events`, the entry at seq N recorded N seconds after `recorded`,
    its checkpoint at `size` (default: all of it) signed by `log` and cosigned by `cosigners`
    (w1 and w2), and evidence packs (docs/formats.md, "Evidence packs") over it."""

    def __init__(self, tmp, name, events, keys, size=None, log=None, recorded=RECORDED,
                 cosigners=("w1", "w2")):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.events = events
        self.cosigners = cosigners
        self.entries = []
        for seq, ((body, _), key) in enumerate(events):
            sig = sign(key.seed, PREFIX + ORIGIN.encode() + b"\n" + body)
            self.entries.append(entry_bytes(seq, body, hashlib.sha256(key.public).digest(), sig,
                                            recorded=recorded + seq * 1000000))
        self.size = len(self.entries) if size is None else size
        self.keys, self.log = keys, log or keys["log"]
        self.vkey = self.log.vkey
        self.witnesses = [keys["w1"].vkey, keys["w2"].vkey]
        self.sign_checkpoint()

    def sign_checkpoint(self):
        """The leaves and the checkpoint note of the entries as they are now."""
        self.leaves = [audit.leaf_hash(e) for e in self.entries]
        root = audit.merkle_root(self.leaves[:self.size])
        text = f"{ORIGIN}\n{self.size}\n{base64.b64encode(root).decode()}\n"
        self.note = (text + "\n" + self.log.note_line(text) + "".join(
            self.keys[w].cosign_line(text, WITNESS_TIMES[w]) for w in self.cosigners))

    def item(self, seq, why, **extra):
        """One entry object; its proof is in the checkpoint's tree (or, for a seq past it, in
        the tree just large enough to hold it)."""
        leaves = self.leaves[:max(self.size, seq + 1)]
        out = {"seq": seq, "as": why, "entry": base64.b64encode(self.entries[seq]).decode(),
               "proof": [h.hex() for h in path(seq, leaves)], "event": dict(self.events[seq][0][1])}
        out.update(extra)
        return out

    def pack(self, person="P000001", listed=GOOD_PACK, as_of=None, **members):
        out = {"format": "probity-evidence/v1", "origin": ORIGIN, "vkey": self.vkey,
               "person": person, "asOf": {} if as_of is None else as_of,
               "checkpoint": self.note, "witnesses": self.witnesses,
               "entries": [self.item(seq, why) for seq, why in listed]}
        out.update(members)
        return out

    def write_json(self, name, pack):
        path_ = os.path.join(self.dir, name)
        with open(path_, "w", encoding="utf-8") as f:
            f.write(json.dumps(pack, ensure_ascii=False))
        return path_

    def write_html(self, name, pack, element=None):
        """The page form: the JSON, every '<' written \\u003c, inside the one element."""
        doc = json.dumps(pack, ensure_ascii=False).replace("<", "\\u003c")
        element = element or '<script type="application/json" id="probity-evidence">'
        page = ('<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
                '<title>记录 Record P000001</title></head>\n<body><h1>张伟 P000001</h1>\n'
                '<p>as of now &lt;checked below&gt;</p>\n'
                f'{element}{doc}</script>\n'
                '<script>/* the page\'s own check */ if (1 < 2) {}</script>\n</body></html>\n')
        path_ = os.path.join(self.dir, name)
        with open(path_, "w", encoding="utf-8") as f:
            f.write(page)
        return path_


class EvidenceTest(ToolTestCase, unittest.TestCase):
    """`probity-audit evidence` on hand-built packs: the good one in both forms passes, and
    each rule of docs/formats.md ("Checking a pack", points 1-7) refuses a pack that breaks it,
    naming the entry."""

    TMP_PREFIX = "probity-audit-evidence-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        k = {name: Key(name, SEEDS[name], 0x01) for name in ("admin", "hr", "dispatcher",
                                                               "stranger")}
        k["log"] = Key(ORIGIN, SEEDS["log"], 0x01)
        for w in ("w1", "w2", "w3"):
            k[w] = Key(f"witness.test/{w}", SEEDS[w], 0x04)
        cls.k = k
        cls.log = EvidenceLog(cls.tmp, "good", evidence_events(k), k)
        cls.n = 0

    def refuse(self, expected, pack, *args, log=None):
        """The pack, as a JSON document, is refused with one line naming `expected`."""
        EvidenceTest.n += 1
        path_ = (log or self.log).write_json(f"bad-{self.n}.json", pack)
        r = self.run_tool("evidence", path_, *args)
        self.assert_refused(r, expected)
        return r.stderr

    def entry(self, pack, seq):
        return next(e for e in pack["entries"] if e["seq"] == seq)

    def key_id(self, name):
        return hashlib.sha256(self.k[name].public).hexdigest()

    # -- the good pack --

    def test_good_pack_as_html_page_passes(self):
        page = self.log.write_html("good.html", self.log.pack())
        with open(page, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("\\u003c/script>\\u003cb>", text)  # the reason, which could end the element
        out = self.accept("evidence", page, "--vkey", self.log.vkey)
        self.assertIn("an HTML page", out)
        self.assertIn("  seq 11  2019-04-16T10:00:12.000000Z  retraction  id \"e-11\"", out)

    def test_good_pack_as_json_document_passes(self):
        lg, k = self.log, self.k
        pack = lg.pack()
        self.entry(pack, 6)["sealed"] = [{"field": "reason", "salt": SALT.hex(), "value": "health"}]
        self.entry(pack, 6)["event"]["reason"] = "health"
        doc = lg.write_json("good.json", pack)
        out = self.accept("evidence", doc)
        lines = out.splitlines()
        self.assertIn("a JSON document", lines[0])
        self.assertIn(f"checkpoint verified: origin {ORIGIN}, size 15, root ", out)
        # Without --vkey: said loudly, with the key id to compare.
        self.assertIn(f"verifier key: TAKEN FROM THE PACK (no --vkey given): {lg.vkey}", out)
        self.assertIn(f"key id {k['log'].key_id.hex()}: compare", out)
        self.assertIn("witnesses: 2 cosignature lines, not checked: give --witness (the pack "
                      f"names 2: {k['w1'].vkey}, {k['w2'].vkey})", out)
        self.assertIn("person: P000001\nas of: now (the ledger at the checkpoint's size 15)\n"
                      "record: 8 entries\n", out)
        hr, disp, admin = (self.key_id(n)[:16] for n in ("hr", "dispatcher", "admin"))
        self.assertIn(f"  seq 4  2019-04-16T10:00:05.000000Z  personRegistered  id \"e-4\"  "
                      f"signed by {hr} (\"人事司\", hr)\n", out)
        self.assertIn(f"  seq 8  2019-04-16T10:00:09.000000Z  assignmentMade  id \"e-8\"  "
                      f"signed by {disp} (\"U001 dispatcher\", dispatcher)\n", out)
        self.assertIn(f"  seq 10  2019-04-16T10:00:11.000000Z  leaveGranted  id \"e-10\"  "
                      f"signed by {hr} (\"人事司\", hr), withdrawn by seq 11\n", out)
        self.assertIn(f"  seq 13  2019-04-16T10:00:14.000000Z  evaluationRecorded  id \"e-13\"  "
                      f"signed by {admin} (\"the admin\", admin)\n", out)
        self.assertIn("signing keys: 3 registered in the pack", out)
        self.assertIn(f"  key {admin} registered at seq 0: holder \"the admin\", role admin, unit "
                      "-, registered by itself (the genesis entry)\n", out)
        self.assertIn(f"  key {disp} registered at seq 3: holder \"U001 dispatcher\", role "
                      f"dispatcher, unit U001, registered by key {admin} (\"the admin\", admin); "
                      "revoked at seq 12, after every entry of the pack it signed\n", out)
        self.assertIn("  seq 6: sealed reason verified: \"health\"", out)
        self.assertIn("entries verified: 12 (8 record, 3 key, 1 revocation)", out)
        self.assertTrue(lines[-1].startswith("NOT PROVEN: that the ledger holds nothing else "
                                             "about P000001."), lines[-1])
        # Leading white space before the '{' is still the JSON form; so is the same pack with
        # --vkey, --origin and a quorum of the witnesses.
        spaced = lg.write_json("spaced.json", pack)
        with open(spaced, "r+", encoding="utf-8") as f:
            body = f.read()
            f.seek(0)
            f.write(" \n\t" + body)
        out = self.accept("evidence", spaced, "--vkey", lg.vkey, "--origin", ORIGIN,
                          "--witness", k["w1"].vkey, "--witness", k["w2"].vkey)
        self.assertIn(f"verifier key: yours (--vkey), {ORIGIN}+{k['log'].key_id.hex()}", out)
        self.assertIn("witnesses: 2 of 2 cosigned (quorum 2)", out)
        self.assertNotIn("TAKEN FROM THE PACK", out)

    def test_good_pack_as_of_a_seq_or_a_date_passes(self):
        listed = [x for x in GOOD_PACK if x[0] <= 9 or x[1] != "record"]
        out = self.accept("evidence", self.log.write_json("asof9.json", self.log.pack(
            listed=listed, as_of={"seq": 9})), "--vkey", self.log.vkey)
        self.assertIn("as of: seq 9\nrecord: 5 entries\n", out)
        out = self.accept("evidence", self.log.write_json("asofdate.json", self.log.pack(
            as_of={"date": "2020-12-31"})), "--vkey", self.log.vkey)
        self.assertIn("as of: date 2020-12-31\n", out)

    # -- point 3: each entry is in the checkpoint's tree, canonical, at its seq --

    def test_flipped_byte_in_an_entry_is_refused(self):
        pack = self.log.pack()
        raw = bytearray(self.log.entries[8])
        raw[raw.index(b"G1\0")] ^= 0x01  # the group id in the signed body: still canonical
        self.entry(pack, 8)["entry"] = base64.b64encode(bytes(raw)).decode()
        self.refuse(["entry 8: SHA-256(0x00 || entry) and its proof do not give the "
                     "checkpoint's root", "the proof leads to root"], pack)

    def test_wrong_proof_hash_is_refused(self):
        pack = self.log.pack()
        proof = self.entry(pack, 4)["proof"]
        proof[1] = ("0" if proof[1][0] != "0" else "1") + proof[1][1:]
        self.refuse(["entry 4: SHA-256(0x00 || entry) and its proof", "leads to root"], pack)
        del proof[1]
        self.refuse("entry 4: SHA-256(0x00 || entry) and its proof", pack)

    def test_entry_seq_not_below_checkpoint_size_is_refused(self):
        # The exporter's checkpoint is of 13 entries; seq 13 is not in its tree.
        older = EvidenceLog(self.tmp, "older", self.log.events, self.k, size=13)
        self.refuse("entry 13: seq 13 is not below the checkpoint's size 13", older.pack(),
                    log=older)
        # An entry listed at another seq than the one its bytes hold.
        pack = self.log.pack()
        self.entry(pack, 7).update(entry=self.log.item(9, "record")["entry"])
        self.refuse("entry 7: SHA-256(0x00 || entry) and its proof", pack)
        lg = EvidenceLog(self.tmp, "own-seq", self.log.events, self.k)
        d = audit.decode_entry(lg.entries[7])
        lg.entries[7] = entry_bytes(70, d["body"], d["keyId"], d["signature"],
                                    recorded=d["recordedAt"])
        lg.sign_checkpoint()
        self.refuse("entry 7: the entry's bytes hold seq 70", lg.pack(), log=lg)

    # -- point 4: signers, registrations by admin keys, revocations --

    def test_missing_key_registration_is_refused(self):
        listed = [x for x in GOOD_PACK if x[0] != 2]  # hr's registration
        self.refuse(f"entry 4: signed by key id {self.key_id('hr')}, which no keyRegistered "
                    "entry of the pack at a lower seq registers", self.log.pack(listed=listed))
        listed = [x for x in GOOD_PACK if x[0] != 0]  # the genesis entry
        self.refuse(f"entry 2: signed by key id {self.key_id('admin')}, which no keyRegistered",
                    self.log.pack(listed=listed))

    def test_registration_not_signed_by_an_admin_key_is_refused(self):
        events = evidence_events(self.k)
        events[3] = (events[3][0], self.k["hr"])  # hr registers the dispatcher's key
        lg = EvidenceLog(self.tmp, "hr-registers", events, self.k)
        self.refuse(f"entry 3: registers key {self.key_id('dispatcher')} (\"U001 dispatcher\", "
                    f"dispatcher), but is signed by key {self.key_id('hr')} (\"人事司\", hr), not "
                    "by an admin key", lg.pack(), log=lg)
        # The genesis entry must register its own signer.
        events = evidence_events(self.k)
        events[0] = (key_registered("genesis", self.k["stranger"], "admin", "the admin"),
                     self.k["admin"])
        lg = EvidenceLog(self.tmp, "genesis-other", events, self.k)
        self.refuse("entry 0: the genesis entry (seq 0) is not a keyRegistered signed by the "
                    "key it registers", lg.pack(), log=lg)

    def test_signer_revoked_before_the_entry_is_refused(self):
        events = evidence_events(self.k)
        events[12] = (key_revoked("e-12", self.k["hr"], "lost"), self.k["admin"])
        events[13] = (events[13][0], self.k["hr"])  # hr signs after its key was revoked
        lg = EvidenceLog(self.tmp, "revoked", events, self.k)
        self.refuse(f"entry 13: signed by key {self.key_id('hr')} (\"人事司\", hr), which the "
                    "keyRevoked entry at seq 12 revoked before it", lg.pack(), log=lg)

    def test_bad_signature_is_refused(self):
        events = evidence_events(self.k)
        lg = EvidenceLog(self.tmp, "badsig", events, self.k)
        d = audit.decode_entry(lg.entries[7])
        sig = bytearray(d["signature"])
        sig[5] ^= 0x01
        lg.entries[7] = entry_bytes(7, d["body"], d["keyId"], bytes(sig),
                                    recorded=d["recordedAt"])
        lg.sign_checkpoint()  # the ledger signed the tree over the altered entry
        self.refuse("entry 7: the Ed25519 signature does not verify with the key registered at "
                    "seq 3", lg.pack(), log=lg)

    # -- point 5: the record is the person's --

    def test_record_entry_about_another_person_is_refused(self):
        listed = sorted(GOOD_PACK + [(5, "record")])
        self.refuse("entry 5: a personRegistered about person P000002 (its person), not person "
                    "P000001", self.log.pack(listed=listed))
        # The same pack is P000002's as far as that entry goes, and not as to the others.
        self.refuse("entry 4: a personRegistered about person P000001 (its person), not person "
                    "P000002", self.log.pack(person="P000002", listed=listed))
        # A unit's entry listed as a record line.
        listed = sorted(GOOD_PACK + [(1, "record")])
        self.refuse("entry 1: a unitRegistered is listed as 'record', but no unitRegistered is "
                    "ever filed under a person", self.log.pack(listed=listed))

    def test_assignment_ended_without_its_assignment_made_is_refused(self):
        listed = [x for x in GOOD_PACK if x[0] != 8]
        self.refuse("entry 9: an assignmentEnded of assignment \"A1\", which no assignmentMade "
                    "record entry of the pack at a lower seq made", self.log.pack(listed=listed))
        # Made only after it was ended (the two entries swapped).
        events = evidence_events(self.k)
        events[8], events[9] = events[9], events[8]
        lg = EvidenceLog(self.tmp, "ended-first", events, self.k)
        self.refuse("entry 8: an assignmentEnded of assignment \"A1\", which no assignmentMade "
                    "record entry of the pack at a lower seq made", lg.pack(), log=lg)

    def test_retraction_of_a_seq_not_in_the_record_is_refused(self):
        listed = [x for x in GOOD_PACK if x[0] != 10]
        self.refuse("entry 11: a retraction of seq 10, which is not a record entry of the pack",
                    self.log.pack(listed=listed))
        # A retraction of a key registration, which is in the pack but not in the record.
        events = evidence_events(self.k)
        events[11] = (ev("retraction", "e-11", S([2], [T("no")]), target=2, reason="no"),
                      self.k["hr"])
        lg = EvidenceLog(self.tmp, "retract-key", events, self.k)
        self.refuse("entry 11: a retraction of seq 2, which is not a record entry of the pack",
                    lg.pack(), log=lg)

    def test_erasure_of_a_record_entry_passes(self):
        # An erasure is filed under its target's persons, as a retraction is (docs/formats.md
        # §5), so a record may hold one; its target must be a record entry too.
        events = evidence_events(self.k)
        events[14] = (ev("erasure", "e-14", S([6], [T("the person asked")]), target=6,
                         reason="the person asked"), self.k["hr"])
        lg = EvidenceLog(self.tmp, "erased", events, self.k)
        pack = lg.pack(listed=GOOD_PACK + [(14, "record")])
        self.entry(pack, 6)["event"]["reason"] = "erased"
        self.entry(pack, 6)["sealed"] = [{"field": "reason", "erased": True}]
        out = self.accept("evidence", lg.write_json("erased.json", pack), "--vkey", lg.vkey)
        self.assertIn("restrictionRecorded  id \"e-6\"  signed by ", out)
        self.assertIn("(\"人事司\", hr), erased by seq 14\n", out)
        self.assertIn("  seq 6: sealed reason: erased (commitment ", out)
        self.refuse("entry 14: an erasure of seq 6, which is not a record entry of the pack",
                    lg.pack(listed=[x for x in GOOD_PACK if x[0] != 6] + [(14, "record")]), log=lg)

    def test_record_entry_above_as_of_seq_is_refused(self):
        self.refuse("entry 10: a record entry above asOf.seq 9", self.log.pack(as_of={"seq": 9}))

    # -- points 6 and 7: the JSON shown is the body's; sealed disclosures --

    def test_event_json_type_or_id_differing_from_the_body_is_refused(self):
        pack = self.log.pack()
        self.entry(pack, 7)["event"]["type"] = "leaveGranted"
        self.refuse("entry 7: the event JSON says type \"leaveGranted\", the signed body is a "
                    "trainingCompleted", pack)
        pack = self.log.pack()
        self.entry(pack, 7)["event"]["id"] = "e-70"
        self.refuse("entry 7: the event JSON says id \"e-70\", the signed body's id is \"e-7\"",
                    pack)
        pack = self.log.pack()
        del self.entry(pack, 7)["event"]["id"]
        self.refuse("entry 7: the event JSON says id null", pack)

    def test_wrong_sealed_salt_is_refused(self):
        pack = self.log.pack()
        self.entry(pack, 6)["sealed"] = [{"field": "reason", "salt": SALT2.hex(), "value": "health"}]
        self.refuse(["entry 6: sealed reason: SHA-256(salt || \"health\") is ",
                     "(wrong salt or value)"], pack)
        self.entry(pack, 6)["sealed"] = [{"field": "reason", "salt": SALT.hex(), "value": "x"}]
        self.refuse("entry 6: sealed[0]: value \"x\" is not one of", pack)

    # -- point 1: the document --

    def test_unknown_format_is_refused(self):
        self.refuse("format is \"probity-evidence/v2\", not \"probity-evidence/v1\"",
                    self.log.pack(format="probity-evidence/v2"))
        pack = self.log.pack()
        del pack["format"]
        self.refuse("format is null, not \"probity-evidence/v1\"", pack)

    def test_extra_member_is_refused(self):
        self.refuse("the pack has a member 'comment' that probity-evidence/v1 does not define",
                    self.log.pack(comment="trust me"))
        pack = self.log.pack()
        self.entry(pack, 4)["leafHash"] = self.log.leaves[4].hex()
        self.refuse("entry 4 has a member 'leafHash' that probity-evidence/v1 does not define",
                    pack)
        self.refuse("the pack: 'asOf' is not {}, {\"date\": ...} or {\"seq\": ...}",
                    self.log.pack(as_of={"seq": 9, "date": "2020-01-01"}))

    def test_member_missing_or_of_the_wrong_type_is_refused(self):
        pack = self.log.pack()
        del pack["witnesses"]
        self.refuse("the pack has no member 'witnesses'", pack)
        self.refuse("the pack: 'entries' is not a list", self.log.pack(entries={}))
        pack = self.log.pack()
        self.entry(pack, 4)["seq"] = True
        self.refuse("entries[3]: 'seq' is not a whole number", pack)
        pack = self.log.pack()
        self.entry(pack, 9)["as"] = "witness"
        self.refuse("entry 9: 'as' is \"witness\", not record, key or revocation", pack)
        pack = self.log.pack()
        self.entry(pack, 4)["as"] = "key"
        self.refuse("entry 4: listed as 'key', but it is a personRegistered, not a keyRegistered",
                    pack)
        pack = self.log.pack()
        pack["entries"][3], pack["entries"][4] = pack["entries"][4], pack["entries"][3]
        self.refuse("entry 4 comes after entry 6: the entries are not in increasing seq", pack)
        self.refuse("asOf.date is not a YYYY-MM-DD date", self.log.pack(as_of={"date": "2019-02-30"}))

    def test_member_named_twice_is_refused(self):
        doc = json.dumps(self.log.pack(), ensure_ascii=False)
        doc = doc.replace('"person": "P000001"', '"person": "P000002", "person": "P000001"', 1)
        path_ = os.path.join(self.log.dir, "twice.json")
        with open(path_, "w", encoding="utf-8") as f:
            f.write(doc)
        r = self.run_tool("evidence", path_)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("names the member 'person' twice", r.stderr)

    def test_page_holds_its_evidence_element_exactly_once(self):
        # The JSON is the text between the tag and the next </script>, and the tag is in the
        # page once: with two, a browser could show one document and this reading another.
        tag = '<script type="application/json" id="probity-evidence">'
        page = self.log.write_html("one.html", self.log.pack())
        self.accept("evidence", page, "--vkey", self.log.vkey)
        checker = f"<script>const OPEN_TAG = '{tag}';</script>\n"
        with open(page, "a", encoding="utf-8") as f:
            f.write(checker)
        r = self.run_tool("evidence", page, "--vkey", self.log.vkey)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("more than once", r.stderr)
        bad = json.dumps(self.log.pack(person="P000002"), ensure_ascii=False).replace("<", "\\u003c")
        page = self.log.write_html("two.html", self.log.pack(), element=f"{tag}{bad}</script>{tag}")
        r = self.run_tool("evidence", page, "--vkey", self.log.vkey)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("more than once", r.stderr)
        page = self.log.write_html("none.html", self.log.pack(),
                                   element='<script type="application/json" id="evidence">')
        r = self.run_tool("evidence", page)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("nor an HTML page holding", r.stderr)

    # -- point 2: the checkpoint, its key and its witnesses --

    def test_checkpoint_by_another_key_is_refused_with_vkey(self):
        # Someone re-signs the pack's checkpoint with a key of their own under the ledger's
        # name, and puts its vkey in the pack: the pack agrees with itself...
        forger = Key(ORIGIN, SEEDS["other-log"], 0x01)
        lg = EvidenceLog(self.tmp, "forged", self.log.events, self.k, log=forger)
        doc = lg.write_json("forged.json", lg.pack())
        out = self.accept("evidence", doc)
        self.assertIn(f"TAKEN FROM THE PACK (no --vkey given): {forger.vkey}", out)
        self.assertIn(f"key id {forger.key_id.hex()}", out)
        # ...and the ledger's vkey refuses it.
        self.refuse(f"checkpoint: it carries no signature by your --vkey {ORIGIN}+"
                    f"{self.k['log'].key_id.hex()}; the pack names another vkey, "
                    f"\"{forger.vkey}\": this pack is not signed by the ledger whose vkey you "
                    "gave", lg.pack(), "--vkey", self.log.vkey, log=lg)
        # The same pack naming the ledger's vkey: the signature is missing all the same.
        self.refuse(f"checkpoint: no signature by {ORIGIN}+{self.k['log'].key_id.hex()} in the "
                    "note (wrong vkey?)", lg.pack(vkey=self.log.vkey), "--vkey", self.log.vkey,
                    log=lg)
        # The checkpoint of another origin than the pack's.
        self.refuse(f"checkpoint: its origin is \"{ORIGIN}\", the pack's 'origin' is "
                    "\"elsewhere.example/log\"", self.log.pack(origin="elsewhere.example/log"))

    def test_witness_quorum_not_met_is_refused(self):
        k = self.k
        self.refuse("checkpoint: 1 of 2 witnesses cosigned the checkpoint, the quorum is 2",
                    self.log.pack(), "--vkey", self.log.vkey, "--witness", k["w1"].vkey,
                    "--witness", k["w3"].vkey)
        self.accept("evidence", self.log.write_json("quorum1.json", self.log.pack()), "--witness",
                    k["w1"].vkey, "--witness", k["w3"].vkey, "--quorum", "1")

    def test_usage_errors_exit_2(self):
        doc = self.log.write_json("usage.json", self.log.pack())
        for args in (["evidence"], ["evidence", doc, "--quorum", "1"],
                     ["evidence", os.path.join(self.tmp, "no-such-file")]):
            with self.subTest(args=args):
                self.assertEqual(self.run_tool(*args).returncode, 2)

    # -- the as-of date (check 5); the order of members, 'sealed', the page, crafted input (1) --

    def test_record_entry_after_as_of_date_is_refused(self):
        # Dated by their date field: seq 10 (a leaveGranted, by its `from`) and 9.
        self.refuse("entry 10: a leaveGranted of \"2019-07-01\" (its from), after asOf.date "
                    "2019-06-30", self.log.pack(as_of={"date": "2019-06-30"}))
        self.refuse("entry 9: a assignmentEnded of \"2019-06-20\" (its date), after asOf.date "
                    "2019-06-19", self.log.pack(as_of={"date": "2019-06-19"}))
        listed = [x for x in GOOD_PACK if x[0] not in (10, 11)]
        self.refuse("entry 13: a evaluationRecorded of \"2020-01-10\" (its date), after asOf.date",
                    self.log.pack(listed=listed, as_of={"date": "2020-01-09"}))
        listed = [x for x in GOOD_PACK if x[0] <= 9 or x[1] != "record"]
        out = self.accept("evidence", self.log.write_json("asof-0630.json", self.log.pack(
            listed=listed, as_of={"date": "2019-06-30"})), "--vkey", self.log.vkey)
        self.assertIn("as of: date 2019-06-30\nrecord: 5 entries\n", out)

    def test_as_of_date_of_an_event_without_a_date_field_is_its_day_in_china(self):
        # Seq 4, a personRegistered, at 2019-04-16T16:00:04Z: 2019-04-17 in UTC+8.
        lg = EvidenceLog(self.tmp, "cst", self.log.events, self.k, recorded=1555430400000000)
        listed = [(0, "key"), (2, "key"), (4, "record")]
        self.refuse("entry 4: a personRegistered of \"2019-04-17\" (the day it was recorded, in "
                    "China Standard Time), after asOf.date 2019-04-16",
                    lg.pack(listed=listed, as_of={"date": "2019-04-16"}), log=lg)
        self.accept("evidence", lg.write_json("cst.json", lg.pack(
            listed=listed, as_of={"date": "2019-04-17"})), "--vkey", lg.vkey)
        # At 15:59:59Z it is still 2019-04-16 there.
        lg = EvidenceLog(self.tmp, "cst-before", self.log.events, self.k,
                         recorded=1555430399000000 - 4000000)
        self.accept("evidence", lg.write_json("cst.json", lg.pack(
            listed=listed, as_of={"date": "2019-04-16"})), "--vkey", lg.vkey)

    def test_as_of_date_not_a_real_date_is_refused(self):
        for date in ("2019-02-29", "1899-12-31", "２０１９-０１-０１", "2019-1-01", "2019-01-01 ",
                     20190101, None):
            with self.subTest(date=date):
                self.refuse("the pack: asOf.date is not a YYYY-MM-DD date",
                            self.log.pack(as_of={"date": date}))
        self.accept("evidence", self.log.write_json("leap.json", self.log.pack(
            as_of={"date": "2020-02-29"})), "--vkey", self.log.vkey)

    def test_members_in_another_order_are_refused(self):
        pack = self.log.pack()
        swapped = {name: pack[name] for name in ("format", "vkey", "origin")}
        swapped.update(pack)
        self.refuse("the pack: its members are in the order format, vkey, origin, person, asOf, "
                    "checkpoint, witnesses, entries, not format, origin, vkey, person, asOf, "
                    "checkpoint, witnesses, entries as probity-evidence/v1 has them", swapped)
        pack = self.log.pack()
        entries = pack["entries"]
        i = next(n for n, e in enumerate(entries) if e["seq"] == 7)
        entries[i] = dict({"as": entries[i]["as"]}, **entries[i])
        self.refuse("entry 7: its members are in the order as, seq, entry, proof, event, not "
                    "seq, as, entry, proof, event", pack)
        pack = self.log.pack()
        i = next(n for n, e in enumerate(pack["entries"]) if e["seq"] == 6)
        e = pack["entries"][i]
        pack["entries"][i] = {"seq": 6, "as": e["as"], "entry": e["entry"], "proof": e["proof"],
                              "sealed": [{"field": "reason", "salt": SALT.hex(), "value": "health"}],
                              "event": e["event"]}
        self.refuse("entry 6: its members are in the order seq, as, entry, proof, sealed, event, "
                    "not seq, as, entry, proof, event, sealed", pack)

    def test_empty_sealed_list_is_refused(self):
        pack = self.log.pack()
        self.entry(pack, 6)["sealed"] = []
        self.refuse("entry 6: 'sealed' is an empty list", pack)
        self.entry(pack, 4)["sealed"] = []  # an entry with nothing sealed
        self.refuse("entry 4: 'sealed' is an empty list", pack)

    def test_sealed_field_shown_otherwise_than_its_disclosure_is_refused(self):
        # The event JSON shows a sealed field as the exporter does: the disclosed value (which
        # opens the signed commitment), "erased", or "withheld (sensitive)".
        pack = self.log.pack()
        e = self.entry(pack, 6)
        e["event"]["reason"] = "health"  # in clear, but no salt opens the commitment
        self.refuse("entry 6: the event JSON shows reason \"health\", a value no salt discloses "
                    "(not \"withheld (sensitive)\" or \"erased\")", pack)
        e["sealed"] = [{"field": "reason", "salt": SALT.hex(), "value": "health"}]
        for shown in ("pregnancy", "withheld (sensitive)", "erased", None, ["health"]):
            with self.subTest(shown=shown):
                e["event"]["reason"] = shown
                self.refuse(f"entry 6: the event JSON shows reason {json.dumps(shown)}, the "
                            "disclosed sealed value is \"health\"", pack)
        e["sealed"] = [{"field": "reason", "erased": True}]
        e["event"]["reason"] = "withheld (sensitive)"
        self.refuse("entry 6: the event JSON shows reason \"withheld (sensitive)\", not "
                    "\"erased\" as sealed[0] says it is", pack)
        e["sealed"] = [{"field": "reason", "salt": SALT.hex(), "value": ""}]
        e["event"]["reason"] = ""
        self.refuse("entry 6: sealed[0]: value \"\" is not one of pregnancy, breastfeeding, "
                    "health", pack)
        # As written: disclosed and shown; erased; withheld or erased with no disclosure; and a
        # sealed field the JSON leaves out (not compared).
        for shown, sealed in (("health", [{"field": "reason", "salt": SALT.hex(),
                                           "value": "health"}]),
                              ("erased", [{"field": "reason", "erased": True}]),
                              ("withheld (sensitive)", None), ("erased", None), (None, None)):
            with self.subTest(shown=shown, sealed=sealed):
                pack = self.log.pack()
                e = self.entry(pack, 6)
                if shown is None:
                    del e["event"]["reason"]
                else:
                    e["event"]["reason"] = shown
                if sealed is not None:
                    e["sealed"] = sealed
                self.accept("evidence", self.log.write_json("shown.json", pack), "--vkey",
                            self.log.vkey)

    def test_failure_is_one_line_whatever_the_input_holds(self):
        # A line break, or another control character, from the input is written escaped.
        r = self.run_tool("evidence", self.log.write_json("nl.json", self.log.pack(
            person="P000001\nFAILED: nothing\r\u2028\x85")), "--vkey", self.log.vkey)
        self.assert_refused(r, "entry 4: a personRegistered about person P000001 (its person), "
                            "not person P000001\\nFAILED: nothing\\r\\u2028\\u0085")
        # A file that is no text, a directory, nothing at all.
        binary = self.log.write_json("binary.json", "")
        with open(binary, "wb") as f:
            f.write(b"\xff\xfe{\x00")
        self.assert_refused(self.run_tool("evidence", binary), "is not UTF-8")
        r = self.run_tool("evidence", self.log.dir)
        self.assertEqual((r.returncode, r.stderr.count("\n")), (2, 1), r.stderr)
        self.assertIn("cannot read", r.stderr)
        empty = os.path.join(self.log.dir, "empty.json")
        open(empty, "w").close()
        self.assert_refused(self.run_tool("evidence", empty), "is neither an evidence JSON "
                            "document")

    def test_a_vkey_file_that_is_missing_is_a_file_it_cannot_read(self):
        # "ledger.vkey" cannot be a vkey (name+keyid+key): a missing file, exit 2, not
        # "vkey is not name+keyid+key" (exit 1).
        pack = self.log.write_json("pack.json", self.log.pack())
        missing = os.path.join(self.log.dir, "ledger.vkey")
        for option in ("--vkey", "--witness"):
            r = self.run_tool("evidence", pack, option, missing)
            self.assertEqual((r.returncode, r.stderr.count("\n")), (2, 1), r.stderr)
            self.assertIn(f"cannot read {missing}", r.stderr)
        # Text with a "+" is read as a vkey, and a wrong one is a failed check.
        self.assert_refused(self.run_tool("evidence", pack, "--vkey", "bad+vkey"),
                            "vkey is not name+keyid+key")

    def test_an_error_of_the_auditor_is_one_line_not_a_traceback(self):
        # Should a check itself break on some input, the run fails (exit 1) in one line naming
        # the error, never passes and never prints a traceback.
        import contextlib
        from unittest import mock
        doc = self.log.write_json("internal.json", self.log.pack())
        for error, expected in ((KeyError("asOf"), "the input could not be checked: KeyError: "
                                 "'asOf' (an error in probity-audit; please report it)"),
                                (RecursionError(), "too large or nests too deeply for this "
                                 "checker (RecursionError)"),
                                (MemoryError(), "(MemoryError)")):
            with self.subTest(error=type(error).__name__):
                err = io.StringIO()
                with mock.patch.object(audit, "check_evidence_person", side_effect=error), \
                        contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    rc = audit.main(["evidence", doc, "--vkey", self.log.vkey])
                self.assertEqual(rc, 1)
                self.assertEqual(err.getvalue().count("\n"), 1, err.getvalue())
                self.assertTrue(err.getvalue().startswith("probity-audit: FAILED: "))
                self.assertIn(expected, err.getvalue())

    def test_raw_less_than_in_the_page_is_refused(self):
        page = self.log.write_html("raw.html", self.log.pack())
        with open(page, encoding="utf-8") as f:
            text = f.read()
        for what, raw in (("a tag", "<b>"), ("a comment opener", "<!--")):
            with self.subTest(what):
                with open(page, "w", encoding="utf-8") as f:
                    f.write(text.replace("\\u003cb>", raw, 1))
                self.assert_refused(self.run_tool("evidence", page, "--vkey", self.log.vkey),
                                    "the JSON in the page holds a raw '<' (probity writes "
                                    "every '<' as \\u003c)")

    def test_crafted_json_is_refused_in_one_line(self):
        doc = json.dumps(self.log.pack(), ensure_ascii=False)
        self.assertIn('"seq": 4, "as": "record"', doc)
        cases = {
            "a number of 5000 digits": (doc.replace('"seq": 4,', '"seq": ' + "9" * 5000 + ",", 1),
                                        "the evidence is not JSON this checker can read"),
            "nesting 100000 deep": (doc.replace('"asOf": {}', '"asOf": ' + "[" * 100000 +
                                                "]" * 100000, 1), "nests arrays or objects too deeply"),
            "a lone surrogate": (doc.replace('"person": "P000001"', '"person": "P\\ud800"', 1),
                                 "the evidence holds a lone surrogate"),
            "NaN": (doc.replace('"asOf": {}', '"asOf": NaN', 1), "the JSON holds NaN"),
            "not JSON": (doc[:-1], "the evidence is not JSON: "),
        }
        for what, (text, expected) in cases.items():
            with self.subTest(what):
                path_ = os.path.join(self.log.dir, "crafted.json")
                with open(path_, "w", encoding="utf-8") as f:
                    f.write(text)
                self.assert_refused(self.run_tool("evidence", path_), expected)
        # Every nesting depth around the interpreter's limit, in the pack's event JSON.
        for depth in range(960, 1010, 7):
            with self.subTest(depth=depth):
                path_ = os.path.join(self.log.dir, "deep.json")
                with open(path_, "w", encoding="utf-8") as f:
                    f.write(doc.replace('"asOf": {}', '"asOf": ' + "[" * depth + "]" * depth, 1))
                r = self.run_tool("evidence", path_)
                self.assertNotIn("Traceback", r.stderr)
                self.assert_refused(r, "")

    def test_key_named_once_and_no_cosignature_said(self):
        lg = EvidenceLog(self.tmp, "uncosigned", self.log.events, self.k, cosigners=())
        out = self.accept("evidence", lg.write_json("uncosigned.json", lg.pack(witnesses=[])),
                          "--vkey", lg.vkey)
        self.assertIn(f"verifier key: yours (--vkey), {ORIGIN}+{self.k['log'].key_id.hex()}\n"
                      "witnesses: no witness cosignature\n", out)
        self.assertNotIn("key id", out.splitlines()[2])
        self.assertNotIn("give --witness", out)
        # The pack naming another vkey than the one given: said, not used.
        other = Key(ORIGIN, SEEDS["other-log"], 0x01)
        out = self.accept("evidence", self.log.write_json("other-vkey.json", self.log.pack(
            vkey=other.vkey)), "--vkey", self.log.vkey)
        self.assertIn(f"verifier key: yours (--vkey), {ORIGIN}+{self.k['log'].key_id.hex()}; the "
                      f"pack names another vkey, \"{other.vkey}\", which was not used\n", out)
        out = self.accept("evidence", self.log.write_json("one.json", self.log.pack()), "--vkey",
                          self.log.vkey)
        self.assertIn("witnesses: 2 cosignature lines, not checked: give --witness (the pack "
                      "names 2: ", out)


# ---- report files (docs/formats.md §13): probity-audit report FILE ---------------------------

XLSX_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types '
    'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook '
    f'xmlns="{XLSX_MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="eligibility 2019" sheetId="1" r:id="rId1"/><sheet '
    'name="basis" sheetId="2" r:id="rId2"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet2.xml"/></Relationships>',
}


def inline(ref, text):
    return (f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{xml_escape(text)}</t></is>'
            '</c>')


def sheet_xml(rows):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{XLSX_MAIN_NS}"><sheetData>' +
            "".join(f'<row r="{i + 1}">{"".join(cells)}</row>' for i, cells in enumerate(rows)) +
            "</sheetData></worksheet>\n")


def zip_member_patch(data, name, local_at, central_at, value):
    """`data` with bytes `value` written at offset `local_at` of member `name`'s local header
    and `central_at` of its central directory record (either None: left alone)."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    if local_at is not None:
        out[info.header_offset + local_at:info.header_offset + local_at + len(value)] = value
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        n = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + n] == name.encode() and central_at is not None:
            out[at + central_at:at + central_at + len(value)] = value
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(out)


class ReportFileTest(ToolTestCase, unittest.TestCase):
    """`probity-audit report FILE` on hand-built CSV, JSON and .xlsx files: the basis checked
    once whichever the form, crafted files refused in one line, the usage of `report`."""

    TMP_PREFIX = "probity-audit-report-"
    COMMAND = "eligibility 2019"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        k = {"admin": Key("admin", SEEDS["admin"], 0x01), "log": Key(ORIGIN, SEEDS["log"], 0x01),
             "other-log": Key(ORIGIN, SEEDS["other-log"], 0x01)}
        for w in ("w1", "w2"):
            k[w] = Key(f"witness.test/{w}", SEEDS[w], 0x04)
        cls.k = k
        cls.ledger = Ledger(cls.tmp, "report", good_bodies(), log_key=k["log"], keys=k)
        with open(cls.ledger.note, encoding="utf-8") as f:
            cls.note = f.read()
        cls.n = 0

    def basis(self, **changes):
        out = {"treeSize": len(self.ledger.entries),
               "root": audit.merkle_root(self.ledger.leaves).hex(), "vkey": self.k["log"].vkey,
               "checkpoint": self.note}
        out.update(changes)
        return out

    def write(self, ext, content):
        ReportFileTest.n += 1
        return self.ledger.write(f"report-{self.n}.{ext}", content)

    def csv_file(self, basis=None, cells=None):
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["unit", "name", "eligible", "", "", ""])
        w.writerow(["U001", "大气环境司", "yes", "", "", ""])
        basis = basis or self.basis()
        w.writerow(cells or ["#probity", self.COMMAND] + [f"{key}={basis[key]}" for key in
                                                           ("treeSize", "root", "vkey", "checkpoint")])
        return self.write("csv", "\ufeff" + out.getvalue())

    def json_file(self, basis=None, text=None):
        doc = {"format": "probity-report/v1", "command": self.COMMAND,
               "basis": basis or self.basis(), "result": {"units": []}}
        return self.write("json", text if text is not None else json.dumps(doc, ensure_ascii=False))

    def basis_rows(self, basis=None):
        basis = basis or self.basis()
        return [[inline("A1", "command"), inline("B1", self.COMMAND)],
                [inline("A2", "treeSize"), f'<c r="B2"><v>{basis["treeSize"]}</v></c>'],
                [inline("A3", "root"), inline("B3", basis["root"])],
                [inline("A4", "vkey"), inline("B4", basis["vkey"])],
                [inline("A5", "checkpoint"), inline("B5", basis["checkpoint"])]]

    def xlsx_bytes(self, rows=None, compression=zipfile.ZIP_STORED, **replaced):
        """The workbook; `replaced` maps a part's name, its "/" and "." written "_", to other
        text for it."""
        parts = dict(XLSX_PARTS)
        for name in parts:
            parts[name] = replaced.get(re.sub(r"[/.\[\]]", "_", name), parts[name])
        parts["xl/worksheets/sheet1.xml"] = sheet_xml([[inline("A1", "unit")]])
        parts["xl/worksheets/sheet2.xml"] = sheet_xml(self.basis_rows() if rows is None else rows)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression) as z:
            for name, text in parts.items():
                z.writestr(name, text)
        return out.getvalue()

    def xlsx_file(self, rows=None, data=None):
        return self.write("xlsx", data if data is not None else self.xlsx_bytes(rows))

    def test_each_form_passes_and_says_where_its_key_is_from(self):
        k, key_id = self.k, self.k["log"].key_id.hex()
        for form, path_ in (("csv", self.csv_file()), ("json", self.json_file()),
                            ("xlsx", self.xlsx_file()),
                            ("deflated xlsx", self.xlsx_file(data=self.xlsx_bytes(
                                compression=zipfile.ZIP_DEFLATED)))):
            with self.subTest(form):
                out = self.accept("report", path_)
                self.assertIn(f"report: {path_}: probity {self.COMMAND}\nbasis verified: computed "
                              "at tree size 10, root ", out)
                self.assertIn(f"verifier key: TAKEN FROM THE FILE (no --vkey given): "
                              f"{k['log'].vkey}, key name {ORIGIN}, key id {key_id}: compare "
                              "them with the ledger's published vkey", out)
                self.assertIn("witnesses: 2 cosignature lines, not checked: give --witness\n", out)
                out = self.accept("report", path_, "--vkey", k["log"].vkey, "--origin", ORIGIN,
                                  "--witness", k["w1"].vkey, "--witness", k["w2"].vkey)
                self.assertIn(f"verifier key: yours (--vkey), {ORIGIN}+{key_id}\ncosigned by "
                              "witness witness.test/w1", out)
                self.assertIn("witnesses: 2 of 2 cosigned (quorum 2)", out)
        # Cells are read by their column, in whatever order a row lists them.
        rows = [list(reversed(r)) for r in self.basis_rows()]
        self.accept("report", self.xlsx_file(rows))

    def test_a_checkpoint_without_cosignatures_and_another_vkey_named(self):
        text = self.ledger.text
        bare = text + "\n" + self.k["log"].note_line(text)
        out = self.accept("report", self.csv_file(self.basis(checkpoint=bare)))
        self.assertIn("witnesses: no witness cosignature\n", out)
        self.assertNotIn("give --witness", out)
        other = self.k["other-log"].vkey
        out = self.accept("report", self.json_file(self.basis(vkey=other)), "--vkey",
                          self.k["log"].vkey)
        self.assertIn(f"verifier key: yours (--vkey), {ORIGIN}+{self.k['log'].key_id.hex()}; the "
                      f"file names another vkey, \"{other}\", which was not used\n", out)
        self.refuse_file(self.json_file(self.basis(vkey=other)), "no signature by")

    def test_a_conflicting_vkey_is_named_when_the_checkpoint_is_not_signed_by_it(self):
        # A file from another ledger (or re-signed by someone), checked with the ledger's vkey:
        # its checkpoint carries no signature by that key, and the file names another.
        k = self.k
        forged = Ledger(self.tmp, "forged-report", good_bodies(), log_key=k["other-log"], keys=k)
        with open(forged.note, encoding="utf-8") as f:
            note = f.read()
        basis = self.basis(vkey=k["other-log"].vkey, checkpoint=note)
        for path_ in (self.csv_file(basis), self.json_file(basis)):
            with self.subTest(path_):
                self.accept("report", path_)  # it agrees with itself
                self.refuse_file(path_, f"checkpoint: it carries no signature by your --vkey "
                                 f"{ORIGIN}+{k['log'].key_id.hex()}; the file names another vkey, "
                                 f"\"{k['other-log'].vkey}\": this file is not signed by the "
                                 "ledger whose vkey you gave", "--vkey", k["log"].vkey)
        # Naming the ledger's vkey but signed by another key: no conflict to name.
        self.refuse_file(self.json_file(self.basis(checkpoint=note)), "checkpoint: no signature "
                         f"by {ORIGIN}+{k['log'].key_id.hex()} in the note (wrong vkey?)",
                         "--vkey", k["log"].vkey)

    def refuse_file(self, path_, expected, *args):
        r = self.run_tool("report", path_, *args)
        self.assertNotIn("Traceback", r.stderr)
        self.assert_refused(r, expected, ("report", path_, *args))

    def test_crafted_json_is_refused_in_one_line(self):
        good = json.dumps({"format": "probity-report/v1", "command": self.COMMAND,
                           "basis": self.basis(), "result": {"units": []}}, ensure_ascii=False)
        size = '"treeSize": 10'
        self.assertIn(size, good)
        cases = {
            "treeSize true": (good.replace(size, '"treeSize": true'),
                              "basis: 'treeSize' is not a whole number"),
            "treeSize 1.0": (good.replace(size, '"treeSize": 10.0'), "'treeSize' is not a whole"),
            "treeSize 0": (good.replace(size, '"treeSize": 0'), "treeSize is not a positive number"),
            "treeSize of 5000 digits": (good.replace(size, '"treeSize": ' + "9" * 5000),
                                        "is not JSON this checker can read"),
            "nesting 100000 deep": (good.replace('{"units": []}', "[" * 100000 + "]" * 100000),
                                    "nests arrays or objects too deeply"),
            "a lone surrogate": (good.replace(f'"{self.COMMAND}"', '"\\udc00"'),
                                 "holds a lone surrogate"),
            "root not text": (good.replace('"root": "', '"root": ["').replace(
                '", "vkey"', '"], "vkey"'), "are not all text"),
            "a member twice": (good.replace('"result":', '"command": "x", "result":'),
                               "names the member 'command' twice"),
        }
        for what, (text, expected) in cases.items():
            with self.subTest(what):
                self.refuse_file(self.json_file(text=text), expected)

    def test_crafted_csv_is_refused_in_one_line(self):
        basis = self.basis()
        for what, size in (("a plus sign", "+10"), ("Arabic-Indic digits", "١٠"), ("empty", ""),
                           ("2^64", str(2 ** 64))):
            with self.subTest(what):
                self.refuse_file(self.csv_file(self.basis(treeSize=size)),
                                 "treeSize is not a positive number")
        cells = ["#probity", self.COMMAND, "treeSize=10", "root=" + basis["root"],
                 "vkey=" + "x" * 200000, "checkpoint=" + basis["checkpoint"]]
        self.refuse_file(self.csv_file(cells=cells), "not a CSV file this checker reads")

    def test_crafted_xlsx_is_refused_in_one_line(self):
        rows = self.basis_rows()

        def with_cell(row, cell):
            out = [list(r) for r in rows]
            out[row][1] = cell
            return out
        resaved = "(was the file re-saved by a spreadsheet program? check the file probity wrote)"
        cases = {
            "treeSize <v/>": (with_cell(1, '<c r="B2"><v/></c>'), "treeSize is not a positive"),
            "treeSize no <v>": (with_cell(1, '<c r="B2"/>'), "treeSize is not a positive"),
            "treeSize 1e1": (with_cell(1, '<c r="B2"><v>1e1</v></c>'), "treeSize is not a positive"),
            "root <v/>": (with_cell(2, '<c r="B3"><v/></c>'), "root is not 64 lower-case hex"),
            "vkey <v/>": (with_cell(3, '<c r="B4"><v/></c>'), "the file's vkey: vkey is not "
                          "name+keyid+key"),
            "checkpoint <v/>": (with_cell(4, '<c r="B5"><v/></c>'), "note has no blank line"),
            "a shared string": (with_cell(2, '<c r="B3" t="s"><v>0</v></c>'),
                                f"the basis sheet's cell B3 is a shared string, which probity "
                                f"does not write {resaved}"),
            "a formula": (with_cell(1, '<c r="B2"><f>5+5</f><v>10</v></c>'),
                          f"cell B2 is not an inline string or a number {resaved}"),
            "a boolean": (with_cell(1, '<c r="B2" t="b"><v>1</v></c>'), "cell B2 is not an inline"),
            "a cell in column C": (rows[:1] + [rows[1] + [inline("C2", "x")]] + rows[2:],
                                   "the basis sheet has a cell C2 outside columns A and B"),
            "a cell without r": (with_cell(1, "<c><v>10</v></c>"),
                                 "a cell without a cell reference (r) outside columns A and B"),
            "two cells in B": (rows[:1] + [rows[1] + ['<c r="B2"><v>11</v></c>']] + rows[2:],
                               "has two cells in column B"),
            "another label": (rows + [[inline("A6", "note"), inline("B6", "x")]],
                              "the basis sheet has a row \"note\", not one of command, treeSize, "
                              "root, vkey, checkpoint"),
            "an empty label": (rows + [[inline("B6", "x")]], "the basis sheet has a row \"\""),
            "a label twice": (rows + [rows[2]], "the basis sheet names root twice"),
            "a row missing": (rows[:2] + rows[3:], "the basis sheet has no row 'root'"),
        }
        for what, (sheet_rows, expected) in cases.items():
            with self.subTest(what):
                args = ("--vkey", self.k["log"].vkey) if what == "checkpoint <v/>" else ()
                self.refuse_file(self.xlsx_file(sheet_rows), expected, *args)

    def test_broken_xlsx_zip_is_refused_in_one_line(self):
        sheet = "xl/worksheets/sheet2.xml"
        stored, deflated = self.xlsx_bytes(), self.xlsx_bytes(compression=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipFile(io.BytesIO(deflated)).getinfo(sheet)
        header = deflated[info.header_offset:info.header_offset + 30]
        start = info.header_offset + 30 + sum(struct.unpack("<HH", header[26:30]))
        bad_block = bytearray(deflated)
        bad_block[start] |= 0x06  # BTYPE 11: a reserved deflate block type
        long_size = struct.pack("<II", len(stored) + 1000, len(stored) + 1000)
        cases = {
            "bad deflate data (zlib.error)": (bytes(bad_block), "zlib.error"),
            "compression method 99 (NotImplementedError)": (
                zip_member_patch(stored, sheet, 8, 10, struct.pack("<H", 99)),
                "NotImplementedError: That compression method is not supported"),
            "encrypted (RuntimeError)": (zip_member_patch(stored, sheet, 6, 8, b"\x01\x00"),
                                         "RuntimeError: File 'xl/worksheets/sheet2.xml' is "
                                         "encrypted"),
            "sizes past the end (EOFError)": (zip_member_patch(stored, sheet, 18, 20, long_size),
                                              "EOFError"),
            "cut short": (stored[:len(stored) // 2], "not a readable .xlsx workbook"),
            "no basis sheet": (self.xlsx_bytes(xl_workbook_xml=XLSX_PARTS["xl/workbook.xml"]
                                               .replace('name="basis"', 'name="basic"')),
                               "the workbook has no sheet 'basis'"),
        }
        for what, (data, expected) in cases.items():
            with self.subTest(what):
                self.refuse_file(self.xlsx_file(data=data), expected)

    def test_report_usage(self):
        lg = self.ledger
        root5 = audit.merkle_root(lg.leaves[:5]).hex()
        five = ["5", root5, lg.note, self.k["log"].vkey, lg.consistency(5, 10)]
        out = self.accept("report", *five)
        self.assertIn("report basis verified: the tree of size 5", out)
        for args, expected in (
                (["report", "1", "2", "3"], "report takes FILE, or SIZE ROOT NOTE VKEY PROOF_JSON; "
                 "3 arguments were given"),
                (["report", *five, "x"], "6 arguments were given"),
                (["report", *five, "--vkey", self.k["log"].vkey], "--vkey goes with 'report FILE'"),
                (["report", self.csv_file(), "--quorum", "1"], "--quorum needs at least one"),
                (["report"], "the following arguments are required")):
            with self.subTest(args=args[1:4]):
                r = self.run_tool(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(expected, r.stderr)
        # SIZE and ROOT are the report's values, refused as a check (exit 1, one line).
        for size, root, expected in (("+5", root5, "SIZE \"+5\" is not a tree size"),
                                     ("٥", root5, "is not a tree size"),
                                     (str(2 ** 64), root5, "is not a tree size"),
                                     ("5", root5[:-2], f"ROOT \"{root5[:-2]}\" is not 64 hex "
                                      "digits")):
            with self.subTest(size=size, root=root):
                self.assert_refused(self.run_tool("report", size, root, *five[2:]), expected)
        r = self.run_tool("report", "1", "2", "3")
        self.assertTrue(r.stderr.startswith("usage: probity-audit report FILE [--vkey VKEY] "
                                            "[--origin NAME] [--witness W]... [--quorum K]\n"
                                            "       probity-audit report SIZE ROOT NOTE VKEY "
                                            "PROOF_JSON [--origin NAME]"), r.stderr)


# ---- packs and reports the real exporter writes ---------------------------------------------

PROBITY = os.environ.get("PROBITY") or os.path.join(ROOT, "build", "probity")


def short(vkey):
    """name+keyid of a vkey, as the auditor names the key."""
    return "+".join(vkey.split("+")[:2])


class RealExportTest(ToolTestCase, unittest.TestCase):
    """`probity-audit evidence` and `report FILE` on what the probity binary ($PROBITY, else
    build/probity) writes of the small store of tests/web/make_store.sh: every form passes
    with the ledger's vkey, in the member order docs/formats.md §12 gives, as of a seq or a
    date; the same files edited (an earlier asOf.date, a sealed value, the members' order, a
    raw '<' in the page) or checked with another ledger's vkey are refused in one line.
    Skipped without the binary."""

    TMP_PREFIX = "probity-audit-real-"

    @classmethod
    def setUpClass(cls):
        if not os.access(PROBITY, os.X_OK):
            raise unittest.SkipTest(f"no probity binary at {PROBITY} (set PROBITY)")
        super().setUpClass()
        subprocess.run(["bash", os.path.join(ROOT, "tests", "web", "make_store.sh"), PROBITY,
                        cls.tmp], check=True, stdout=subprocess.DEVNULL)
        cls.vkey = cls.probity("checkpoint", "--vkey").strip()
        cls.n = 0

    @classmethod
    def probity(cls, *args, data=None):
        return subprocess.run([PROBITY, "--data", data or os.path.join(cls.tmp, "store"), *args],
                              check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True).stdout

    def export(self, person, *args, page=False):
        """The path of the pack `probity evidence PERSON ARGS` writes (--json unless `page`)."""
        RealExportTest.n += 1
        out = os.path.join(self.tmp, f"{person}-{self.n}.{'html' if page else 'json'}")
        self.probity("evidence", person, *args, *([] if page else ["--json"]), "-o", out)
        return out

    def edited(self, path_, edit):
        """A copy of the JSON pack at `path_` after `edit(pack)`, written as the exporter does."""
        with open(path_, encoding="utf-8") as f:
            pack = json.load(f)
        edit(pack)
        RealExportTest.n += 1
        out = os.path.join(self.tmp, f"edited-{self.n}.json")
        with open(out, "w", encoding="utf-8") as f:
            f.write(json.dumps(pack, ensure_ascii=False, separators=(",", ":")))
        return out

    def refuse(self, expected, *args):
        r = self.run_tool(*args)
        self.assertNotIn("Traceback", r.stderr)
        self.assert_refused(r, expected, args)

    def test_real_packs_pass_with_the_ledgers_vkey(self):
        for person, args, page in (("P1", (), True), ("P1", (), False),
                                   ("P2", ("--include-sensitive",), False),
                                   ("P3", (), False), ("P1", ("--as-of-seq", "30"), False),
                                   ("P1", ("--as-of", "2019-05-20"), True)):
            with self.subTest(person=person, args=args, page=page):
                path_ = self.export(person, *args, page=page)
                out = self.accept("evidence", path_, "--vkey", self.vkey)
                self.assertIn(f"verifier key: yours (--vkey), {short(self.vkey)}\n",
                              out)
                self.assertIn(f"person: {person}\n", out)
                self.assertIn(("an HTML page" if page else "a JSON document"), out)
                self.assertTrue(out.splitlines()[-1].startswith("NOT PROVEN: "))

    def test_real_pack_members_are_in_the_order_formats_md_gives(self):
        # §12: "One object; the members, in this order", and each entry's as its table lists
        # them, 'sealed' (with --include-sensitive) last. The auditor holds a pack to it.
        path_ = self.export("P2", "--include-sensitive")
        with open(path_, encoding="utf-8") as f:
            pack = json.load(f)
        self.assertEqual(list(pack), list(audit.EVIDENCE_MEMBERS))
        for e in pack["entries"]:
            self.assertEqual(list(e), [m for m in audit.EVIDENCE_ENTRY_MEMBERS if m in e])
        self.assertTrue(any("sealed" in e for e in pack["entries"]))
        swapped = self.edited(path_, lambda p: p.update(
            {m: p.pop(m) for m in ("origin", "format")}))
        self.refuse("the pack: its members are in the order vkey, person, asOf, checkpoint, "
                    "witnesses, entries, origin, format, not format, origin, vkey,", "evidence",
                    swapped, "--vkey", self.vkey)

        def sealed_first(p):
            e = next(e for e in p["entries"] if "sealed" in e)
            sealed = e.pop("sealed")
            e.update({"sealed": sealed, **{m: e.pop(m) for m in ("event",)}})
        self.refuse("its members are in the order seq, as, entry, proof, sealed, event, not seq, "
                    "as, entry, proof, event, sealed", "evidence", self.edited(path_, sealed_first),
                    "--vkey", self.vkey)

    def test_real_pack_as_of_a_date_holds_no_entry_dated_after_it(self):
        # P2's criticism is dated 2019-07-01 and a commendation 2019-08-01: as of 2019-07-01
        # the pack holds the first, not the second.
        path_ = self.export("P2", "--as-of", "2019-07-01")
        out = self.accept("evidence", path_, "--vkey", self.vkey)
        self.assertIn("as of: date 2019-07-01\n", out)
        self.assertIn("criticismIssued", out)
        self.assertNotIn("commendationIssued", out)
        with open(path_, encoding="utf-8") as f:
            seq = next(e["seq"] for e in json.load(f)["entries"]
                       if e["event"]["type"] == "criticismIssued")
        self.refuse(f"entry {seq}: a criticismIssued of \"2019-07-01\" (its date), after asOf.date "
                    "2019-06-30", "evidence",
                    self.edited(path_, lambda p: p["asOf"].update(date="2019-06-30")),
                    "--vkey", self.vkey)
        # A personRegistered or a retraction has no date field: it is dated the day it was
        # recorded, in China Standard Time. The store was made today, so a pack of P3 as of
        # 2019-12-31 leaves out both (and holds the commendation of that day), and the full
        # pack is refused as of that date at its first such entry.
        with open(self.export("P3", "--as-of", "2019-12-31"), encoding="utf-8") as f:
            types = [e["event"]["type"] for e in json.load(f)["entries"] if e["as"] == "record"]
        self.assertIn("commendationIssued", types)
        self.assertNotIn("personRegistered", types)
        self.assertNotIn("retraction", types)
        full = self.export("P3")
        with open(full, encoding="utf-8") as f:
            first = next(e for e in json.load(f)["entries"] if e["as"] == "record")
        entry = audit.decode_entry(base64.b64decode(first["entry"]))
        day, _ = audit.business_date(audit.decode_event(entry["body"]), entry["recordedAt"])
        self.assertEqual(first["event"]["type"], "personRegistered")
        self.assertGreater(day, "2019-12-31")
        self.refuse(f"entry {first['seq']}: a personRegistered of \"{day}\" (the day it was "
                    "recorded, in China Standard Time), after asOf.date 2019-12-31", "evidence",
                    self.edited(full, lambda p: p["asOf"].update(date="2019-12-31")),
                    "--vkey", self.vkey)

    def test_real_sealed_value_is_checked_against_its_commitment(self):
        sensitive = self.export("P2", "--include-sensitive")
        out = self.accept("evidence", sensitive, "--vkey", self.vkey)
        self.assertIn("sealed reason verified: \"pregnancy\", SHA-256(salt || value) = signed "
                      "commitment ", out)
        out = self.accept("evidence", self.export("P2"), "--vkey", self.vkey)
        self.assertIn("sealed reason: committed (", out)

        def disclosed(p):
            return next(e for e in p["entries"] if "sealed" in e)

        def lie(p):
            disclosed(p)["sealed"][0]["value"] = "health"
            disclosed(p)["event"]["reason"] = "health"

        def shown_without_salt(p):
            del disclosed(p)["sealed"]

        def emptied(p):
            disclosed(p)["sealed"] = []
        for edit, expected in ((lie, "sealed reason: SHA-256(salt || \"health\") is "),
                               (shown_without_salt, "the event JSON shows reason \"pregnancy\", "
                                "a value no salt discloses"),
                               (emptied, "'sealed' is an empty list")):
            with self.subTest(edit.__name__):
                self.refuse(expected, "evidence", self.edited(sensitive, edit), "--vkey", self.vkey)

    def test_real_page_with_a_raw_less_than_is_refused(self):
        page = self.export("P1", page=True)
        with open(page, encoding="utf-8") as f:
            text = f.read()
        start = text.index(audit.EVIDENCE_ELEMENT) + len(audit.EVIDENCE_ELEMENT)
        self.assertNotIn("<", text[start:text.index("</script>", start)])
        bad = os.path.join(self.tmp, "raw-lt.html")
        with open(bad, "w", encoding="utf-8") as f:
            f.write(text[:start] + text[start:].replace('"person":"P1"', '"person":"P1<!--"', 1))
        self.refuse("the JSON in the page holds a raw '<' (probity writes every '<' as \\u003c)",
                    "evidence", bad, "--vkey", self.vkey)

    def test_real_page_with_a_second_evidence_element_is_refused(self):
        page = self.export("P1", page=True)
        with open(page, encoding="utf-8") as f:
            text = f.read()
        element = text[text.index(audit.EVIDENCE_ELEMENT):]
        element = element[:element.index("</script>") + len("</script>")]
        bad = os.path.join(self.tmp, "two-elements.html")
        with open(bad, "w", encoding="utf-8") as f:
            f.write(text.replace("</body>", element + "</body>", 1))
        self.refuse(f"holds {audit.EVIDENCE_ELEMENT} more than once", "evidence", bad,
                    "--vkey", self.vkey)

    def test_real_files_checked_with_another_ledgers_vkey_name_the_conflict(self):
        other = os.path.join(self.tmp, "other")
        subprocess.run([PROBITY, "keygen", os.path.join(self.tmp, "other.pem"), "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        self.probity("init", "--admin-key", os.path.join(self.tmp, "other.pem"), "--origin",
                     "probity.test/web", data=other)
        other_vkey = self.probity("checkpoint", "--vkey", data=other).strip()
        self.refuse(f"checkpoint: it carries no signature by your --vkey "
                    f"{short(other_vkey)}; the pack names another vkey, "
                    f"\"{self.vkey}\": this pack is not signed by the ledger whose vkey you gave",
                    "evidence", self.export("P1"), "--vkey", other_vkey)
        for name, args in (("e.csv", ("eligibility", "2019", "--format", "csv")),
                           ("e.json", ("eligibility", "2019", "--format", "json")),
                           ("e.xlsx", ("eligibility", "2019")),
                           ("u.json", ("unevaluated", "2019"))):
            with self.subTest(name):
                path_ = os.path.join(self.tmp, name)
                self.probity(*args, "-o", path_)
                out = self.accept("report", path_, "--vkey", self.vkey)
                self.assertIn(f"report: {path_}: probity {' '.join(args[:2])}\nbasis verified: ",
                              out)
                self.refuse(f"checkpoint: it carries no signature by your --vkey "
                            f"{short(other_vkey)}; the file names another vkey, "
                            f"\"{self.vkey}\": this file is not signed by the ledger whose vkey "
                            "you gave", "report", path_, "--vkey", other_vkey)
        # The workbook cut short: one line, exit 1.
        with open(os.path.join(self.tmp, "e.xlsx"), "rb") as f:
            data = f.read()
        cut = os.path.join(self.tmp, "cut.xlsx")
        with open(cut, "wb") as f:
            f.write(data[:len(data) // 2])
        self.refuse("not a readable .xlsx workbook", "report", cut)


class Ed25519RuleTest(unittest.TestCase):
    """probity-audit applies the ledger's signature rule (docs/formats.md section 3): the
    public speccheck and Wycheproof cases get the same verdicts as in
    tests/ed25519_rules_test.cc."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("no openssl")
        cls.vectors = os.path.join(ROOT, "tests", "vectors", "ed25519")

    def load(self, name):
        with open(os.path.join(self.vectors, name)) as f:
            return json.load(f)

    def test_speccheck_only_case_3_verifies(self):
        for i, c in enumerate(self.load("speccheck_cases.json")):
            with self.subTest(case=i):
                got = audit.ed25519_verify(bytes.fromhex(c["pub_key"]), bytes.fromhex(c["message"]),
                                           bytes.fromhex(c["signature"]))
                self.assertEqual(got, i == 3)

    def test_constructed_cases_get_the_strict_verdict(self):
        for c in self.load("extra_cases.json")["cases"]:
            with self.subTest(case=c["name"]):
                got = audit.ed25519_verify(bytes.fromhex(c["pub_key"]), bytes.fromhex(c["message"]),
                                           bytes.fromhex(c["signature"]))
                self.assertEqual(got, c["expected"]["strict"])

    def test_wycheproof_invalid_edge_cases_refused_valid_accepted(self):
        # Every 10th case (the openssl process per case is slow); the C++ test runs all 150.
        # Not the empty message: `openssl pkeyutl -rawin` cannot read one from a file, and a
        # probity signed message is never empty (it starts with its domain prefix).
        groups = self.load("wycheproof_ed25519_test.json")["testGroups"]
        cases = [(g["publicKey"]["pk"], t) for g in groups for t in g["tests"] if t["msg"]][::10]
        self.assertGreaterEqual(len(cases), 15)
        for pk, t in cases:
            with self.subTest(tcId=t["tcId"]):
                got = audit.ed25519_verify(bytes.fromhex(pk), bytes.fromhex(t["msg"]),
                                           bytes.fromhex(t["sig"]))
                self.assertEqual(got, t["result"] == "valid")


# ---- tiles: the whole tree recomputed from a tlog-tiles mirror -----------------------------

MERKLE_VECTORS = os.path.join(ROOT, "tests", "vectors", "rfc6962-proofs_transparency-dev-merkle")


def reference_tiles(leaves):
    """{path: bytes} of every hash tile of the tree over `leaves` (leaf hashes), each hash of
    level L computed by the reference MTH (audit.merkle_root, checked against RFC 6962's
    test tree) over the 256^L leaves below it: independent of the tiles code under test."""
    out = {}
    for level, index, width in audit.hash_tiles(len(leaves)):
        span = 256 ** level
        first = index * 256
        out[audit.tile_path(level, index, width)] = b"".join(
            audit.merkle_root(leaves[(first + i) * span:(first + i + 1) * span])
            for i in range(width))
    return out


def fetcher(tiles):
    def fetch(level, index, width):
        name = audit.tile_path(level, index, width)
        if name not in tiles:
            raise audit.CheckFailed(f"{name} is missing")
        return tiles[name]
    return fetch


class TilesTreeTest(unittest.TestCase):
    """verify_tree against the public RFC 6962 vectors and against the reference MTH."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(MERKLE_VECTORS, "rfc6962-test-tree.json")) as f:
            cls.tree = json.load(f)
        cls.leaves = [bytes.fromhex(h) for h in cls.tree["leaf_hashes_hex"]]
        cls.roots = [bytes.fromhex(h) for h in cls.tree["roots_hex"]]

    def test_tile_paths(self):
        self.assertEqual(audit.tile_path(0, 1234067), "tile/0/x001/x234/067")
        self.assertEqual(audit.tile_path(1, 0, 1), "tile/1/000.p/1")
        self.assertEqual(audit.tile_path(0, 1000, 255, entries=True), "tile/entries/x001/000.p/255")
        self.assertEqual(audit.tile_path(3, 7), "tile/3/007")

    def test_tiles_of_the_spec_examples(self):
        # c2sp.org/tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0
        # tiles, one partial level 0 tile of width 112, one full level 1 tile, one partial
        # level 1 tile of width 17, and one partial level 2 tile of width 1"; "a tree of size
        # 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1".
        tiles = audit.hash_tiles(70000)
        self.assertEqual([t for t in tiles if t[0] == 0 and t[2] == 256], [(0, i, 256) for i in range(273)])
        self.assertEqual([t for t in tiles if t[2] != 256], [(0, 273, 112), (1, 1, 17), (2, 0, 1)])
        self.assertEqual([t for t in tiles if t[0] == 1], [(1, 0, 256), (1, 1, 17)])
        self.assertEqual(len(tiles), 273 + 1 + 2 + 1)
        self.assertEqual(audit.hash_tiles(256), [(0, 0, 256), (1, 0, 1)])
        self.assertEqual(audit.hash_tiles(1), [(0, 0, 1)])

    def test_rfc6962_test_tree_every_size_and_prefix(self):
        for n in range(1, len(self.leaves) + 1):
            tiles = reference_tiles(self.leaves[:n])
            audit.verify_tree(fetcher(tiles), n, self.roots[n - 1])
            for m in range(1, n + 1):
                with self.subTest(n=n, m=m):
                    audit.verify_tree(fetcher(tiles), n, self.roots[n - 1], (m, self.roots[m - 1]))
            wrong = bytes(32)
            with self.assertRaises(audit.CheckFailed):
                audit.verify_tree(fetcher(tiles), n, wrong)

    def test_consistency_vectors(self):
        # transparency-dev/merkle's consistency vectors are over the same eight leaves: each
        # one that must verify names two roots, which the tiles of the larger tree give.
        checked = 0
        for root_dir, _, names in os.walk(os.path.join(MERKLE_VECTORS, "consistency")):
            for name in names:
                with open(os.path.join(root_dir, name)) as f:
                    v = json.load(f)
                if v["wantErr"] or not 1 <= v["size1"] <= v["size2"] <= len(self.leaves):
                    continue
                r1, r2 = base64.b64decode(v["root1"]), base64.b64decode(v["root2"])
                if len(r1) != 32:
                    continue  # the 12-byte placeholder roots (formats.md §6, policy)
                tiles = reference_tiles(self.leaves[:v["size2"]])
                with self.subTest(vector=name, size1=v["size1"], size2=v["size2"]):
                    audit.verify_tree(fetcher(tiles), v["size2"], r2, (v["size1"], r1))
                    with self.assertRaises(audit.CheckFailed):
                        audit.verify_tree(fetcher(tiles), v["size2"], r2,
                                          (v["size1"], bytes(32)))
                checked += 1
        self.assertGreaterEqual(checked, 5)

    def test_inclusion_vectors(self):
        # Each inclusion vector that must verify: its leaf is hash leafIdx of the level-0
        # tile, and the tiles of that tree fold to its root.
        checked = 0
        for root_dir, _, names in os.walk(os.path.join(MERKLE_VECTORS, "inclusion")):
            for name in names:
                with open(os.path.join(root_dir, name)) as f:
                    v = json.load(f)
                if v["wantErr"] or not 0 <= v["leafIdx"] < v["treeSize"] <= len(self.leaves):
                    continue
                leaf = base64.b64decode(v["leafHash"])
                # single-entry/ is a tree of its own leaf; the others are over the test tree.
                leaves = [leaf] if v["treeSize"] == 1 else self.leaves[:v["treeSize"]]
                tiles = reference_tiles(leaves)
                level0 = tiles[audit.tile_path(0, 0, v["treeSize"])]
                i = v["leafIdx"]
                self.assertEqual(level0[32 * i:32 * i + 32], leaf)
                audit.verify_tree(fetcher(tiles), v["treeSize"], base64.b64decode(v["root"]))
                checked += 1
        self.assertGreaterEqual(checked, 6)

    def test_three_levels_against_the_reference(self):
        # 70,000 leaves: full and partial tiles at levels 0 and 1 and a partial level 2, every
        # prefix root of interest against the reference MTH.
        leaves = [audit.leaf_hash(i.to_bytes(4, "big")) for i in range(70000)]
        tiles = reference_tiles(leaves)
        root = audit.merkle_root(leaves)
        seen = []
        audit.verify_tree(fetcher(tiles), 70000, root, None, lambda i, w, h: seen.append((i, w)))
        self.assertEqual(seen[-1], (273, 112))
        for m in (1, 2, 255, 256, 257, 511, 65535, 65536, 65537, 69888, 69999, 70000):
            with self.subTest(m=m):
                audit.verify_tree(fetcher(tiles), 70000, root, (m, audit.merkle_root(leaves[:m])))
        # Each tile altered by one bit is caught, and named when a level above checks it.
        for name in ("tile/0/000", "tile/0/272", "tile/0/273.p/112", "tile/1/000",
                     "tile/1/001.p/17", "tile/2/000.p/1"):
            bad = dict(tiles)
            raw = bytearray(bad[name])
            raw[len(raw) // 2] ^= 1
            bad[name] = bytes(raw)
            with self.subTest(tile=name), self.assertRaises(audit.CheckFailed) as caught:
                audit.verify_tree(fetcher(bad), 70000, root)
            self.assertIn(name, str(caught.exception))
        short = dict(tiles)
        short["tile/1/000"] = short["tile/1/000"][:-32]
        with self.assertRaisesRegex(audit.CheckFailed, "tile/1/000 is 8160 bytes"):
            audit.verify_tree(fetcher(short), 70000, root)
        gone = dict(tiles)
        del gone["tile/0/100"]
        with self.assertRaisesRegex(audit.CheckFailed, "tile/0/100 is missing"):
            audit.verify_tree(fetcher(gone), 70000, root)


class TilesCommandTest(ToolTestCase, unittest.TestCase):
    """`probity-audit tiles` over a hand-built mirror: a log whose first entry registers the
    admin key, which registers an hr key; entries signed by both."""

    TMP_PREFIX = "probity-audit-tiles-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Key("admin", SEEDS["admin"], 0x01)
        cls.hr = Key("hr", SEEDS["hr"], 0x01)
        cls.stranger = Key("stranger", SEEDS["stranger"], 0x01)
        cls.log = Key(ORIGIN, SEEDS["log"], 0x01)
        cls.other_log = Key(ORIGIN, SEEDS["other-log"], 0x01)  # the same name, another key
        cls.specs = cls.log_specs(260)
        cls.good = cls.build("good")
        # Bodies and signatures are reused across the variants below (openssl is slow).

    @classmethod
    def log_specs(cls, n):
        def key_registered(event_id, key, role, holder):
            return event("keyRegistered", event_id,
                         S([role], [T(signer_pem(key.public)), T(holder)]))
        specs = [(key_registered("e-0", cls.admin, 0, "the admin"), cls.admin),
                 (key_registered("e-1", cls.hr, 1, "人事司"), cls.admin)]
        for i in range(2, n):
            body = event("unitRegistered", f"e-{i}", S([0], [T(f"U{i:03d}"), T(f"unit {i}")]))
            specs.append((body, cls.hr if i % 3 == 0 else cls.admin))
        out = []
        for body, key in specs:
            message = PREFIX + ORIGIN.encode() + b"\n" + body
            out.append((body, key, sign(key.seed, message)))
        return out

    @classmethod
    def build(cls, name, specs=None, size=None, edit=None, log=None, entries=True):
        """A mirror directory of the first `size` entries; edit(seq, entry bytes) may replace
        an entry before it is hashed (the tiles and checkpoint then agree with it)."""
        specs = cls.specs if specs is None else specs
        size = len(specs) if size is None else size
        d = os.path.join(cls.tmp, name)
        os.makedirs(d)
        data = []
        for seq, (body, key, sig) in enumerate(specs[:size]):
            e = entry_bytes(seq, body, hashlib.sha256(key.public).digest(), sig,
                            recorded=RECORDED + seq)
            data.append(edit(seq, e) if edit else e)
        leaves = [audit.leaf_hash(e) for e in data]
        files = reference_tiles(leaves)
        if entries:
            for level, index, width in audit.hash_tiles(size):
                if level == 0:
                    files[audit.tile_path(0, index, width, entries=True)] = b"".join(
                        len(e).to_bytes(2, "big") + e for e in data[index * 256:index * 256 + width])
        root = audit.merkle_root(leaves)
        text = f"{ORIGIN}\n{size}\n{base64.b64encode(root).decode()}\n"
        files["checkpoint"] = (text + "\n" + (log or cls.log).note_line(text)).encode()
        for path_, content in files.items():
            full = os.path.join(d, *path_.split("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(content)
        return d

    def refuse(self, expected, *args):
        self.assert_refused(self.run_tool(*args), expected, args, failed=False)

    def test_accepts_the_whole_log(self):
        out = self.accept("tiles", self.good, "--vkey", self.log.vkey)
        self.assertIn("size: 260\n", out)
        self.assertIn("tiles verified: 3 hash tiles at 2 levels", out)
        self.assertIn("entries verified: 260 in 2 entry bundles", out)
        self.assertIn("(2 keys registered in the log;", out)
        self.assertIn("hashes-only", self.accept("tiles", self.good, "--vkey", self.log.vkey,
                                                  "--hashes-only"))

    def test_since(self):
        old = os.path.join(self.build("old", size=10), "checkpoint")
        out = self.accept("tiles", self.good, "--vkey", self.log.vkey, "--since", old)
        self.assertIn("since: the older checkpoint (size 10, ", out)
        # The same key signs another history of 10 entries: a fork.
        specs = list(self.specs)
        specs[9] = specs[8]
        fork = os.path.join(self.build("fork", specs=specs, size=10), "checkpoint")
        self.refuse("forked", "tiles", self.good, "--vkey", self.log.vkey, "--since", fork)
        self.refuse("rollback", "tiles", os.path.dirname(old), "--vkey", self.log.vkey,
                    "--since", os.path.join(self.good, "checkpoint"))

    def test_wrong_key_or_missing_bundles(self):
        self.refuse("no signature by", "tiles", self.good, "--vkey", self.other_log.vkey)
        bare = self.build("bare", entries=False)
        self.refuse("tile/entries/000 is missing", "tiles", bare, "--vkey", self.log.vkey)
        self.accept("tiles", bare, "--vkey", self.log.vkey, "--hashes-only")

    def test_entries_refused(self):
        stranger_id = hashlib.sha256(self.stranger.public).digest()

        def resign(seq, key, origin=ORIGIN, body=None):
            body = body or self.specs[seq][0]
            sig = sign(key.seed, PREFIX + origin.encode() + b"\n" + body)
            return lambda s, e: (entry_bytes(s, body, hashlib.sha256(key.public).digest(), sig,
                                             recorded=RECORDED + s) if s == seq else e)

        def flip_signature(seq):
            def edit(s, e):
                if s != seq:
                    return e
                raw = bytearray(e)
                raw[-1] ^= 1  # the signature is the entry's last 64 bytes
                return bytes(raw)
            return edit

        cases = {
            "unregistered signer": (resign(5, self.stranger),
                                    f"entry 5 (tile/entries/000, #5): signed by key id {stranger_id.hex()}"),
            "flipped signature": (flip_signature(7), "entry 7 (tile/entries/000, #7): the Ed25519 signature"),
            "signed for another origin": (resign(258, self.admin, OTHER_ORIGIN),
                                          "entry 258 (tile/entries/001.p/4, #2): the Ed25519 signature"),
            "own seq": (lambda s, e: entry_bytes(99, self.specs[3][0], hashlib.sha256(self.admin.public).digest(),
                                                 self.specs[3][2]) if s == 3 else e,
                        "entry 3 (tile/entries/000, #3): the entry's own seq is 99"),
            "recordedAt back": (lambda s, e: entry_bytes(s, self.specs[s][0], hashlib.sha256(self.specs[s][1].public).digest(),
                                                         self.specs[s][2], recorded=RECORDED - 1) if s == 4 else e,
                                "entry 4 (tile/entries/000, #4): recordedAt"),
            "not canonical": (lambda s, e: e + bytes(8) if s == 6 else e,
                              "entry 6 (tile/entries/000, #6): entry is not a canonical"),
            "first entry not a key": (resign(0, self.admin, body=self.specs[2][0]),
                                      "entry 0 (tile/entries/000, #0): the first entry does not register a key"),
        }
        for n, (what, (edit, expected)) in enumerate(cases.items()):
            with self.subTest(what):
                d = self.build(f"bad-{n}", edit=edit)
                self.refuse(expected, "tiles", d, "--vkey", self.log.vkey)
                # The hash tiles alone agree with the signed root: only the entries are wrong.
                self.accept("tiles", d, "--vkey", self.log.vkey, "--hashes-only")

    def test_bundle_and_tile_disagree(self):
        d = self.build("swapped")
        path_ = os.path.join(d, "tile", "entries", "000")
        with open(path_, "rb") as f:
            raw = bytearray(f.read())
        raw[200] ^= 1  # in entry 0
        with open(path_, "wb") as f:
            f.write(raw)
        self.refuse("entry 0 (tile/entries/000, #0) hashes to", "tiles", d, "--vkey", self.log.vkey)
        with open(path_, "wb") as f:
            f.write(bytes(raw[:-10]))
        self.refuse("tile/entries/000", "tiles", d, "--vkey", self.log.vkey)


class Ed25519BatchTest(unittest.TestCase):
    """The libcrypto path `tiles` uses gives the verdicts of the ledger's rule on the same
    public cases as Ed25519RuleTest (all of Wycheproof's, the empty message included)."""

    @classmethod
    def setUpClass(cls):
        cls.ed = audit.Ed25519Batch()
        if cls.ed.lib is None:
            raise unittest.SkipTest("libcrypto cannot be loaded through ctypes")
        cls.vectors = os.path.join(ROOT, "tests", "vectors", "ed25519")

    @classmethod
    def tearDownClass(cls):
        cls.ed.close()

    def load(self, name):
        with open(os.path.join(self.vectors, name)) as f:
            return json.load(f)

    def test_same_verdicts(self):
        cases = [(c["pub_key"], c["message"], c["signature"], i == 3)
                 for i, c in enumerate(self.load("speccheck_cases.json"))]
        cases += [(c["pub_key"], c["message"], c["signature"], c["expected"]["strict"])
                  for c in self.load("extra_cases.json")["cases"]]
        cases += [(g["publicKey"]["pk"], t["msg"], t["sig"], t["result"] == "valid")
                  for g in self.load("wycheproof_ed25519_test.json")["testGroups"] for t in g["tests"]]
        items = [(i, bytes.fromhex(k), bytes.fromhex(m), bytes.fromhex(s))
                 for i, (k, m, s, _) in enumerate(cases)]
        # Keys of the wrong length cannot be handed to libcrypto; the rule refuses them first.
        got_one = [self.ed.verify(k, m, s) if len(k) == 32 else False for _, k, m, s in items]
        self.assertEqual(got_one, [want for *_, want in cases])
        good = [it for it in items if len(it[1]) == 32]
        got_many = self.ed.verify_many(good)
        self.assertEqual(got_many, [cases[i][3] for i, *_ in good])


if __name__ == "__main__":
    unittest.main(verbosity=2 if "-v" in sys.argv else 1,
                  argv=[a for a in sys.argv if a != "-v"])
