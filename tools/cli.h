// The command line's shared pieces: argument parsing, exit statuses, reading JSON
// lines, opening the store, and writing JSON by hand where no schema applies.
// Used only by tools/; single-threaded.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/status.h"
#include "ledger/witness.h"

namespace probity::cli {

// Exit statuses (../shared/interface.md).
enum Exit : int { kExitOk = 0, kExitRefused = 1, kExitUsage = 2, kExitStore = 3 };

struct Args {
  std::string command;  // "submit", "prove", ...
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;                // --name value (the last, if repeated)
  std::map<std::string, std::vector<std::string>> repeated;  // every value of --name, in order
  std::set<std::string> flags;                               // --name
  std::string data_dir;  // --data, $PROBITY_DATA, or ./probity-data
  // --server URL or $PROBITY_SERVER: run against that server instead of a local store
  // (tools/client.h); empty: the local store.
  std::string server;
  std::optional<std::string> server_ca;  // --server-ca FILE: PEM certificates to trust too

  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
  bool remote() const { return !server.empty(); }
  std::optional<std::string> Option(const std::string& name) const;
  std::vector<std::string> Options(const std::string& name) const;
};

// What a command accepts: options that take a value, and flags that do not.
struct Spec {
  std::set<std::string> options;
  std::set<std::string> flags;
  size_t min_positional = 0;
  size_t max_positional = 0;
  const char* usage = "";                           // one line, after "usage: probity "
  std::map<std::string, std::string> aliases = {};  // "-o" -> "output"
};

// Prints "probity CMD: MESSAGE" on stderr and returns `code`.
int Fail(const Args& args, int code, const std::string& message);
// The exit status for a failed Status from the store or the ledger.
int ExitFor(const Status& status);
int FailStatus(const Args& args, const Status& status);

// Parses `words` (after the command name) against `spec`; on error prints usage.
Result<Args> Parse(const std::string& command, const std::vector<std::string>& words,
                   const Spec& spec, const std::string& data_dir);

// A value given inline or, when `text` names an existing file, that file's first line
// (verifier keys are passed either way).
Result<std::string> ValueOrFile(const std::string& text);
// The whole of FILE, or stdin for "-" or none, at most `limit` bytes.
Result<std::string> ReadInput(const std::optional<std::string>& path, size_t limit = 1 << 20);

// The one of `candidates` nearest to a mistyped `word` (at most two edits, a letter
// swapped counting one, or `word` a prefix of it), for "did you mean"; nullopt when none
// is near or two are equally near.
std::optional<std::string> Nearest(const std::string& word,
                                   const std::vector<std::string>& candidates);

// Writes `bytes` to the file `path` (-o) whole: through a temporary file beside it and a
// rename, mode 0600 (what commands write there is personal data). Returns kExitOk, or
// kExitUsage for a path that names a directory, or kExitRefused when it cannot be written,
// after saying why.
int WriteOutputFile(const Args& args, const std::string& path, std::string_view bytes);

// Reads an unsigned 64-bit decimal, refusing signs, spaces and overflow.
std::optional<uint64_t> ParseUint(const std::string& text);

// The line a written file ends with, to paste: "check it: probity-audit WHAT FILE --vkey
// "$(probity --data DIR checkpoint --vkey)"", the store being this command's.
std::string CheckItHint(const Args& args, const std::string& what, const std::string& path);

// Non-empty lines of FILE, or stdin for "-" or none; numbered from 1.
inline constexpr size_t kMaxLineBytes = size_t{4} << 20;  // one event or envelope line
struct Line {
  size_t number;
  std::string text;
};
Result<std::vector<Line>> ReadLines(const std::optional<std::string>& path);

// The witnesses named by every --witness (a C2SP cosigner vkey, or a file whose first line
// is one), in order. Invalid, naming the value that is not one.
Result<std::vector<witness::CosignerKey>> WitnessKeys(const Args& args);

// A private key from --OPTION KEY.pem, with --passphrase-file when it is encrypted.
Result<PrivateKey> LoadSigningKey(const Args& args, const std::string& option = "key");

// The program's rules (projections/program.h), shared by every command.
const Rules& ProgramRulesInstance();

// The operational log on stderr; its level is $PROBITY_LOG (debug, info, warn; default warn).
std::shared_ptr<spdlog::logger> OperationalLog();

Result<std::unique_ptr<Ledger>> OpenLedger(const Args& args, Store::Mode mode);

// An event's display JSON without its leading "id" member (one-line human views show
// what happened; --json keeps the id).
std::string WithoutId(const std::string& event_json);

// The length in bytes of the UTF-8 character that begins with byte `lead`.
size_t Utf8Length(unsigned char lead);
// Display width of UTF-8 text: CJK characters take two columns.
size_t Width(std::string_view s);
// `s` padded with spaces to `width` columns.
std::string Pad(const std::string& s, size_t width);
// At most `width` columns of `s`, cut on a character boundary, with "…" when cut.
std::string Clip(const std::string& s, size_t width);

// Progress on stderr, only when stderr is a terminal.
std::function<void(uint64_t, uint64_t)> ProgressReporter(const std::string& what);

}  // namespace probity::cli
