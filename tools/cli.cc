#include "tools/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ledger/files.h"
#include "projections/program.h"

namespace probity::cli {

std::optional<std::string> Args::Option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::Options(const std::string& name) const {
  auto it = repeated.find(name);
  return it == repeated.end() ? std::vector<std::string>() : it->second;
}

Result<std::string> ValueOrFile(const std::string& text) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(text, ec)) return text;
  std::ifstream in(text);
  std::string line;
  if (!std::getline(in, line)) return Status::Invalid(text + " is empty");
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

Result<std::string> ReadInput(const std::optional<std::string>& path, size_t limit) {
  std::string out;
  std::FILE* f = stdin;
  if (path && *path != "-") {
    f = std::fopen(path->c_str(), "rb");
    if (f == nullptr) return Status::Invalid("cannot read " + *path + ": " + std::strerror(errno));
  }
  char buf[8192];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    out.append(buf, got);
    if (out.size() > limit) {
      if (f != stdin) std::fclose(f);
      return Status::Invalid(std::string(path && *path != "-" ? *path : "standard input") +
                             " is larger than " + std::to_string(limit) + " bytes");
    }
  }
  // A read error (a directory: EISDIR) is not an empty file.
  bool failed = std::ferror(f) != 0;
  int error = errno;
  if (f != stdin) std::fclose(f);
  if (failed)
    return Status::Invalid("cannot read " + (path && *path != "-" ? *path : "standard input") +
                           ": " + std::strerror(error));
  return out;
}

int Fail(const Args& args, int code, const std::string& message) {
  std::cerr << "probity " << args.command << ": " << message << "\n";
  return code;
}

int ExitFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kUnavailable:
    case Code::kIoError:
      return kExitStore;
    case Code::kCorrupt:
      return kExitStore;
    case Code::kInvalid:
    case Code::kRefused:
    case Code::kNotFound:
      return kExitRefused;
  }
  return kExitRefused;
}

int FailStatus(const Args& args, const Status& status) {
  return Fail(args, ExitFor(status), status.message());
}

std::optional<std::string> Nearest(const std::string& word,
                                   const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: insertions, deletions, substitutions and swaps of
  // two neighbouring letters, each one edit.
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        d[i][j] = std::min(
            {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.size()][b.size()];
  };
  std::optional<std::string> best;
  size_t best_distance = 3;
  bool tie = false;
  for (const auto& c : candidates) {
    size_t dist = word.size() >= 3 && c.rfind(word, 0) == 0 ? 1 : distance(word, c);
    if (dist < best_distance) {
      best = c;
      best_distance = dist;
      tie = false;
    } else if (dist == best_distance && best && *best != c) {
      tie = true;
    }
  }
  if (tie || word.size() < 2) return std::nullopt;
  return best;
}

Result<Args> Parse(const std::string& command, const std::vector<std::string>& words,
                   const Spec& spec, const std::string& data_dir) {
  Args args;
  args.command = command;
  args.data_dir = data_dir;
  auto usage = [&](const std::string& why) {
    return Status::Invalid(why + "; usage: probity " + spec.usage + " (see 'probity " + command +
                           " --help')");
  };
  for (size_t i = 0; i < words.size(); ++i) {
    auto alias = spec.aliases.find(words[i]);
    const std::string w = alias == spec.aliases.end() ? words[i] : "--" + alias->second;
    if (w.size() > 2 && w.rfind("--", 0) == 0) {
      std::string name = w.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      if (spec.flags.count(name)) {
        if (inline_value) return usage("--" + name + " takes no value");
        args.flags.insert(name);
      } else if (spec.options.count(name)) {
        if (!inline_value) {
          if (i + 1 >= words.size()) return usage("--" + name + " needs a value");
          value = words[++i];
        }
        args.options[name] = value;
        args.repeated[name].push_back(value);
      } else {
        std::vector<std::string> known(spec.options.begin(), spec.options.end());
        known.insert(known.end(), spec.flags.begin(), spec.flags.end());
        auto near = Nearest(name, known);
        return usage("unknown option --" + name + (near ? " (did you mean --" + *near + "?)" : ""));
      }
    } else {
      args.positional.push_back(w);
    }
  }
  if (args.positional.size() < spec.min_positional) return usage("missing argument");
  if (args.positional.size() > spec.max_positional) {
    return usage("unexpected argument '" + args.positional[spec.max_positional] + "'");
  }
  return args;
}

std::string CheckItHint(const Args& args, const std::string& what, const std::string& path) {
  return "check it: probity-audit " + what + " " + files::ShellWord(path) +
         " --vkey \"$(probity --data " + files::ShellWord(args.data_dir) + " checkpoint --vkey)\"";
}

std::optional<uint64_t> ParseUint(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

int WriteOutputFile(const Args& args, const std::string& path, std::string_view bytes) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.filename().empty() || std::filesystem::is_directory(p, ec))
    return Fail(args, kExitUsage, "-o " + path + " is a directory: name a file");
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  Status written = files::ReplaceFile(dir, p.filename().string(), bytes);
  if (!written.ok())
    return Fail(args, kExitRefused, "cannot write " + path + ": " + written.message());
  return kExitOk;
}

Result<std::vector<witness::CosignerKey>> WitnessKeys(const Args& args) {
  std::vector<witness::CosignerKey> out;
  for (const auto& w : args.Options("witness")) {
    auto text = ValueOrFile(w);
    if (!text.ok()) return text.status().WithContext("--witness");
    auto key = witness::CosignerKey::FromVkey(*text);
    if (!key.ok()) return key.status().WithContext("--witness");
    out.push_back(std::move(*key));
  }
  return out;
}

Result<std::vector<Line>> ReadLines(const std::optional<std::string>& path) {
  std::vector<Line> lines;
  auto consume = [&](std::istream& in) -> Status {
    std::string text;
    size_t number = 0;
    while (std::getline(in, text)) {
      ++number;
      if (text.size() > kMaxLineBytes) {
        return Status::Invalid("line " + std::to_string(number) + " is longer than " +
                               std::to_string(kMaxLineBytes >> 20) + " MiB");
      }
      if (text.find('\0') != std::string::npos) {
        return Status::Invalid("line " + std::to_string(number) + " holds a NUL byte at column " +
                               std::to_string(text.find('\0') + 1));
      }
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.find_first_not_of(" \t") == std::string::npos) continue;
      lines.push_back({number, std::move(text)});
    }
    return Status::Ok();
  };
  if (!path || *path == "-") {
    PROBITY_RETURN_IF_ERROR(consume(std::cin));
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(*path, ec))
      return Status::Invalid("cannot read " + *path + ": it is a directory");
    std::ifstream in(*path);
    if (!in) return Status::Invalid("cannot read " + *path + ": " + std::strerror(errno));
    PROBITY_RETURN_IF_ERROR(consume(in));
  }
  return lines;
}

Result<PrivateKey> LoadSigningKey(const Args& args, const std::string& option) {
  auto path = args.Option(option);
  if (!path) return Status::Invalid("--" + option + " KEY.pem is required");
  std::optional<std::string> passphrase;
  if (auto f = args.Option("passphrase-file")) {
    auto p = ReadPassphraseFile(*f);
    if (!p.ok()) return p.status();
    passphrase = *p;
  } else {
    auto encrypted = IsEncryptedKeyFile(*path);
    if (encrypted.ok() && *encrypted) {
      return Status::Invalid(*path + " is encrypted; pass --passphrase-file FILE");
    }
  }
  return LoadPrivateKeyFile(*path, passphrase);
}

const Rules& ProgramRulesInstance() {
  static const ProgramRules rules;
  return rules;
}

std::shared_ptr<spdlog::logger> OperationalLog() {
  static std::shared_ptr<spdlog::logger> log = [] {
    auto logger = spdlog::stderr_color_st("probity");
    const char* level = std::getenv("PROBITY_LOG");
    logger->set_level(level ? spdlog::level::from_str(level) : spdlog::level::warn);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ probity %l: %v", spdlog::pattern_time_type::utc);
    return logger;
  }();
  return log;
}

Result<std::unique_ptr<Ledger>> OpenLedger(const Args& args, Store::Mode mode) {
  Ledger::Options options;
  options.clock = SystemClock();
  options.log = OperationalLog();
  options.rules = &ProgramRulesInstance();
  // For the crash tests only: die between a durable commit and its receipts.
  if (const char* v = std::getenv("PROBITY_TEST_KILL_AFTER_COMMIT"); v && std::string(v) == "1") {
    options.after_commit = []() { ::raise(SIGKILL); };
  }
  auto ledger = Ledger::Open(args.data_dir, mode, std::move(options));
  // Only verify reads a damaged store: every other read would show a truncated or
  // inconsistent log as if it were whole.
  if (ledger.ok() && !(*ledger)->damage().ok() && args.command != "verify")
    return (*ledger)->damage();
  return ledger;
}

size_t Utf8Length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

std::string WithoutId(const std::string& json) {
  const std::string head = "{\"id\":\"";
  if (json.rfind(head, 0) != 0) return json;
  size_t end = json.find('"', head.size());  // ids hold no quote or backslash
  if (end == std::string::npos || end + 1 >= json.size() || json[end + 1] != ',') return json;
  return "{" + json.substr(end + 2);
}

size_t Width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size(); i += Utf8Length(static_cast<unsigned char>(s[i]))) {
    w += Utf8Length(static_cast<unsigned char>(s[i])) >= 3 ? 2 : 1;
  }
  return w;
}

std::string Pad(const std::string& s, size_t width) {
  size_t w = Width(s);
  return s + std::string(w < width ? width - w : 0, ' ');
}

std::string Clip(const std::string& s, size_t width) {
  if (Width(s) <= width) return s;
  size_t w = 0, i = 0;
  while (i < s.size()) {
    size_t len = Utf8Length(static_cast<unsigned char>(s[i]));
    size_t cw = len >= 3 ? 2 : 1;
    if (w + cw + 1 > width) break;
    w += cw;
    i += len;
  }
  return s.substr(0, std::min(i, s.size())) + "…";
}

std::function<void(uint64_t, uint64_t)> ProgressReporter(const std::string& what) {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  return [what](uint64_t done, uint64_t total) {
    std::fprintf(stderr, "\r%s: %llu / %llu", what.c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
    if (done >= total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace probity::cli
