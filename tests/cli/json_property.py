#!/usr/bin/env python3
"""Property test: JSON escapes in event lines decode exactly as RFC 8259 says.

Random Unicode text (ASCII, BMP, astral characters, noncharacters, bidi and zero-width
characters, control characters, lone surrogates) goes into the free-text fields `name`
(unitRegistered), `summary` (reportFiled) and `reason` (retraction). Each event line is
written by one of four encoders: Python's json.dumps with ensure_ascii True and False, a
Go encoding/json work-alike (<, >, & as \\u003c \\u003e \\u0026; U+2028/9 escaped; lower-case
hex; \\b \\f \\n \\r \\t short forms) and a random mix of raw and escaped characters with
random hex case, surrogate pairs and escaped keys. What Python's json.loads reads from
the line is the reference (RFC 8259).

  * Lines whose text probity must refuse (a control character other than tab and newline,
    DEL or C1, a lone surrogate, bytes that are not UTF-8, empty text) are given to
    `probity sign` after a few good lines: exit 1, one stderr line naming the line number
    and the field.
  * Every other line is signed in batches (`probity sign --origin prop.test/x`), and the
    canonical Cap'n Proto body of each envelope is decoded here by hand (root pointer ->
    Event, union tag, member struct pointer, the field's Text pointer): the field's bytes
    must equal text.encode("utf-8"). probity's own `event` JSON is not trusted for this;
    it is checked separately.
  * Every accepted unitRegistered envelope is then submitted in one batch to a fresh store
    whose admin is the signing key; `probity verify` must pass and `log --json` must give
    the same names back.

  python3 tests/cli/json_property.py PATH_TO_PROBITY
  PROBITY_PROPERTY_SEED=7 PROBITY_PROPERTY_N=20000 python3 tests/cli/json_property.py ...
"""

import base64
import binascii
import concurrent.futures
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

ORIGIN = "prop.test/x"
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
SIGN_BATCH = 400

# struct Event: union tags and, per member, the pointer index of the free-text field under
# test (`capnp compile -ocapnp schemas/event.capnp`; tools/probity-audit's EVENT_TYPES).
TAGS = {"unitRegistered": 1, "reportFiled": 15, "retraction": 21}
TEXT_FIELD = {"unitRegistered": ("name", 1), "reportFiled": ("summary", 2), "retraction": ("reason", 0)}


class Failed(Exception):
    pass


# ---- Cap'n Proto canonical reader (from tools/probity-audit: no probity C++ code) ---------

class Message:
    """One single-segment Cap'n Proto message checked to be in canonical form."""

    def __init__(self, data):
        if len(data) < 8 or len(data) % 8:
            raise Failed("body is not a whole number of 8-byte words")
        self.data = data
        self.words = len(data) // 8
        try:
            end = self._check_pointer(0, 1, 0)
        except IndexError:
            end = None
        if end != self.words:
            raise Failed("body is not a canonical Cap'n Proto message")

    def word(self, i):
        if not 0 <= i < self.words:
            raise IndexError(i)
        return int.from_bytes(self.data[8 * i:8 * i + 8], "little")

    @staticmethod
    def _offset(value):
        off = (value & 0xFFFFFFFF) >> 2
        return off - (1 << 30) if off & (1 << 29) else off

    def _check_pointer(self, at, head, depth):
        if depth > 64:
            return None
        value = self.word(at)
        if value == 0:
            return head
        kind, target = value & 3, at + 1 + self._offset(value)
        if kind == 0:
            data_words, ptrs = (value >> 32) & 0xFFFF, value >> 48
            if data_words == 0 and ptrs == 0:
                return head if target == at else None
            if target != head:
                return None
            if data_words and self.word(target + data_words - 1) == 0:
                return None
            if ptrs and self.word(target + data_words + ptrs - 1) == 0:
                return None
            head = target + data_words + ptrs
            for i in range(ptrs):
                head = self._check_pointer(target + data_words + i, head, depth + 1)
                if head is None:
                    return None
            return head
        if kind == 1:
            size, count = (value >> 32) & 7, value >> 35
            if target != head:
                return None
            if size == 7:
                tag = self.word(target)
                if tag & 3:
                    return None
                n, data_words, ptrs = (tag >> 2) & 0x3FFFFFFF, (tag >> 32) & 0xFFFF, tag >> 48
                if n * (data_words + ptrs) != count:
                    return None
                head = target + 1
                if count == 0:
                    return head
                ptr_head = head + count
                for e in range(n):
                    base = head + e * (data_words + ptrs)
                    for i in range(ptrs):
                        ptr_head = self._check_pointer(base + data_words + i, ptr_head, depth + 1)
                        if ptr_head is None:
                            return None
                return ptr_head
            if size == 6:
                head = target + count
                for i in range(count):
                    head = self._check_pointer(target + i, head, depth + 1)
                    if head is None:
                        return None
                return head
            bits = count * [0, 1, 8, 16, 32, 64][size]
            end = target + (bits + 63) // 64
            if end > self.words:
                return None
            first_pad = 8 * target + bits // 8
            if any(self.data[first_pad:8 * end]):
                return None
            return end
        return None

    def struct(self, at):
        value = self.word(at)
        if value == 0:
            return (0, 0, at + 1)
        if value & 3:
            raise Failed(f"expected a struct pointer at word {at}")
        return ((value >> 32) & 0xFFFF, value >> 48, at + 1 + self._offset(value))

    def pointer_field(self, struct, index):
        data_words, ptrs, start = struct
        return start + data_words + index if index < ptrs else None

    def text_bytes(self, at):
        """The bytes of the Text `at` points to, without its NUL (None for a null pointer)."""
        if at is None or self.word(at) == 0:
            return None
        value = self.word(at)
        if value & 3 != 1 or (value >> 32) & 7 != 2:
            raise Failed(f"expected a byte list at word {at}")
        start = 8 * (at + 1 + self._offset(value))
        end = start + (value >> 35)
        if not 8 <= start < end <= len(self.data):
            raise Failed(f"the byte list at word {at} lies outside the message")
        raw = self.data[start:end]
        if raw[-1] != 0 or 0 in raw[:-1]:
            raise Failed(f"the Text at word {at} is not NUL-terminated or holds a NUL")
        return raw[:-1]


def decode_body(body, type_name):
    """(id bytes, free-text field bytes, unit bytes or None) of a canonical Event body."""
    msg = Message(body)
    root = msg.struct(0)
    if root[0] < 1 or root[1] != 2:
        raise Failed(f"root struct has {root[0]} data words and {root[1]} pointers, not 1 and 2")
    tag = msg.word(root[2]) & 0xFFFF
    if tag != TAGS[type_name]:
        raise Failed(f"union tag {tag}, expected {TAGS[type_name]} ({type_name})")
    event_id = msg.text_bytes(msg.pointer_field(root, 0))
    member = msg.struct(msg.pointer_field(root, 1))
    _, index = TEXT_FIELD[type_name]
    text = msg.text_bytes(msg.pointer_field(member, index))
    unit = msg.text_bytes(msg.pointer_field(member, 0)) if type_name == "unitRegistered" else None
    return event_id, text, unit


# ---- random text ------------------------------------------------------------------------

def random_char(rng):
    r = rng.random()
    if r < 0.30:
        return chr(rng.randrange(0x20, 0x7F))  # printable ASCII, " \ / < > & among them
    if r < 0.36:
        return rng.choice('"\\/<>&')
    if r < 0.40:
        return rng.choice("\t\n")  # free text may hold tab and newline
    if r < 0.55:
        return chr(rng.randrange(0x4E00, 0xA000))  # CJK, many with hex letters in \uXXXX
    if r < 0.66:
        # any BMP scalar value but surrogates and C0/C1/DEL
        while True:
            c = rng.randrange(0xA0, 0x10000)
            if not 0xD800 <= c <= 0xDFFF:
                return chr(c)
    if r < 0.70:
        return chr(rng.choice([0x2028, 0x2029, 0xFEFF, 0x200B, 0x202E, 0x061C, 0xFFFE, 0xFFFF,
                               0xFDD0, 0xE000, 0xFFFD, 0xABCD, 0xFACE, 0xBEEF, 0xCAFE]))
    if r < 0.78:
        return chr(rng.randrange(0x1F300, 0x1FA00))  # emoji
    if r < 0.85:
        return chr(rng.randrange(0x20000, 0x2A6E0))  # CJK Extension B
    if r < 0.88:
        return chr(rng.choice([0x10000, 0x10FFFF, 0xE0001, 0x1D11E, 0xFFFFF]))
    # The rest are refused in free text (a few per thousand characters, so that most
    # events are accepted): C0 controls but tab and newline, DEL, C1; lone surrogates.
    r = rng.random()
    if r < 0.025:
        return chr(rng.choice([c for c in range(0x20) if c not in (9, 10)]))
    if r < 0.03:
        return chr(rng.choice([0x7F, 0x80, 0x85, 0x9F]))
    if r < 0.035:
        return chr(rng.randrange(0xD800, 0xE000))
    return chr(rng.randrange(0x21, 0x7F))


def random_text(rng):
    return "".join(random_char(rng) for _ in range(rng.randrange(1, 40)))


def random_id(rng, size=None):
    return "".join(rng.choice(ID_ALPHABET) for _ in range(size or rng.randrange(1, 65)))


# ---- encoders ---------------------------------------------------------------------------

def enc_py_ascii(obj, rng):
    seps = rng.choice([(",", ":"), (", ", ": ")])
    return json.dumps(obj, ensure_ascii=True, separators=seps).encode("ascii")


def enc_py_utf8(obj, rng):
    seps = rng.choice([(",", ":"), (", ", ": ")])
    # A lone surrogate comes out raw: surrogatepass writes it as CESU bytes (not UTF-8).
    return json.dumps(obj, ensure_ascii=False, separators=seps).encode("utf-8", "surrogatepass")


GO_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def go_string(s):
    """A Go encoding/json string (Marshal, escapeHTML on): Go holds UTF-8 bytes, so a lone
    surrogate (invalid UTF-8 to Go) comes out as \\ufffd."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in GO_SHORT:
            out.append(GO_SHORT[ch])
        elif c < 0x20 or ch in "<>&":
            out.append("\\u%04x" % c)
        elif c in (0x2028, 0x2029):
            out.append("\\u%04x" % c)
        elif 0xD800 <= c <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_value(v):
    if isinstance(v, str):
        return go_string(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    raise TypeError(v)


def enc_go(obj, rng):
    return ("{" + ",".join(go_string(k) + ":" + go_value(v) for k, v in obj.items()) + "}").encode("utf-8")


def u_escape(code, rng):
    digits = "%04x" % code
    return "\\u" + "".join(d.upper() if rng.random() < 0.5 else d for d in digits)


def mix_string(s, rng, escape_rate):
    out = ['"']
    for ch in s:
        c = ord(ch)
        escape = rng.random() < escape_rate
        if ch == '"':
            out.append(rng.choice(['\\"', u_escape(c, rng)]))
        elif ch == "\\":
            out.append(rng.choice(["\\\\", u_escape(c, rng)]))
        elif ch == "/":
            out.append(rng.choice(["/", "\\/", u_escape(c, rng)]))
        elif c < 0x20:
            short = {8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t"}.get(c)
            out.append(short if short and rng.random() < 0.5 else u_escape(c, rng))
        elif 0xD800 <= c <= 0xDFFF:
            out.append(u_escape(c, rng))  # only an escape can carry a lone surrogate
        elif not escape:
            out.append(ch)
        elif c < 0x10000:
            out.append(u_escape(c, rng))
        else:
            v = c - 0x10000
            out.append(u_escape(0xD800 + (v >> 10), rng) + u_escape(0xDC00 + (v & 0x3FF), rng))
    out.append('"')
    return "".join(out)


def enc_mix(obj, rng):
    rate = rng.choice([0.0, 0.3, 0.7, 1.0])
    ws = lambda: rng.choice(["", "", " ", "\t", "  "])
    parts = []
    for k, v in obj.items():
        # keys too are escaped now and then ("n\u0061me" is the key "name")
        key = mix_string(k, rng, 0.3) if rng.random() < 0.3 else json.dumps(k)
        value = mix_string(v, rng, rate) if isinstance(v, str) else json.dumps(v)
        parts.append(ws() + key + ws() + ":" + ws() + value + ws())
    return (ws() + "{" + ",".join(parts) + "}" + ws()).encode("utf-8")


ENCODERS = {"py-ascii": enc_py_ascii, "py-utf8": enc_py_utf8, "go": enc_go, "mix": enc_mix}


# ---- events and what probity must do with them --------------------------------------------

def random_event(rng, index, units):
    kind = rng.choices(["unitRegistered", "reportFiled", "retraction"], [6, 2, 2])[0]
    text = random_text(rng)
    if kind == "unitRegistered":
        while True:
            unit = random_id(rng)
            if unit not in units:
                units.add(unit)
                break
        fields = {"unit": unit, "name": text,
                  "kind": rng.choice(["ministryDepartment", "dispatchedAgency", "affiliatedInstitution"])}
    elif kind == "reportFiled":
        fields = {"group": "G1", "date": "2019-05-10", "kind": "workReport", "summary": text}
    else:
        fields = {"target": rng.randrange(0, 1000), "reason": text}
    if rng.random() < 0.5:
        fields["id"] = "p-%d-%s" % (index, random_id(rng, 8))
    items = list(fields.items())
    rng.shuffle(items)
    items.insert(rng.randrange(0, len(items) + 1), ("type", kind))
    return kind, dict(items)


def refused_text(text):
    """Why probity must refuse `text` in a free-text field, or None (interface.md: control
    characters but tab and newline refused, UTF-8 only; the Cc category is C0, DEL, C1)."""
    if text == "":
        return "empty"
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            return "lone surrogate U+%04X" % ord(ch)
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n":
            return "control character U+%04X" % ord(ch)
    return None


class Case:
    def __init__(self, number, kind, encoder, line, value, reason):
        self.number, self.kind, self.encoder, self.line = number, kind, encoder, line
        self.value, self.reason = value, reason  # value: what json.loads reads; reason: why refused

    def describe(self):
        return (f"case {self.number} ({self.kind}, encoder {self.encoder}): line {self.line!r}; "
                f"json.loads reads {self.value!r}")


def make_cases(rng, n):
    cases, units = [], set()
    for i in range(n):
        kind, obj = random_event(rng, i, units)
        encoder = rng.choice(list(ENCODERS))
        line = ENCODERS[encoder](obj, rng)
        field, _ = TEXT_FIELD[kind]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            cases.append(Case(i, kind, encoder, line, None, "not UTF-8"))
            continue
        parsed = json.loads(text)  # the reference: Python's RFC 8259 parser
        if set(parsed) != set(obj) or any(parsed[k] != v for k, v in obj.items() if k != field):
            raise Failed(f"encoder {encoder} wrote keys other than {sorted(obj)}: {line!r}")
        value = parsed[field]
        cases.append(Case(i, kind, encoder, line, parsed, refused_text(value)))
    return cases


# ---- running probity --------------------------------------------------------------------

def run(probity, *args, stdin=None, cwd=None):
    p = subprocess.run([probity, *args], input=stdin, capture_output=True, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def check_accepted(probity, work, key, cases, key_id):
    """Signs the cases in batches; returns the envelopes, one per case."""
    envelopes = []
    for start in range(0, len(cases), SIGN_BATCH):
        batch = cases[start:start + SIGN_BATCH]
        path = os.path.join(work, "batch.jsonl")
        with open(path, "wb") as f:
            f.write(b"".join(c.line + b"\n" for c in batch))
        rc, out, err = run(probity, "sign", "--origin", ORIGIN, "--key", key, path)
        if rc != 0:
            msg = err.decode("utf-8", "replace").strip()
            bad = [c for c in batch if f"line {batch.index(c) + 1}:" in msg]
            raise Failed(f"probity sign refused a line it must accept (exit {rc}): {msg}\n  " +
                         (bad[0].describe() if bad else "(line not identified)"))
        # Split on "\n" only: str.splitlines would also split at U+2028, U+0085, ...
        lines = out.decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) != len(batch):
            raise Failed(f"probity sign printed {len(lines)} envelopes for {len(batch)} events")
        for case, text in zip(batch, lines):
            env = json.loads(text)
            body_b64 = env["body"]
            try:
                body = base64.b64decode(body_b64, validate=True)
            except (binascii.Error, ValueError):
                raise Failed(f"body is not base64: {case.describe()}")
            if base64.b64encode(body).decode() != body_b64:
                raise Failed(f"body is not canonical base64: {case.describe()}")
            if env["keyId"] != key_id:
                raise Failed(f"envelope keyId {env['keyId']} is not the signing key's {key_id}")
            field, _ = TEXT_FIELD[case.kind]
            want = case.value[field].encode("utf-8")
            try:
                event_id, got, unit = decode_body(body, case.kind)
            except Failed as e:
                raise Failed(f"{e}: {case.describe()}")
            if got != want:
                raise Failed(f"signed {field} is {got!r}, json.loads read {want!r}: {case.describe()}")
            if "id" in case.value and event_id != case.value["id"].encode():
                raise Failed(f"signed id is {event_id!r}: {case.describe()}")
            if event_id is None or not event_id:
                raise Failed(f"signed body has no id: {case.describe()}")
            if unit is not None and unit != case.value["unit"].encode("utf-8"):
                raise Failed(f"signed unit is {unit!r}: {case.describe()}")
            # probity's own rendering of the event must read back the same (output side).
            if env["event"].get(field) != case.value[field]:
                raise Failed(f"envelope 'event' shows {field} {env['event'].get(field)!r}: {case.describe()}")
            envelopes.append(text)
    return envelopes


def check_refused(probity, work, key, case, prefix):
    """`case` after `prefix` (0-3 good lines): exit 1, one stderr line naming its line and field."""
    path = os.path.join(work, f"refused-{case.number}.jsonl")
    with open(path, "wb") as f:
        f.write(b"".join(c.line + b"\n" for c in prefix) + case.line + b"\n")
    rc, out, err = run(probity, "sign", "--origin", ORIGIN, "--key", key, path)
    msg = err.decode("utf-8", "replace")
    number = len(prefix) + 1
    field, _ = TEXT_FIELD[case.kind]
    if rc != 1:
        raise Failed(f"probity sign exited {rc}, expected 1 ({case.reason}); stderr {msg!r}: {case.describe()}")
    if out:
        raise Failed(f"probity sign refused but printed envelopes: {case.describe()}")
    if msg.count("\n") != 1 or not msg.endswith("\n"):
        raise Failed(f"stderr is not one line: {msg!r}: {case.describe()}")
    if f"line {number}:" not in msg:
        raise Failed(f"stderr does not name line {number}: {msg!r}: {case.describe()}")
    # The field by name, or (for a lexical error found before the key was decoded) as the
    # key was written in the line.
    raw_key = None
    if case.encoder == "mix":
        text = case.line.decode("utf-8", "replace")
        for m in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:', text):
            try:
                if json.loads('"' + m.group(1) + '"') == field:
                    raw_key = m.group(1)
            except ValueError:
                pass
    if f"'{field}'" not in msg and not (raw_key and f"'{raw_key}'" in msg):
        raise Failed(f"stderr does not name field '{field}': {msg!r}: {case.describe()}")


def main():
    if len(sys.argv) != 2:
        print("usage: json_property.py PATH_TO_PROBITY", file=sys.stderr)
        return 2
    probity = os.path.abspath(sys.argv[1])
    seed = int(os.environ.get("PROBITY_PROPERTY_SEED", "20260801"))
    n = int(os.environ.get("PROBITY_PROPERTY_N", "2000"))
    rng = random.Random(seed)
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="probity-json-property.")
    try:
        key = os.path.join(work, "K.pem")
        rc, out, err = run(probity, "keygen", key)
        if rc != 0:
            raise Failed(f"keygen failed: {err!r}")
        key_id = out.decode().split()[0]
        cases = make_cases(rng, n)
        good = [c for c in cases if c.reason is None]
        bad = [c for c in cases if c.reason is not None]
        t0 = time.monotonic()
        envelopes = check_accepted(probity, work, key, good, key_id)
        t1 = time.monotonic()
        prefixes = [rng.sample(good, min(len(good), rng.randrange(0, 4))) for _ in bad]
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for done in [pool.submit(check_refused, probity, work, key, case, prefix)
                         for case, prefix in zip(bad, prefixes)]:
                done.result()  # raises the first failure, in case order
        t2 = time.monotonic()

        # Submit every accepted unitRegistered envelope in one batch; verify.
        store = os.path.join(work, "store")
        rc, _, err = run(probity, "--data", store, "init", "--admin-key", key, "--origin", ORIGIN)
        if rc != 0:
            raise Failed(f"init failed: {err!r}")
        units = [(c, e) for c, e in zip(good, envelopes) if c.kind == "unitRegistered"]
        path = os.path.join(work, "units.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(e + "\n" for _, e in units))
        rc, out, err = run(probity, "--data", store, "submit", path)
        if rc != 0:
            raise Failed(f"submit of {len(units)} envelopes exited {rc}: {err.decode('utf-8', 'replace')}")
        receipts = out.decode().splitlines()
        if len(receipts) != len(units):
            raise Failed(f"submit printed {len(receipts)} receipts for {len(units)} envelopes")
        rc, out, err = run(probity, "--data", store, "verify")
        if rc != 0:
            raise Failed(f"verify exited {rc}: {err.decode('utf-8', 'replace')}")
        rc, out, err = run(probity, "--data", store, "log", "--json")
        logged = [json.loads(l) for l in out.decode("utf-8").split("\n") if l]
        if rc != 0 or len(logged) != len(units) + 1:
            raise Failed(f"log --json exited {rc} with {len(logged)} entries, expected {len(units) + 1}")
        for (case, _), entry in zip(units, logged[1:]):
            if entry["event"]["name"] != case.value["name"] or entry["event"]["unit"] != case.value["unit"]:
                raise Failed(f"log --json shows name {entry['event']['name']!r}: {case.describe()}")

        by_reason = {}
        for c in bad:
            by_reason[c.reason.split(" U+")[0]] = by_reason.get(c.reason.split(" U+")[0], 0) + 1
        by_encoder = {}
        for c in cases:
            by_encoder[c.encoder] = by_encoder.get(c.encoder, 0) + 1
        print(f"json_property: seed {seed}: {len(cases)} events ({by_encoder}); {len(good)} signed and "
              f"decoded exactly, {len(units)} submitted and verified; {len(bad)} refused as required "
              f"({by_reason}); {time.monotonic() - started:.1f} s (sign and decode {t1 - t0:.1f} s, "
              f"refusals {t2 - t1:.1f} s, submit and verify {time.monotonic() - t2:.1f} s)")
        return 0
    except Failed as e:
        print(f"FAIL json_property (seed {seed}, n {n}): {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
