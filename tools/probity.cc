// probity: the command line. Parses the global options, finds the subcommand in
// the table below, checks its arguments against its Spec and runs it.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tools/commands.h"
#include "tools/packaging.h"

namespace probity::cli {
namespace {

// Where a command runs with --server (or $PROBITY_SERVER): kLocal commands need the
// store itself and refuse; kRemote ones ask the server, signing with --key when kSigned;
// kAnywhere ones touch no store (sign asks the server for the origin it signs for).
enum class Where { kLocal, kRemote, kSigned, kAnywhere };

struct Command {
  const char* name;
  Spec spec;
  const char* summary;
  const char* help;
  int (*run)(const Args&);
  Where remote = Where::kLocal;
};

const std::vector<Command>& Commands();
std::vector<CommandDoc> Docs();
int Completion(const Args& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"keygen",
       {{"passphrase-file"}, {"quiet"}, 1, 1, "keygen OUT.pem [--passphrase-file F]"},
       "make an Ed25519 key pair",
       "Writes OUT.pem (PKCS#8, mode 0600; encrypted when --passphrase-file is given)\n"
       "and OUT.pub (SubjectPublicKeyInfo PEM), and prints the key id: the hex SHA-256\n"
       "of the raw 32-byte public key. Never overwrites a file.\n\n"
       "  probity keygen hr.pem\n"
       "  probity keygen admin.pem --passphrase-file admin.pass\n",
       Keygen,
       Where::kAnywhere},
      {"init",
       {{"admin-key", "origin", "passphrase-file", "checkpoint-key", "checkpoint-passphrase-file"},
        {},
        0,
        0,
        "init --admin-key ADMIN.pem [--origin NAME] [--checkpoint-key FILE "
        "[--checkpoint-passphrase-file F]]"},
       "create a new store",
       "Creates the store in --data DIR. Its first entry (seq 0) registers the admin key,\n"
       "signed by that key. A checkpoint is signed after every append, by the checkpoint key:\n"
       "by default a new one in DIR/checkpoint-key.pem; with --checkpoint-key FILE an existing\n"
       "key (from 'probity keygen', encrypted with --checkpoint-passphrase-file F) kept outside\n"
       "the store, which then holds no private key: appends find it at the path recorded at\n"
       "init, and are refused while it is gone. --origin names the log in its checkpoints and\n"
       "every signature (default: probity.local/<random>). Refuses if a store is there.\n\n"
       "  probity --data ./ledger init --admin-key admin.pem --origin "
       "ministry.example/supervision\n"
       "  probity --data ./ledger init --admin-key admin.pem --checkpoint-key /secure/cp.pem\n",
       Init},
      {"sign",
       {{"key", "passphrase-file", "origin"},
        {},
        0,
        1,
        "sign --key KEY.pem [--origin NAME] [FILE|-]"},
       "sign events (JSON lines) without touching the store",
       "Reads events, one JSON object a line, and writes signed envelopes, one a line:\n"
       "{\"keyId\",\"signature\",\"body\",\"event\"}. The signature covers the ledger's origin\n"
       "(--origin NAME, else the store's at --data), so the envelope is valid for that ledger\n"
       "only. An event without an \"id\" gets a fresh random one: resubmitting the envelope\n"
       "never stores it twice. A sealed field (a restriction's reason) is signed as a salted\n"
       "commitment; its value and salt ride beside it in \"sealed\". Any bad line refuses the\n"
       "whole input, naming the line and the field.\n\n"
       "  probity sign --key dispatch.pem --origin ministry.example/supervision events.jsonl > "
       "signed.jsonl\n",
       Sign,
       Where::kAnywhere},
      {"submit",
       {{}, {"json"}, 0, 1, "submit [FILE|-] [--json]"},
       "append signed envelopes, all or nothing",
       "Appends the envelopes in one atomic, synced write, with a new checkpoint, and prints\n"
       "one receipt per event: its seq and leaf hash. One bad line (malformed, unknown type,\n"
       "missing field, bad signature, unauthorised signer, a rule) refuses the whole call and\n"
       "the store is unchanged. An event whose id is already stored is not stored again.\n\n"
       "  probity submit signed.jsonl\n",
       Submit,
       Where::kSigned},
      {"append",
       {{"key", "passphrase-file", "origin"},
        {"json"},
        0,
        1,
        "append --key KEY.pem [--origin NAME] [FILE|-] [--json]"},
       "sign then submit, in one step",
       "The same as 'probity sign --key KEY.pem FILE | probity submit'.\n\n"
       "  echo "
       "'{\"type\":\"unitRegistered\",\"unit\":\"U1\",\"name\":\"Dept\",\"kind\":"
       "\"ministryDepartment\"}' \\\n"
       "    | probity append --key admin.pem\n",
       Append,
       Where::kSigned},
      {"import",
       {{"key", "passphrase-file", "origin"},
        {"template", "json"},
        1,
        2,
        "import persons|units|assignments FILE.csv|FILE.xlsx --key KEY.pem | import KIND "
        "--template"},
       "append a spreadsheet's rows (CSV or .xlsx) as signed events, all or none",
       "Reads FILE.csv (UTF-8) or the first sheet of FILE.xlsx, a header row naming the columns\n"
       "in any order ('-' for stdin), and appends one event a row, signed with --key, in one\n"
       "submission: every row lands or, at the first row refused (a bad cell, a rule), none\n"
       "does and the error names its line (the sheet's row number).\n"
       "  persons      person,name,unit,category        personRegistered (an hr key)\n"
       "  units        unit,name,kind[,province]         unitRegistered (the admin key)\n"
       "  assignments  assignment,person,group,from,to,position\n"
       "                                                  assignmentMade (the unit's dispatcher)\n"
       "Each event's id is made from the row, so importing the same file again stores nothing\n"
       "twice. --template prints the header and an example row to start from. In a workbook,\n"
       "dates the spreadsheet stored as numbers (from, to, date) are read as dates.\n"
       "  probity import persons --template > persons.csv\n"
       "  probity import persons persons.csv --key hr.pem\n",
       Import,
       Where::kSigned},
      {"log",
       {{"from", "limit"},
        {"json", "include-sensitive", "wide"},
        0,
        0,
        "log [--from SEQ] [--limit N] [--include-sensitive] [--wide] [--json]"},
       "list entries",
       "Each entry: seq, recorded time (UTC), type, signer, summary, on a line that wraps at\n"
       "the terminal's width (else 80 columns), continuing indented; --wide: one line each.\n"
       "--json gives one object a line with seq, recordedAt, keyId and event. A dispatch\n"
       "restriction's reason (R1) reads \"withheld\" unless --include-sensitive is given.\n",
       Log},
      {"show",
       {{"vkey"},
        {"json", "include-sensitive"},
        1,
        1,
        "show SEQ [--include-sensitive] [--json] | --server URL show SEQ --json [--vkey VKEY]"},
       "one entry whole, with its signature",
       "Prints the entry, whether its signature verifies, and (--json) the exact bytes an\n"
       "auditor needs: entry (base64 of the bytes hashed into the Merkle leaf), leafHash,\n"
       "keyId, signature, signed (base64 of the message the signature covers), event.\n"
       "Exit 1 if the signature does not verify. The event's restriction reason (R1) reads\n"
       "\"withheld\" unless --include-sensitive (the signed bytes always carry it).\n"
       "With --server, the entry is checked here, not taken on the server's word: its bytes,\n"
       "leaf hash, key id and signature, and its inclusion in the latest checkpoint, signed\n"
       "by --vkey VKEY (the log's key, pinned; without it, the key the server names).\n",
       Show,
       Where::kSigned},
      {"verify",
       {{"from", "vkey", "since", "trust-dir", "witness", "quorum"},
        {"json"},
        0,
        0,
        "verify [--from SEQ] [--vkey VKEY] [--since NOTE]... [--trust-dir DIR] [--witness VKEY]... "
        "[--quorum K] [--json]"},
       "check every entry, signature, signer, rule, checkpoint and derived record",
       "Re-reads every entry, recomputes every leaf and the root, checks every signature, every\n"
       "signer's authority as of its seq and the program's rules replayed, every checkpoint the\n"
       "ledger signed (one per submit) against the root at its size, and then every derived\n"
       "record (the size and other meta, the id and subject indexes, the projections, the\n"
       "sealed values against their commitments, the tree nodes) against a fresh fold of the\n"
       "log. Exit 0 with a summary, or exit 1 naming the first bad seq or record.\n"
       "  --from SEQ        signatures, authority and rules from SEQ on (the tree always whole)\n"
       "  --vkey VKEY       checkpoints must be signed by your own copy of the verifier key\n"
       "  --since NOTE      a checkpoint you saved earlier (a file): the log must extend it;\n"
       "                    a smaller log is a rollback, another root a fork (repeatable)\n"
       "  --trust-dir DIR   keeps, per origin, the largest checkpoint verified so far, and\n"
       "                    checks every later run against it (as Go's sumdb client does)\n"
       "  --witness VKEY    a witness's C2SP cosigner key (or a file holding it); the latest\n"
       "                    checkpoint must carry its cosignature (repeatable)\n"
       "  --quorum K        how many of the witnesses must have cosigned (default: all)\n\n"
       "  probity verify --vkey \"$(cat log.vkey)\" --trust-dir ~/.probity-trust --witness "
       "w1.vkey\n",
       Verify},
      {"checkpoint",
       {{"size", "old"},
        {"vkey", "json", "witness-request", "access", "list"},
        0,
        0,
        "checkpoint [--size N] [--vkey] [--json] | checkpoint --list [--json] | checkpoint "
        "[--access] --witness-request [--old SIZE] | checkpoint --access"},
       "the latest signed checkpoint",
       "Prints the latest checkpoint as a C2SP signed note (tlog-checkpoint: origin, size,\n"
       "base64 root, then the signature line and any witness cosignatures). --vkey prints the\n"
       "verifier key string that checks it; give it to auditors once, out of band. --json:\n"
       "origin, treeSize, root (hex), note, vkey. --size N prints the checkpoint signed when the\n"
       "log had N entries; --list lists the sizes of all of them, with how many witnesses\n"
       "cosigned each. --witness-request prints a C2SP tlog-witness add-checkpoint request\n"
       "for the latest checkpoint: 'old SIZE' (--old, the size the witness last cosigned, default\n"
       "0), the consistency proof from it, a blank line, the note.\n"
       "--access: the same for the access log (who read what through the server; origin\n"
       "'<origin>/access', signed by the same key), whose reads a witness follows with its own\n"
       "state (witness init --origin '<origin>/access').\n\n"
       "  probity checkpoint --witness-request --old 120 | probity witness add-checkpoint --key "
       "w.pem --state w/ | probity cosign\n"
       "  probity checkpoint --access --witness-request --old 40 | probity witness add-checkpoint "
       "--key w.pem --state w-access/ | probity cosign\n",
       [](const Args& a) { return a.remote() ? RemoteCheckpoint(a) : Checkpoint(a); },
       Where::kRemote},
      {"prove",
       {{"size"}, {"json"}, 2, 3, "prove inclusion SEQ [--size N] | prove consistency OLD NEW"},
       "RFC 9162 inclusion and consistency proofs",
       "  probity prove inclusion SEQ [--size N] [--json]\n"
       "      index, treeSize, leafHash, hashes (hex, leaf's sibling first), root\n"
       "  probity prove consistency OLD NEW [--json]\n"
       "      oldSize, newSize, hashes, oldRoot, newRoot\n"
       "Check them offline against two checkpoints (docs/auditor.md).\n",
       [](const Args& a) { return a.remote() ? RemoteProve(a) : Prove(a); },
       Where::kRemote},
      {"record",
       {{"as-of", "as-of-seq", "lang", "output"},
        {"include-sensitive", "json", "wide"},
        1,
        1,
        "record PERSON [--as-of DATE | --as-of-seq SEQ] [--include-sensitive] [--lang zh|en] "
        "[--wide] [--json] [-o FILE]",
        {{"-o", "output"}}},
       "a person's record, replayed from the log",
       "Replays every event about PERSON: registration, training, restrictions, assignments,\n"
       "evaluations, commendations, criticisms, leave, each with its seq, business date, type,\n"
       "fields (\"label: value\") and signer (key id prefix, holder, role). A retracted event\n"
       "stays, marked WITHDRAWN with the retraction's seq and reason (R15).\n"
       "  --as-of DATE      only events whose business date is on or before DATE\n"
       "  --as-of-seq SEQ   the ledger as it stood after SEQ: what a reviewer could see then\n"
       "  --include-sensitive  show the reason of a dispatch restriction (R1); hidden otherwise\n"
       "  --lang zh|en      labels in Chinese or English (default: from the locale)\n"
       "  --wide            long lines unwrapped (else they wrap at the terminal's width or 80)\n"
       "  --json            one JSON object (GET /v1/persons/ID/record's), never paged\n"
       "  -o FILE           write the --json document to FILE with its basis inside, as\n"
       "                    'eligibility -o' (a store here, not --server; not with --lang);\n"
       "                    sealed values stay out of it unless --include-sensitive\n"
       "Ends with the tree size and root it was computed at. On a terminal, a record taller\n"
       "than it is shown through $PAGER (or less -FRX).\n",
       Record,
       Where::kSigned},
      {"find",
       {{}, {"json"}, 1, 1, "find TEXT [--json] [--server URL --key KEY.pem]"},
       "persons and units whose id or name holds TEXT",
       "Searches the registered persons (the first 50) and units for TEXT in their id or name:\n"
       "Chinese as written, Latin letters in either case. Withdrawn registrations are left out.\n"
       "Exit 1 when nothing is found. With --server, the persons are those the key may read.\n"
       "  probity find 杨\n"
       "  probity find u003 --json\n",
       Find,
       Where::kSigned},
      {"persons",
       {{}, {"json"}, 0, 1, "persons [TEXT] [--json] [--server URL --key KEY.pem]"},
       "every registered person (or those whose id or name holds TEXT)",
       "One line a person, by id: id, name, unit and staff category. With --server, those the\n"
       "key may read, the first 50 at most: a note says when more match (--json: \"more\").\n",
       Persons,
       Where::kSigned},
      {"units",
       {{}, {"json"}, 0, 1, "units [TEXT] [--json] [--server URL --key KEY.pem]"},
       "every registered unit (or those whose id or name holds TEXT)",
       "One line a unit, by id: id, name, kind and, for a provincial department, its province.\n",
       Units,
       Where::kSigned},
      {"keys",
       {{}, {"json"}, 0, 0, "keys [--json] [--server URL --key KEY.pem]"},
       "every signing key ever registered, with its role and scope",
       "One line a key, in the order registered: the key id (its first 16 hex digits; --json\n"
       "gives all 64), role, scope (a unit, or a group leader's person), the seq that\n"
       "registered it, its holder and, if revoked, the seq that revoked it. With --server: an\n"
       "hr, reviewer, enforcement, admin or auditor key.\n",
       Keys,
       Where::kSigned},
      {"evidence",
       {{"as-of", "as-of-seq", "size", "witness", "lang", "output"},
        {"include-sensitive", "json"},
        1,
        1,
        "evidence PERSON -o FILE [--as-of DATE | --as-of-seq SEQ] [--size N] [--witness VKEY]... "
        "[--lang zh|en] [--include-sensitive] [--json]",
        {{"-o", "output"}}},
       "one file that proves a person's record to anyone, offline",
       "Writes FILE: the person's record (as 'probity record' with the same --as-of shows it),\n"
       "each entry's exact signed bytes and inclusion proof, the registration of every key that\n"
       "signed one (down to the genesis entry) with its role, and one checkpoint the ledger\n"
       "signed, with its witness cosignatures. Someone without the store checks it with\n"
       "'probity-audit evidence FILE', or by opening it in a browser (it checks itself, and the\n"
       "web interface's Evidence page checks it too). Format: docs/formats.md section 12.\n"
       "  -o, --output FILE    where to write it (replaced whole, or left as it was on failure)\n"
       "  --as-of DATE         only events whose business date is on or before DATE\n"
       "  --as-of-seq SEQ      the ledger as it stood after SEQ\n"
       "  --size N             prove against the checkpoint signed at size N (default: the "
       "latest)\n"
       "  --witness VKEY       a witness that must have cosigned it (repeatable; value or file)\n"
       "  --lang zh|en         the page's first language (default: from the locale)\n"
       "  --include-sensitive  include sealed values (a restriction's reason) and their salts\n"
       "  --json               write the JSON document alone, not the page\n"
       "It proves each entry in it; it cannot prove that the ledger holds nothing else.\n"
       "With --server, the server builds the pack (--size and --witness are for a local\n"
       "store) and the read is in its access log; --include-sensitive asks for\n"
       "sealed values, which only an HR key gets. The file is written as it came: check it\n"
       "with 'probity-audit evidence FILE --vkey VKEY' and the checkpoint key you pinned.\n"
       "  probity evidence P0042 --as-of 2019-12-31 -o P0042-2019.html\n",
       Evidence,
       Where::kSigned},
      {"roster",
       {{"date", "city", "output"},
        {"json", "wide"},
        0,
        0,
        "roster [--date DATE] [--city CODE] [--wide] [--json] [-o FILE]",
        {{"-o", "output"}}},
       "who is on site, per city and group",
       "For each city (or --city CODE): its working groups active on DATE (default: today in\n"
       "China Standard Time) with kind, lead unit, leader and members, and the temporary\n"
       "party branch's secretary (R8).\n"
       "Lines wrap at the terminal's width (else 80 columns); --wide leaves them whole.\n"
       "-o FILE writes the --json document to FILE with its basis inside, as 'eligibility -o'.\n",
       Roster,
       Where::kSigned},
      {"eligibility",
       {{"format", "output", "lang"},
        {"units", "json", "wide"},
        1,
        1,
        "eligibility YEAR [--units] [--format table|csv|json|xlsx | --json] [--lang zh|en] "
        "[--wide] [-o FILE]",
        {{"-o", "output"}}},
       "HR's year-end eligibility list",
       "Persons (or, with --units, sending units) commended or criticised in YEAR, by business\n"
       "date in China Standard Time, with their outcomes, whether a human must review (R13)\n"
       "and the seqs that decided each line (R14). Retracted events count for nothing.\n"
       "CSV is UTF-8 with a byte-order mark and a header row; columns as in --format json.\n"
       "--json is --format json. A cell that begins with = + - @ is written with a leading '\n"
       "so that a spreadsheet never runs it as a formula. The table's lines wrap at the\n"
       "terminal's width (else 80 columns); --wide leaves them whole.\n"
       "  -o FILE   write the CSV, JSON or (FILE.xlsx) a workbook with its basis inside: the\n"
       "            tree size, root, the ledger's verifier key and the checkpoint signed at\n"
       "            that size (CSV: a last row beginning #probity; JSON: {\"basis\":...,\n"
       "            \"result\":[...]});\n"
       "            'probity-audit report FILE' checks it alone; the same list at the same\n"
       "            tree size is the same bytes (docs/formats.md section 13)\n"
       "  --lang zh|en  CSV and XLSX: the header, outcomes and staff categories in Chinese\n"
       "            (the labels of the web interface) or as the English codes (the default,\n"
       "            whatever the locale); JSON and the table are always the codes, and refuse\n"
       "            --lang; with -o, the file's command says --lang zh\n"
       "  probity eligibility 2019 --format csv -o eligibility-2019.csv\n",
       Eligibility,
       Where::kSigned},
      {"leave",
       {{"output"},
        {"json", "wide"},
        1,
        1,
        "leave PERSON [--wide] [--json] [-o FILE]",
        {{"-o", "output"}}},
       "compensatory-leave balance (R5)",
       "Days accrued, granted and left. An ended assignment accrues a day for every rest day on\n"
       "site (Saturdays, Sundays and public holidays, less make-up working days, by the\n"
       "published calendar), each calendar day once.\n"
       "-o FILE writes the --json document to FILE with its basis inside, as 'eligibility -o'.\n",
       Leave,
       Where::kSigned},
      {"explanations",
       {{"year", "output"},
        {"json", "wide"},
        0,
        0,
        "explanations [--year Y] [--wide] [--json] [-o FILE]",
        {{"-o", "output"}}},
       "missed targets awaiting an explanation (R9)",
       "Each city's missed annual or final target that its guarantor unit has not yet explained.\n"
       "Lines wrap at the terminal's width (else 80 columns); --wide leaves them whole.\n"
       "-o FILE writes the --json document to FILE with its basis inside, as 'eligibility -o'.\n",
       Explanations,
       Where::kSigned},
      {"unevaluated",
       {{"output"},
        {"json", "wide"},
        1,
        1,
        "unevaluated YEAR [--wide] [--json] [-o FILE]",
        {{"-o", "output"}}},
       "persons who served in YEAR without an evaluation (R10)",
       "Every person who served on site in YEAR is to be evaluated (R10). Lists each person with\n"
       "an assignment in YEAR that no evaluation of theirs covers: an evaluation covers the\n"
       "service that ended on or before its date. Withdrawn events count for nothing.\n"
       "Lines wrap at the terminal's width (else 80 columns); --wide leaves them whole.\n"
       "-o FILE writes the --json document to FILE with its basis inside, as 'eligibility -o'.\n"
       "  probity unevaluated 2019 --json\n",
       Unevaluated},
      {"erase",
       {{"key", "passphrase-file", "reason"}, {}, 1, 1, "erase SEQ --key KEY.pem --reason TEXT"},
       "delete the sealed values of an entry (hr or admin)",
       "Appends an erasure event, signed by an hr or admin key, that deletes the sealed values\n"
       "of entry SEQ (a restriction's reason, R1) in the same write. The entry, its signature,\n"
       "the tree and every proof stay valid: the signed bytes only ever held a salted\n"
       "commitment. The record then reads \"erased\". An erasure cannot be retracted.\n\n"
       "  probity erase 4711 --key hr.pem --reason \"retention period over\"\n",
       Erase},
      {"cosign",
       {{}, {}, 0, 1, "cosign [FILE|-]"},
       "store witness cosignatures with their checkpoint",
       "Reads a checkpoint note carrying witness cosignature lines (C2SP tlog-cosignature, as\n"
       "'probity witness add-checkpoint' prints it) and stores its new signature lines with the\n"
       "stored checkpoint of the same size and text. 'checkpoint' prints them from then on;\n"
       "'verify --witness' checks them.\n",
       Cosign},
      {"witness",
       {{"key", "passphrase-file", "log-vkey", "state", "name", "origin"},
        {},
        1,
        2,
        "witness init --key W.pem --log-vkey VKEY [--origin ORIGIN] --state DIR --name NAME | "
        "witness add-checkpoint "
        "--key W.pem --state DIR [FILE|-] | witness latest --state DIR"},
       "an independent witness that cosigns consistent checkpoints",
       "Run by someone other than the ledger's operator, on another machine.\n"
       "  witness init            makes the witness's state in DIR: the log it follows (its\n"
       "                          verifier key, whose name is the origin unless --origin\n"
       "                          names another, as for an access log '<origin>/access') and\n"
       "                          its own name; prints the witness's C2SP cosigner vkey as the\n"
       "                          last line\n"
       "  witness add-checkpoint  reads an add-checkpoint request ('probity checkpoint\n"
       "                          --witness-request'); cosigns only if the checkpoint verifies\n"
       "                          with the log's key and consistently extends the last one it\n"
       "                          cosigned, printing the note with its cosignature appended;\n"
       "                          otherwise exit 1 naming why (conflict, rollback, fork), state\n"
       "                          unchanged\n"
       "  witness latest          prints the last checkpoint it cosigned; an auditor verifies\n"
       "                          the log --since it, so a rollback behind the witness is "
       "caught\n\n"
       "  probity witness init --key w.pem --log-vkey \"$(probity checkpoint --vkey)\" --state w/ "
       "--name witness.example\n"
       "  probity witness init --key w.pem --log-vkey \"$(probity checkpoint --vkey)\" --origin "
       "ORIGIN/access --state w-access/ --name witness.example\n",
       Witness},
      {"serve",
       {{"listen", "tls-cert", "tls-key", "public-origin", "max-connections-per-ip"},
        {},
        0,
        0,
        "serve [--listen HOST:PORT] [--tls-cert CERT.pem --tls-key KEY.pem] [--public-origin URL] "
        "[--max-connections-per-ip N]"},
       "serve the store over HTTP(S) until SIGTERM or SIGINT",
       "Serves the store in --data DIR on 127.0.0.1:8080 (or --listen HOST:PORT), over HTTPS\n"
       "with --tls-cert and --tls-key (PEM; the key unencrypted). Requests other than\n"
       "/checkpoint and /v1/proofs are signed with a registered key (RFC 9421, Ed25519) and\n"
       "read only what the key's role may (program-rules.md, who may read what): docs/api.md\n"
       "lists the endpoints and the signing recipe. POST /v1/events takes signed envelopes,\n"
       "one a line as 'probity sign' prints them; concurrent requests share synced writes.\n"
       "--public-origin https://HOST[:PORT] refuses requests signed for any other origin (a\n"
       "staging copy, another host): give it whenever clients reach the server by a name.\n"
       "One address may hold 64 connections at once (--max-connections-per-ip N; behind a\n"
       "reverse proxy every client is the proxy's address: raise it there), 256 in all.\n"
       "On SIGTERM or SIGINT it stops accepting, finishes the requests in flight and exits 0.\n"
       "PROBITY_LOG=info logs one line a request on stderr.\n",
       Serve},
      {"tiles",
       {{}, {"entries"}, 2, 2, "tiles export DIR [--entries]"},
       "write the log as static tlog-tiles files, for any web host to mirror",
       "Writes the log into DIR as a C2SP tlog-tiles tree: exactly the bytes 'probity serve'\n"
       "answers for GET /checkpoint and GET /tile/..., so that any static web server or object\n"
       "store can serve a read-only mirror that anyone checks against the log's vkey\n"
       "('probity-audit tiles DIR --vkey VKEY', docs/auditor.md). One snapshot of the store:\n"
       "the checkpoint and the tiles agree while a server appends.\n"
       "  DIR/checkpoint              the latest signed checkpoint, with its cosignatures\n"
       "  DIR/tile/<L>/<N>[.p/<W>]    every hash tile the checkpoint's tree has, at every\n"
       "                              level: the full ones and the partial right edge\n"
       "  DIR/tile/entries/<N>[.p/<W>]  with --entries: the entry bundles, the exact signed\n"
       "                              entry bytes\n"
       "Without --entries the export is what 'probity serve' gives anyone: the checkpoint and\n"
       "the tree's hashes, no event. --entries adds the events themselves: names, units,\n"
       "dates and grades in the clear, which 'probity serve' gives only to auditor and admin\n"
       "keys and records in the access log. Sealed values (a restriction's reason) are never\n"
       "in an entry, but the rest is personal data: put an export made with --entries only\n"
       "where those readers alone can read it, and know that its reads are not logged.\n"
       "Run it again to bring DIR up to date: a file already there with the right bytes is\n"
       "left alone (a tile never changes), new tiles are added, each through a temporary\n"
       "file and a rename, the file system is synced, and only then is DIR/checkpoint\n"
       "replaced; last, partial tiles whose full tile now exists are removed. A reader never\n"
       "sees half a file, nor a checkpoint whose tiles are missing. Refused, with nothing\n"
       "replaced: a file there with other bytes, or a DIR/checkpoint of another log, of a\n"
       "larger size or of another root (the mirror would go back or fork). DIR is made if\n"
       "missing; it must not be inside the store's directory. Prints one summary line.\n\n"
       "Copy it on in the same order, tiles first and the checkpoint last, so that a mirror\n"
       "never serves a checkpoint whose tiles have not arrived (docs/operator.md).\n\n"
       "  probity tiles export /srv/www/ledger\n"
       "  rsync -a --exclude=/checkpoint /srv/www/ledger/ mirror.example:/srv/www/ledger/\n"
       "  rsync -a --delete /srv/www/ledger/ mirror.example:/srv/www/ledger/\n"
       "  tools/probity-audit tiles https://mirror.example/ledger --vkey log.vkey "
       "--hashes-only\n",
       Tiles},
      {"rebuild",
       {{}, {}, 0, 0, "rebuild"},
       "rebuild every projection from the log",
       "Folds the whole log again and replaces every derived record (projections and\n"
       "indexes) with what it gives; the entries and checkpoints are never touched. The\n"
       "fold goes to a scratch store in $TMPDIR (removed after), so memory stays bounded\n"
       "at any size. Until it finishes the store is marked 'rebuilding': if it is\n"
       "interrupted, reads and appends refuse the store until a rebuild completes. Run it\n"
       "after an upgrade that changes the projections (docs/operator.md).\n",
       Rebuild},
      {"completion",
       {{}, {}, 1, 1, "completion bash|zsh"},
       "print the shell completion script",
       "Prints the completion script for bash or zsh, made from this table of commands.\n"
       "'cmake --install' puts both where Debian's shells look; to try them at once:\n"
       "  source <(probity completion bash)\n"
       "  probity completion zsh > ~/.zfunc/_probity   # with fpath+=(~/.zfunc) in .zshrc\n"
       "'probity help --man' prints the man page the same way.\n",
       Completion,
       Where::kAnywhere},
      {"demo",
       {{}, {}, 0, 0, "demo"},
       "build a demonstration store and tour it",
       "Builds a fresh store in --data DIR (replacing an earlier demo store there, never any\n"
       "other) with keys in DIR/demo-keys, appends a run of the program, and shows what it\n"
       "holds.\n",
       Demo},
  };
  return kCommands;
}

std::vector<CommandDoc> Docs() {
  std::vector<CommandDoc> out;
  for (const auto& c : Commands()) out.push_back({c.name, c.summary, c.help, &c.spec});
  return out;
}

int Completion(const Args& args) {
  const std::string& shell = args.positional[0];
  if (shell == "bash") {
    WriteBashCompletion(std::cout, Docs());
  } else if (shell == "zsh") {
    WriteZshCompletion(std::cout, Docs());
  } else {
    return Fail(args, kExitUsage, "say bash or zsh");
  }
  return kExitOk;
}

void PrintUsage(std::ostream& out) {
  out << "usage: probity [--data DIR | --server URL [--server-ca FILE]] COMMAND [ARGS]\n"
         "       (probity --version, probity --help)\n\n"
         "A signed, append-only ledger of the supervision program's personnel events.\n"
         "The store is --data DIR, else $PROBITY_DATA, else ./probity-data.\n\n"
         "commands:\n";
  std::string remote;  // the commands that run through a server, six a line
  int listed = 0;
  for (const auto& c : Commands()) {
    std::string name = c.name;
    out << "  " << name << std::string(14 - name.size(), ' ') << c.summary << "\n";
    if (c.remote == Where::kRemote || c.remote == Where::kSigned)
      remote += (remote.empty() ? "" : ++listed % 6 == 0 ? ",\n    " : ", ") + name;
  }
  out << "\n--server URL (or $PROBITY_SERVER, unless --data is given) asks a 'probity serve'\n"
         "at URL (http://HOST:PORT or https://HOST) instead of a local store, for\n    "
      << remote
      << "\nsigning each request with --key KEY.pem (after the command; a key registered in\n"
         "the ledger, whose role decides what it may read). The output is the local\n"
         "command's. --server-ca FILE trusts a private CA's PEM certificate besides the\n"
         "system's. docs/client.md tells more.\n"
         "  probity --server https://probity.example record P000213 --key hr.pem --json\n"
         "\n'probity COMMAND --help' tells more. Exit status: 0 done, 1 refused or a check\n"
         "failed (a server's 4xx), 2 bad usage, 3 the store is missing, locked or damaged,\n"
         "or the server unreachable or failing (5xx).\n";
}

const Command* FindCommand(const std::string& name) {
  for (const auto& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void PrintHelp(const Command& c) {
  std::cout << "usage: probity " << c.spec.usage << "\n\n" << c.help;
  if (c.remote == Where::kSigned) {
    std::cout << "\nWith --server URL: asks that server instead, signing with --key KEY.pem\n"
                 "[--passphrase-file F] (docs/client.md).\n";
  } else if (c.remote == Where::kRemote) {
    std::cout << "\nWith --server URL: asks that server instead (docs/client.md).\n";
  }
}

int UnknownCommand(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& c : Commands()) names.push_back(c.name);
  names.push_back("help");
  auto near = Nearest(name, names);
  std::cerr << "probity: unknown command '" << name << "'"
            << (near ? "; did you mean '" + *near + "'?" : std::string())
            << " ('probity help' lists the commands)\n";
  return kExitUsage;
}

}  // namespace
}  // namespace probity::cli

namespace {

// The value of a global option at words[*i] ("--name VALUE" or "--name=VALUE"), moving *i
// past it; nullopt when words[*i] is not that option. Prints the usage error and sets
// *bad when the value is missing.
std::optional<std::string> GlobalOption(const std::vector<std::string>& words, size_t* i,
                                        const std::string& name, const char* what, bool* bad) {
  const std::string& w = words[*i];
  if (w.rfind(name + "=", 0) == 0) return w.substr(name.size() + 1);
  if (w != name) return std::nullopt;
  if (*i + 1 >= words.size()) {
    std::cerr << "probity: " << name << " needs " << what << "\n";
    *bad = true;
    return std::nullopt;
  }
  return words[++*i];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace probity::cli;
  std::vector<std::string> words(argv + 1, argv + argc);
  std::string data_dir, server;
  std::optional<std::string> server_ca;
  bool data_given = false, server_given = false, bad = false;
  if (const char* env = std::getenv("PROBITY_DATA"); env && *env) data_dir = env;
  size_t i = 0;
  for (; i < words.size(); ++i) {
    if (auto d = GlobalOption(words, &i, "--data", "a directory", &bad)) {
      data_dir = *d;
      data_given = true;
    } else if (auto s = GlobalOption(words, &i, "--server", "a URL", &bad)) {
      server = *s;
      server_given = true;
    } else if (auto ca = GlobalOption(words, &i, "--server-ca", "a PEM file", &bad)) {
      server_ca = *ca;
    } else if (bad) {
      return kExitUsage;
    } else if (words[i] == "--version") {
      std::cout << "probity 0.2.0 (store " << probity::kStoreFormat << ", signatures "
                << probity::kEventSignaturePrefix.substr(0,
                                                         probity::kEventSignaturePrefix.size() - 1)
                << " (origin-bound), checkpoints C2SP tlog-checkpoint, cosignatures C2SP "
                   "cosignature/v1)\n";
      return kExitOk;
    } else if (words[i] == "--help" || words[i] == "-h") {
      PrintUsage(std::cout);
      return kExitOk;
    } else {
      break;
    }
  }
  if (i >= words.size()) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  std::string name = words[i];
  if (name.size() > 1 && name[0] == '-') {
    // A command's option before the command (probity --key hr.pem record P1).
    std::string option = name.substr(0, name.find('='));
    std::string command = "COMMAND";
    for (size_t j = i + 1; j < words.size() && command == "COMMAND"; ++j)
      if (FindCommand(words[j])) command = words[j];
    std::cerr << "probity: " << option
              << " is not an option of probity itself (those are --data, --server, --server-ca, "
                 "--version and --help): a command's options go after the command: 'probity "
              << command << " ... " << option << " ...' ('probity help' lists the commands)\n";
    return kExitUsage;
  }
  std::vector<std::string> rest;
  // Global options may follow the command too (probity record P1 --data DIR).
  for (size_t j = i + 1; j < words.size(); ++j) {
    if (auto d = GlobalOption(words, &j, "--data", "a directory", &bad)) {
      data_dir = *d;
      data_given = true;
    } else if (auto s = GlobalOption(words, &j, "--server", "a URL", &bad)) {
      server = *s;
      server_given = true;
    } else if (auto ca = GlobalOption(words, &j, "--server-ca", "a PEM file", &bad)) {
      server_ca = *ca;
    } else if (bad) {
      return kExitUsage;
    } else {
      rest.push_back(words[j]);
    }
  }
  if (name == "help") {
    if (rest.empty()) {
      PrintUsage(std::cout);
      return kExitOk;
    }
    if (rest[0] == "--man") {
      std::ostringstream usage;
      PrintUsage(usage);
      WriteManPage(std::cout, Docs(), usage.str());
      return kExitOk;
    }
    const Command* c = FindCommand(rest[0]);
    if (!c) return UnknownCommand(rest[0]);
    PrintHelp(*c);
    return kExitOk;
  }
  if (data_given && server_given) {
    std::cerr << "probity: give --data DIR (a local store) or --server URL, not both\n";
    return kExitUsage;
  }
  // $PROBITY_SERVER stands in for --server, unless --data names a local store.
  if (const char* env = std::getenv("PROBITY_SERVER"); env && *env && !server_given && !data_given)
    server = env;
  if (server_ca && server.empty()) {
    std::cerr << "probity: --server-ca goes with --server URL (or $PROBITY_SERVER)\n";
    return kExitUsage;
  }
  if (data_dir.empty()) data_dir = "./probity-data";
  for (const auto& c : Commands()) {
    if (name != c.name) continue;
    for (const auto& w : rest) {
      if (w == "--help" || w == "-h") {
        PrintHelp(c);
        return kExitOk;
      }
    }
    Spec spec = c.spec;
    if (!server.empty()) {
      if (c.remote == Where::kLocal) {
        std::cerr << "probity " << name << ": works on a local store only, not through a server ("
                  << (server_given ? "--server " + server
                                   : "$PROBITY_SERVER is " + server + "; give --data DIR")
                  << ")\n";
        return kExitUsage;
      }
      if (c.remote == Where::kSigned) spec.options.insert({"key", "passphrase-file"});
    }
    // --key on a read whose key only signs a server's requests, with the store local.
    if (server.empty() && c.remote == Where::kSigned && !spec.options.count("key") &&
        std::any_of(rest.begin(), rest.end(),
                    [](const std::string& w) { return w == "--key" || w.starts_with("--key="); })) {
      std::cerr << "probity " << name
                << ": --key signs the requests to a server (--server URL or $PROBITY_SERVER); "
                   "here the store is local ("
                << (data_given ? "--data " + data_dir : data_dir)
                << ") and a local read needs no key\n";
      return kExitUsage;
    }
    auto args = Parse(name, rest, spec, data_dir);
    if (!args.ok()) {
      std::cerr << "probity " << name << ": " << args.status().message() << "\n";
      return kExitUsage;
    }
    args->server = server;
    args->server_ca = server_ca;
    return c.run(*args);
  }
  return UnknownCommand(name);
}
