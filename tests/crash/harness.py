#!/usr/bin/env python3
"""Crash harness for probity (issue 7): real submissions, real SIGKILLs.

Several submitters (default 3) run concurrently against one store made with
`probity init` (admin key from `probity keygen`; hr and enforcement keys
registered first). Each loops: take a small batch (1-50 events: a unit, its
persons, evaluations, commendations and criticisms; ids and codes unique per
submitter and batch), signed beforehand with `probity sign --origin` (signing
is not under test), and run `probity --data STORE submit --json FILE`, reading
one receipt {"seq","leafHash","duplicate"} per line from stdout. Exit 3
"locked" means another submitter holds the store: wait 2-10 ms and retry
(expected, counted, not an error).

About half the launches get a SIGKILL time: 15% within 2 ms of launch, 40%
uniform in 2-200 ms, 45% in 0.5-1.05 times the running average lifetime of a
submit here (mid-write: opening, validating, the synced write, the checkpoint,
closing, printing). At the end of each round every submit still running is
killed too. A killed file is resubmitted at once half the time; the rest after
the round's first checks. Some fresh batches run with
PROBITY_TEST_KILL_AFTER_COMMIT=1 (the process kills itself after the durable
commit, before printing receipts) and are resubmitted: every receipt must come
back duplicate:true. Now and then an acknowledged file is submitted again: the
same receipts must come back, duplicate:true.

Checked on every answer: as many receipts as events, all fresh (at consecutive
seqs) or all duplicate, a file's receipts never change, and never fresh twice.
After each round of kills (every submitter stopped), with nothing running:
  * `probity verify` exits 0;
  * `log --json`: seqs are 0..N-1, no id appears twice;
  * every batch file ever made is all there or not at all, and when there,
    at consecutive seqs in file order; a batch with receipts is there;
  * every receipt ever printed (also those a killed process printed) names the
    seq where `log --json` holds the id submitted;
  * `show SEQ --json` of one receipt in each of --shows-per-round newly
    acknowledged batches (every receipt with --show-all) has that leafHash,
    that id and a verified signature;
  * the killed files not yet retried are resubmitted, then the RFC 9162 root of
    all N leaf hashes (the receipts', plus `show` for the setup entries),
    computed here, must equal the root of `probity checkpoint` at size N: every
    receipt's leaf hash is the leaf the signed checkpoint commits to.
At the end `verify` runs again, the store is copied, `rebuild` runs on the copy,
`verify` must pass there, and `log --json`, `eligibility` (persons and units,
two years) and `record` of sampled persons must print the same on both.

Choices (batches, kill times, retries) come from --seed, one random stream per
submitter, so a run can be replayed; process timing is the OS's. The binary is
copied into the work directory first. Exit 0 if all holds; else exit 1 with the
violation on stderr (seed, round, attempt, file) and the work directory kept;
its journal.txt lists every kill, kill-after-commit and acknowledgement.

  python3 tests/crash/harness.py --probity build/probity            # quick (CI)
  python3 tests/crash/harness.py --probity build/probity --long     # 2,000 kills
"""

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

GRADES_OK_FOR_COMMENDATION = ["outstanding", "good", "adequate"]
GRADES_OK_FOR_CRITICISM = ["poor", "adequate", "good"]
PERSON_GROUNDS = ["poorPerformance", "badAttitude", "workDiscipline", "integrityDiscipline"]
CATEGORIES = ["civilServant", "referenceManaged", "publicInstitution", "contract"]
UNIT_KINDS = ["ministryDepartment", "dispatchedAgency", "affiliatedInstitution"]
DISTRIBUTION = ["ministryLeaders", "hrDepartment", "partyCommittee", "sendingUnit"]
YEARS = [2019, 2020]


class Violation(Exception):
    pass


def now():
    return time.monotonic()


class Batch:
    """One signed file: the ids it holds, in order, and what came back for it."""

    def __init__(self, name, path, ids, persons):
        self.name = name
        self.path = path
        self.ids = ids
        self.persons = persons
        self.receipts = None  # [(seq, leafHash)] from the first acknowledged submit
        self.attempts = 0
        self.killed = 0
        self.receipts_partial = None  # receipts a killed process printed before it died
        self.unknown = False  # killed before any receipt: outcome unknown until answered
        self.committed_known = False  # PROBITY_TEST_KILL_AFTER_COMMIT killed it after its commit
        self.kac_answered = False
        self.show_checked = False


class Harness:
    def __init__(self, args):
        self.args = args
        self.probity = os.path.abspath(args.probity)
        self.seed = args.seed
        self.lock = threading.RLock()
        self.stop_round = threading.Event()
        self.failed = None  # first violation message
        self.batches = []  # every batch ever handed to a submitter
        self.unknown_files = []  # killed, not resubmitted yet
        self.id_owner = {}  # event id -> (batch, index)
        self.round = 0
        self.attempt = 0  # global attempt counter (each probity submit launched)
        self.stats = dict(kills=0, kills_committed=0, acked=0, retries_after_kill=0, lock_retries=0,
                          duplicate_receipts=0, fresh_receipts=0, kill_after_commit=0,
                          kill_after_commit_checked=0, resubmitted_acked=0, shows=0, rounds=0)
        self.journal = None
        self.submit_seconds = 0.05  # running average of a successful submit's lifetime

    # ------------------------------------------------------------------ helpers
    def log(self, msg):
        if not self.args.quiet:
            print(msg, file=sys.stderr, flush=True)

    def note(self, msg):
        with self.lock:
            self.journal.write(msg + "\n")

    def fail(self, msg):
        with self.lock:
            if self.failed is None:
                self.failed = msg
                self.journal.write("VIOLATION " + msg + "\n")
        self.stop_round.set()
        raise Violation(msg)

    def run(self, *argv, env=None, input=None, check=True, store=None):
        cmd = [self.probity]
        if store is not False:
            cmd += ["--data", store or self.store]
        cmd += list(argv)
        r = subprocess.run(cmd, input=input, capture_output=True, text=True, env=env)
        if check and r.returncode != 0:
            self.fail("probity %s exited %d: %s" % (" ".join(argv), r.returncode, r.stderr.strip()[:2000]))
        return r

    # ------------------------------------------------------------------ setup
    def setup(self):
        if self.args.workdir:
            self.work = os.path.abspath(self.args.workdir)
            os.makedirs(self.work, exist_ok=True)
            if os.listdir(self.work):
                raise SystemExit("crash harness: --workdir %s is not empty" % self.work)
        else:
            self.work = tempfile.mkdtemp(prefix="probity-crash.")
        self.journal = open(os.path.join(self.work, "journal.txt"), "w", buffering=1)
        # a private copy: the build directory's binary may be rebuilt while the run goes on
        copy = os.path.join(self.work, "probity")
        shutil.copy2(self.probity, copy)
        self.probity = copy
        self.store = os.path.join(self.work, "store")
        self.files = os.path.join(self.work, "batches")
        os.makedirs(self.files)
        for k in ("admin", "hr", "enforcement"):
            self.run("keygen", os.path.join(self.work, k + ".pem"), store=False)
        self.key = {k: os.path.join(self.work, k + ".pem") for k in ("admin", "hr", "enforcement")}
        r = self.run("init", "--admin-key", self.key["admin"])
        self.origin = None
        for line in r.stdout.splitlines():
            if line.startswith("origin:"):
                self.origin = line.split(":", 1)[1].strip()
        if not self.origin:
            self.fail("init printed no origin: " + r.stdout)
        setup = [
            {"type": "keyRegistered", "id": "crash-key-hr", "holder": "crash HR", "role": "hr",
             "publicKey": open(self.key["hr"][:-4] + ".pub").read()},
            {"type": "keyRegistered", "id": "crash-key-enf", "holder": "crash enforcement",
             "role": "enforcement", "publicKey": open(self.key["enforcement"][:-4] + ".pub").read()},
        ]
        path = os.path.join(self.files, "setup.jsonl")
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in self.sign("admin", setup)))
        self.run("submit", "--json", path)
        self.journal.write("seed %d origin %s store %s\n" % (self.seed, self.origin, self.store))

    def sign(self, role, events):
        if not events:
            return []
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
        r = self.run("sign", "--key", self.key[role], "--origin", self.origin, "-", input=text, store=False)
        out = r.stdout.splitlines()
        if len(out) != len(events):
            self.fail("sign returned %d envelopes for %d events" % (len(out), len(events)))
        for line, e in zip(out, events):
            if json.loads(line)["event"]["id"] != e["id"]:
                self.fail("sign reordered or changed ids: %s" % line[:200])
        return out

    # ------------------------------------------------------------------ batches
    def new_batches(self, rng, slot, first, count):
        """Signs `count` new batches for a submitter in three sign calls (one per key)."""
        plans = []
        by_role = {"admin": [], "hr": [], "enforcement": []}
        for b in range(first, first + count):
            tag = "S%dB%d" % (slot, b)
            n = rng.randint(1, 50)
            events = []
            unit = "U" + tag
            events.append(("admin", {"type": "unitRegistered", "unit": unit, "name": "单位 " + tag,
                                     "kind": rng.choice(UNIT_KINDS)}))
            persons = []
            k = 0
            while len(events) < n:
                k += 1
                year = rng.choice(YEARS)
                choice = rng.random()
                if choice < 0.15:  # the unit is evaluated and criticised or commended
                    ev = "EU%sK%d" % (tag, k)
                    crit = rng.random() < 0.5
                    grade = rng.choice(GRADES_OK_FOR_CRITICISM if crit else GRADES_OK_FOR_COMMENDATION)
                    events.append(("enforcement", {"type": "evaluationRecorded", "evaluation": ev,
                                                   "subject": {"unit": unit}, "period": str(year),
                                                   "grade": grade, "summary": "unit " + grade,
                                                   "date": "%d-03-%02d" % (year, rng.randint(1, 28)),
                                                   "distributedTo": DISTRIBUTION}))
                    later = "%d-%02d-%02d" % (year, rng.randint(4, 12), rng.randint(1, 28))
                    if crit:
                        events.append(("enforcement", {"type": "criticismIssued", "subject": {"unit": unit},
                                                       "ground": "poorOrganisation", "reason": "weak",
                                                       "date": later, "evaluation": ev}))
                    else:
                        events.append(("enforcement", {"type": "commendationIssued", "subject": {"unit": unit},
                                                       "reason": "well organised", "date": later,
                                                       "evaluation": ev}))
                    continue
                person = "P%sK%d" % (tag, k)
                persons.append(person)
                events.append(("hr", {"type": "personRegistered", "person": person, "name": "人员 " + person,
                                      "unit": unit, "category": rng.choice(CATEGORIES)}))
                if rng.random() < 0.7:
                    ev = "EP%sK%d" % (tag, k)
                    crit = rng.random() < 0.4
                    grade = rng.choice(GRADES_OK_FOR_CRITICISM if crit else GRADES_OK_FOR_COMMENDATION)
                    events.append(("enforcement", {"type": "evaluationRecorded", "evaluation": ev,
                                                   "subject": {"person": person}, "period": str(year),
                                                   "grade": grade, "summary": "person " + grade,
                                                   "date": "%d-03-%02d" % (year, rng.randint(1, 28)),
                                                   "distributedTo": DISTRIBUTION}))
                    later = "%d-%02d-%02d" % (year, rng.randint(4, 12), rng.randint(1, 28))
                    if crit:
                        events.append(("enforcement", {"type": "criticismIssued", "subject": {"person": person},
                                                       "ground": rng.choice(PERSON_GROUNDS), "reason": "r",
                                                       "date": later, "evaluation": ev}))
                    else:
                        events.append(("enforcement", {"type": "commendationIssued",
                                                       "subject": {"person": person}, "reason": "r",
                                                       "date": later, "evaluation": ev}))
            events = events[:n]
            positions = []
            for i, (role, e) in enumerate(events):
                e["id"] = "crash:%s:%d" % (tag, i)
                positions.append((role, len(by_role[role])))
                by_role[role].append(e)
            plans.append((tag, [e["id"] for _, e in events], positions, persons))
        signed = {role: self.sign(role, evs) for role, evs in by_role.items()}
        out = []
        for tag, ids, positions, persons in plans:
            path = os.path.join(self.files, tag + ".jsonl")
            with open(path, "w") as f:
                for role, idx in positions:
                    f.write(signed[role][idx] + "\n")
            batch = Batch(tag, path, ids, persons)
            out.append(batch)
        with self.lock:
            for batch in out:
                self.batches.append(batch)
                for i, id_ in enumerate(batch.ids):
                    if id_ in self.id_owner:
                        self.fail("harness bug: id %s made twice" % id_)
                    self.id_owner[id_] = (batch, i)
        return out

    # ------------------------------------------------------------------ receipts
    def take_receipts(self, batch, stdout, complete, context):
        """Parses receipts printed for batch; complete=False for a killed process."""
        lines = [l for l in stdout.splitlines() if l.strip()]
        if not complete and stdout and not stdout.endswith("\n"):
            lines = lines[:-1]  # a torn last line from a killed process
        got = []
        for l in lines:
            try:
                r = json.loads(l)
                got.append((int(r["seq"]), str(r["leafHash"]), bool(r["duplicate"])))
            except (ValueError, KeyError, TypeError):
                self.fail("%s: unreadable receipt line %r" % (context, l[:300]))
        if complete and len(got) != len(batch.ids):
            self.fail("%s: %d receipts for %d events" % (context, len(got), len(batch.ids)))
        if not got:
            return
        if len(got) > len(batch.ids):
            self.fail("%s: %d receipts for %d events" % (context, len(got), len(batch.ids)))
        dups = {d for _, _, d in got}
        with self.lock:
            if len(dups) > 1:
                self.fail("%s: receipts partly duplicate, so part of the batch was there before: %s"
                          % (context, brief(got)))
            dup = dups.pop()
            if batch.committed_known and not dup:
                self.fail("%s: the batch was committed before the process killed itself "
                          "(PROBITY_TEST_KILL_AFTER_COMMIT), yet the resubmission stored it again: %s"
                          % (context, brief(got)))
            if complete and batch.committed_known and not batch.kac_answered:
                batch.kac_answered = True
                self.stats["kill_after_commit_checked"] += 1
            if complete and batch.unknown and not batch.committed_known and dup:
                self.stats["kills_committed"] += 1  # a kill that landed after the commit
            if dup:
                self.stats["duplicate_receipts"] += len(got)
            else:
                self.stats["fresh_receipts"] += len(got)
                for i in range(1, len(got)):
                    if got[i][0] != got[0][0] + i:
                        self.fail("%s: fresh receipts are not consecutive seqs: %s" % (context, brief(got)))
            pairs = [(s, h) for s, h, _ in got]
            if batch.receipts is not None:
                if not dup:
                    self.fail("%s: file acknowledged before as seqs %d.. got fresh receipts again "
                              "(a second copy): %s" % (context, batch.receipts[0][0], brief(got)))
                if pairs != batch.receipts[:len(pairs)]:
                    self.fail("%s: receipts differ from the first acknowledgement: first %s, now %s"
                              % (context, batch.receipts[:3], pairs[:3]))
            elif complete:
                batch.receipts = pairs
            else:
                batch.receipts_partial = pairs
            if complete:
                batch.unknown = False

    # ------------------------------------------------------------------ submitters
    def submitter(self, slot):
        rng = self.rngs[slot]
        queue = self.queues[slot]
        env_plain = dict(os.environ)
        env_plain.pop("PROBITY_TEST_KILL_AFTER_COMMIT", None)
        env_plain.pop("PROBITY_DATA", None)
        env_kac = dict(env_plain, PROBITY_TEST_KILL_AFTER_COMMIT="1")
        retry = self.pending_retry.pop(slot, None)
        try:
            while not self.stop_round.is_set() or (retry is not None and retry[1] == "after-kac"):
                if retry is not None:
                    batch, mode = retry
                    retry = None
                elif self.acked[slot] and rng.random() < self.args.again_rate:
                    batch, mode = rng.choice(self.acked[slot]), "again"  # must answer its first receipts
                else:
                    if not queue:
                        queue.extend(self.new_batches(rng, slot, self.made[slot], 16))
                        self.made[slot] += 16
                    batch = queue.pop(0)
                    mode = "kac" if rng.random() < self.args.kill_after_commit_rate else "fresh"
                outcome = self.submit(slot, rng, batch, env_kac if mode == "kac" else env_plain, mode)
                if outcome == "ok" and mode != "again":
                    self.acked[slot].append(batch)
                if outcome == "killed":
                    if rng.random() < 0.5:
                        retry = (batch, "retry")
                    else:
                        with self.lock:
                            self.unknown_files.append(batch)
                elif outcome == "kac":
                    retry = (batch, "after-kac")
                elif outcome == "stopped":
                    if mode == "fresh" or mode == "kac":
                        queue.insert(0, batch)  # never launched: back in line
                    elif mode == "again":
                        pass
                    else:
                        retry = (batch, mode)
                    break
            if retry is not None:
                self.pending_retry[slot] = retry  # first thing next round
        except Violation:
            pass
        except Exception as e:  # a harness bug must not pass silently
            try:
                import traceback
                self.fail("submitter %d crashed: %r\n%s" % (slot, e, traceback.format_exc()))
            except Violation:
                pass

    def submit(self, slot, rng, batch, env, mode):
        """One submission of batch, retried while locked. Returns ok, killed, kac or stopped."""
        counted_retry = False
        while True:
            if self.stop_round.is_set() and mode != "after-kac":
                return "stopped"
            if mode in ("retry", "after-kac", "again") and not counted_retry:
                counted_retry = True
                with self.lock:
                    self.stats["resubmitted_acked" if mode == "again" else "retries_after_kill"] += 1
            with self.lock:
                self.attempt += 1
                attempt = self.attempt
            batch.attempts += 1
            # the kill decision is made before launch, from the submitter's seeded stream
            kill_delay = None
            if mode != "kac" and rng.random() < self.args.kill_rate:
                r = rng.random()
                if r < 0.15:
                    kill_delay = rng.uniform(0, 0.002)  # right after launch
                elif r < 0.55:
                    kill_delay = rng.uniform(0.002, 0.2)
                else:
                    # mid-write: within the span a submit lives here (a running average; may
                    # pass 200 ms as the store grows), where it validates, writes, syncs, signs
                    # the checkpoint, closes and prints
                    kill_delay = rng.uniform(0.5, 1.05) * self.submit_seconds
            context = "seed %d round %d attempt %d submitter %d file %s (%s)" % (
                self.seed, self.round, attempt, slot, batch.path, mode)
            started = now()
            p = subprocess.Popen([self.probity, "--data", self.store, "submit", "--json", batch.path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            fired = []  # non-empty once the harness sent SIGKILL to p
            with self.lock:
                self.running[slot] = (p, fired)
            timer = None
            if kill_delay is not None:
                def kill(p=p, fired=fired):
                    if p.poll() is None:
                        fired.append("timer")
                        p.send_signal(signal.SIGKILL)
                timer = threading.Timer(kill_delay, kill)
                timer.start()
            out, err = p.communicate()
            took = now() - started
            if timer:
                timer.cancel()
            with self.lock:
                self.running[slot] = None
            out = out.decode("utf-8", "replace")
            err = err.decode("utf-8", "replace")
            rc = p.returncode
            if rc == 3 and "locked" in err:
                with self.lock:
                    self.stats["lock_retries"] += 1
                time.sleep(rng.uniform(0.002, 0.01))
                continue
            if rc == 0:
                if mode == "kac":
                    self.fail("%s: PROBITY_TEST_KILL_AFTER_COMMIT=1 but submit exited 0: %s" % (context, out[:300]))
                self.take_receipts(batch, out, True, context)
                with self.lock:
                    self.submit_seconds = 0.8 * self.submit_seconds + 0.2 * took
                    self.stats["acked"] += 1
                self.note("ack %s attempt %d %s seqs %d..%d" % (
                    batch.name, attempt, mode, batch.receipts[0][0], batch.receipts[-1][0]))
                return "ok"
            if rc == -signal.SIGKILL and mode == "kac" and not fired:
                # it killed itself after the durable commit: the batch is in, receipts unprinted
                if out.strip():
                    self.fail("%s: printed receipts although it was to die before them: %s" % (context, out[:500]))
                with self.lock:
                    self.stats["kill_after_commit"] += 1
                batch.committed_known = True
                self.note("kac %s attempt %d" % (batch.name, attempt))
                return "kac"
            if rc == -signal.SIGKILL and fired:
                with self.lock:
                    self.stats["kills"] += 1
                    kills = self.stats["kills"]
                batch.killed += 1
                if batch.receipts is None:
                    batch.unknown = True
                self.note("kill #%d %s attempt %d %s at %s, %d receipt bytes out" % (
                    kills, batch.name, attempt, mode,
                    "%.1f ms" % (kill_delay * 1000) if fired[0] == "timer" else "round end", len(out)))
                self.take_receipts(batch, out, False, context)
                if kills % self.args.round_kills == 0 or kills >= self.args.kills:
                    self.stop_round.set()
                return "killed"
            self.fail("%s: submit exited %d: %s" % (context, rc, err.strip()[:2000]))

    def run_round(self):
        self.round += 1
        self.stats["rounds"] += 1
        self.stop_round.clear()
        self.running = {}
        threads = [threading.Thread(target=self.submitter, args=(slot,), daemon=True)
                   for slot in range(self.args.submitters)]
        for t in threads:
            t.start()
        self.stop_round.wait()
        # end of the round: kill whatever is in flight (these count as kills too)
        with self.lock:
            procs = [r for r in self.running.values() if r is not None]
            for p, fired in procs:
                if p.poll() is None:
                    fired.append("round end")
                    p.send_signal(signal.SIGKILL)
        for t in threads:
            t.join()
        if self.failed:
            raise Violation(self.failed)

    # ------------------------------------------------------------------ checks
    def read_log(self, store=None):
        r = self.run("log", "--json", store=store)
        entries = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        return r.stdout, entries

    def show(self, seq):
        r = self.run("show", str(seq), "--json")
        self.stats["shows"] += 1
        return json.loads(r.stdout)

    def where(self):
        return "seed %d after round %d (%d kills)" % (self.seed, self.round, self.stats["kills"])

    def check_verify(self):
        r = self.run("verify", check=False)
        if r.returncode != 0:
            self.fail("%s: verify exited %d: %s" % (self.where(), r.returncode, (r.stderr + r.stdout).strip()[:2000]))

    def check_log(self):
        """log --json against every batch and every receipt. Returns the ids by seq."""
        where = self.where()
        _, entries = self.read_log()
        seq_of = {}
        id_at = []
        for i, e in enumerate(entries):
            if e.get("seq") != i:
                self.fail("%s: log --json line %d has seq %r" % (where, i, e.get("seq")))
            id_ = e["event"].get("id")
            if id_ in seq_of:
                self.fail("%s: id %s appears twice, at seqs %d and %d" % (where, id_, seq_of[id_], i))
            seq_of[id_] = i
            id_at.append(id_)
        n = len(id_at)
        for id_ in seq_of:
            if id_.startswith("crash:S") and id_ not in self.id_owner:
                self.fail("%s: the log holds id %s that no batch made" % (where, id_))
        for b in self.batches:
            present = [id_ in seq_of for id_ in b.ids]
            if any(present) and not all(present):
                missing = [i for i, p in zip(b.ids, present) if not p]
                self.fail("%s: batch %s is half there: %d of %d events in the log, missing %s (file %s)"
                          % (where, b.name, sum(present), len(b.ids), missing[:5], b.path))
            if all(present):
                seqs = [seq_of[i] for i in b.ids]
                if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
                    self.fail("%s: batch %s is not at consecutive seqs: %s" % (where, b.name, seqs))
            elif b.receipts is not None or b.receipts_partial or b.committed_known:
                self.fail("%s: batch %s was committed (%s) but its events are not in the log"
                          % (where, b.name, "receipts from seq %d" % (b.receipts or b.receipts_partial)[0][0]
                             if (b.receipts or b.receipts_partial) else "killed itself after its commit"))
            for recs in (b.receipts, b.receipts_partial):
                for i, (seq, _) in enumerate(recs or []):
                    if seq >= n or id_at[seq] != b.ids[i]:
                        self.fail("%s: receipt seq %d for id %s of batch %s: the log holds %s there"
                                  % (where, seq, b.ids[i], b.name, id_at[seq] if seq < n else "nothing"))
        return id_at

    def check_shows(self):
        """show SEQ --json agrees with receipts: a sample of batches per round, or all."""
        where = self.where()
        todo = [b for b in self.batches if (b.receipts or b.receipts_partial) and not b.show_checked]
        if not self.args.show_all:
            todo = self.rng_check.sample(todo, min(len(todo), self.args.shows_per_round))
        for b in todo:
            recs = b.receipts or b.receipts_partial
            idxs = range(len(recs)) if self.args.show_all else [self.rng_check.randrange(len(recs))]
            for i in idxs:
                seq, h = recs[i]
                s = self.show(seq)
                if s.get("leafHash") != h or s.get("event", {}).get("id") != b.ids[i] or s.get("seq") != seq:
                    self.fail("%s: show %d --json gives leafHash %s id %s; the receipt said %s for id %s "
                              "(batch %s)" % (where, seq, s.get("leafHash"), s.get("event", {}).get("id"),
                                              h, b.ids[i], b.name))
                if not s.get("verified", False):
                    self.fail("%s: show %d says the signature does not verify" % (where, seq))
            b.show_checked = True

    def check_root(self, id_at):
        """The RFC 9162 root over every receipt's leaf hash equals the signed checkpoint's."""
        where = self.where()
        n = len(id_at)
        leaf = [None] * n
        for b in self.batches:
            for recs in (b.receipts, b.receipts_partial):
                for seq, h in recs or []:
                    leaf[seq] = h
        for seq in range(n):
            if leaf[seq] is None:  # setup entries, and batches killed after commit not yet resubmitted
                if seq not in self.known_leaf:
                    s = self.show(seq)
                    if s.get("event", {}).get("id") != id_at[seq]:
                        self.fail("%s: show %d holds id %s, log --json %s"
                                  % (where, seq, s.get("event", {}).get("id"), id_at[seq]))
                    self.known_leaf[seq] = s["leafHash"]
                leaf[seq] = self.known_leaf[seq]
        cp = self.run("checkpoint").stdout.splitlines()
        if len(cp) < 3 or cp[0] != self.origin or int(cp[1]) != n:
            self.fail("%s: checkpoint %r does not cover the %d entries of the log" % (where, cp[:3], n))
        root = base64.b64decode(cp[2]).hex()
        mine = merkle_root([bytes.fromhex(h) for h in leaf]).hex()
        if root != mine:
            self.fail("%s: the checkpoint root %s is not the RFC 9162 root %s of the receipts' leaf hashes"
                      % (where, root, mine))
        self.note("check ok round %d: %d entries, root %s" % (self.round, n, root))

    def check(self):
        """After a round: everything as the kills left it, then the deferred retries, then the root."""
        self.check_verify()
        self.check_log()
        self.check_shows()
        self.resubmit_unknown()
        id_at = self.check_log()
        self.check_root(id_at)
        return len(id_at)

    def compare_rebuild(self):
        copy = os.path.join(self.work, "rebuilt")
        shutil.copytree(self.store, copy, symlinks=True)
        views = [("log", "--json"),
                 *[("eligibility", str(y), "--format", "json") for y in YEARS],
                 *[("eligibility", str(y), "--units", "--format", "json") for y in YEARS]]
        persons = [p for b in self.batches if b.receipts for p in b.persons]
        rng = random.Random("%d:persons" % self.seed)
        for p in rng.sample(persons, min(8, len(persons))):
            views.append(("record", p, "--json"))
        before = [self.run(*v).stdout for v in views]
        self.run("rebuild", store=copy)
        r = self.run("verify", store=copy, check=False)
        if r.returncode != 0:
            self.fail("seed %d: verify after rebuild exited %d: %s" % (self.seed, r.returncode, r.stderr.strip()))
        for v, old in zip(views, before):
            new = self.run(*v, store=copy).stdout
            if new != old:
                self.fail("seed %d: `%s` differs after rebuild (projections are not a fold of the log)"
                          % (self.seed, " ".join(v)))
        elig = sum(len(json.loads(o)) for v, o in zip(views, before) if v[0] == "eligibility")
        shutil.rmtree(copy)
        return len(views), elig

    def resubmit_unknown(self):
        """Every killed file never retried is submitted once more (all or nothing either way)."""
        env = dict(os.environ)
        env.pop("PROBITY_TEST_KILL_AFTER_COMMIT", None)
        seen = set()
        for b, _ in self.pending_retry.values():
            self.unknown_files.append(b)
        self.pending_retry = {}
        for b in self.unknown_files:
            if id(b) in seen or b.receipts is not None:
                continue
            seen.add(id(b))
            self.stats["retries_after_kill"] += 1
            r = self.run("submit", "--json", b.path, env=env)
            self.take_receipts(b, r.stdout, True, "%s: resubmission of killed %s" % (self.where(), b.path))
            self.stats["acked"] += 1
        self.unknown_files = []

    # ------------------------------------------------------------------ main
    def main(self):
        t0 = now()
        self.setup()
        self.rngs = [random.Random("%d:submitter:%d" % (self.seed, s)) for s in range(self.args.submitters)]
        self.rng_check = random.Random("%d:check" % self.seed)
        self.queues = {s: [] for s in range(self.args.submitters)}
        self.made = {s: 0 for s in range(self.args.submitters)}
        self.pending_retry = {}
        self.acked = {s: [] for s in range(self.args.submitters)}
        self.known_leaf = {}
        self.log("crash harness: seed %d, %d submitters, %d kills, work %s" % (
            self.seed, self.args.submitters, self.args.kills, self.work))
        while self.stats["kills"] < self.args.kills:
            self.run_round()
            t1 = now()
            n = self.check()
            self.log("round %d: %d kills, %d acknowledged, %d entries, %.1f s (checks %.1f s)" % (
                self.round, self.stats["kills"], self.stats["acked"], n, now() - t0, now() - t1))
        self.check_verify()
        n = len(self.check_log())
        nviews, elig = self.compare_rebuild()
        wall = now() - t0
        s = self.stats
        print("crash harness: seed %d, %d submitters, %d rounds, wall time %.1f s"
              % (self.seed, self.args.submitters, s["rounds"], wall))
        print("  kills %d: %d killed batches later answered as already committed; "
              "kill-after-commit %d (resubmissions answered duplicate %d)"
              % (s["kills"], s["kills_committed"], s["kill_after_commit"], s["kill_after_commit_checked"]))
        print("  submissions acknowledged %d, events in the log %d, receipts fresh %d / duplicate %d"
              % (s["acked"], n, s["fresh_receipts"], s["duplicate_receipts"]))
        print("  retries after a kill %d, acknowledged files resubmitted %d, lock retries %d"
              % (s["retries_after_kill"], s["resubmitted_acked"], s["lock_retries"]))
        print("  checks: verify after every round, %d show calls, checkpoint root over all receipts, "
              "rebuild compared on %d views (%d eligibility rows): all passed" % (s["shows"], nviews, elig))
        return 0


def brief(receipts):
    """[(seq, leafHash[, duplicate])] as short text: runs of seqs with their duplicate flag."""
    runs = []
    for r in receipts:
        seq, dup = r[0], (r[2] if len(r) > 2 else None)
        if runs and runs[-1][1] + 1 == seq and runs[-1][2] == dup:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq, dup])
    return ", ".join("seq %d%s%s" % (a, ".." + str(b) if b != a else "",
                                      "" if d is None else (" duplicate" if d else " fresh")) for a, b, d in runs)


def merkle_root(leaves):
    """RFC 9162 section 2.1.1 MTH over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # Iterative form equal to the recursive definition: pair left to right, carry the odd one up.
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nxt.append(hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest())
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def default_probity():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("PROBITY_BIN", os.path.join(here, "..", "..", "build", "probity"))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--probity", default=default_probity(), help="the probity binary")
    ap.add_argument("--seed", type=int, default=20240607, help="seed of every random choice (replay a failure)")
    ap.add_argument("--kills", type=int, default=None, help="SIGKILLs to deliver (default 150; --long 2000)")
    ap.add_argument("--long", action="store_true", help="the long run: 2,000 kills")
    ap.add_argument("--submitters", type=int, default=3)
    ap.add_argument("--round-kills", type=int, default=None, help="kills between checks (default 25; --long 100)")
    ap.add_argument("--kill-rate", type=float, default=0.5, help="share of launches given a kill time")
    ap.add_argument("--kill-after-commit-rate", type=float, default=0.04,
                    help="share of fresh batches run with PROBITY_TEST_KILL_AFTER_COMMIT=1")
    ap.add_argument("--again-rate", type=float, default=0.03,
                    help="share of turns that resubmit a file already acknowledged")
    ap.add_argument("--show-all", action="store_true",
                    help="`show` every receipt (default: one receipt of --shows-per-round new batches; "
                         "the checkpoint root check covers every receipt's leaf hash either way)")
    ap.add_argument("--shows-per-round", type=int, default=10)
    ap.add_argument("--workdir", help="work in this new or empty directory (kept) instead of a temporary one")
    ap.add_argument("--keep", action="store_true", help="keep the work directory after a pass")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    a = ap.parse_args(argv)
    if a.kills is None:
        a.kills = 2000 if a.long else 150
    if a.round_kills is None:
        a.round_kills = 100 if a.long else 25
    return a


def main(argv):
    args = parse_args(argv)
    if not os.access(args.probity, os.X_OK):
        print("crash harness: %s is not an executable probity" % args.probity, file=sys.stderr)
        return 2
    h = Harness(args)
    try:
        return h.main()
    except Violation as v:
        print("crash harness FAILED (seed %d, replay: --seed %d --kills %d): %s"
              % (args.seed, args.seed, args.kills, v), file=sys.stderr)
        if getattr(h, "work", None):
            print("crash harness: work directory kept: %s (journal.txt lists every kill and ack)" % h.work,
                  file=sys.stderr)
        return 1
    finally:
        if h.journal:
            h.journal.close()
        if h.failed is None and getattr(h, "work", None) and not args.keep and not args.workdir:
            shutil.rmtree(h.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
