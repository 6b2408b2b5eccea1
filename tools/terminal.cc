// Terminal size, wrapping and the pager: see terminal.h.
#include "tools/terminal.h"

#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <span>

#include "tools/cli.h"

namespace probity::cli {
namespace {

// One character of a paragraph: where it is, and how it may be broken around.
struct Char {
  size_t at, len, width;
  bool space, wide, no_start, no_end;
};

// Punctuation that does not begin a line, and that does not end one.
constexpr std::string_view kNoStart[] = {",",  ".",  ";",  ":", "!", "?", ")", "]", "}",  "%",
                                         ",",  "。", "、", ";", ":", "!", "?", ")", "」", "』",
                                         "】", "》", "〉", "”", "’", "…", "·", "~"};
constexpr std::string_view kNoEnd[] = {"(", "[", "{", "(", "「", "『", "【", "《", "〈", "“", "‘"};

bool OneOf(std::string_view c, std::span<const std::string_view> set) {
  for (auto s : set) {
    if (c == s) return true;
  }
  return false;
}

std::vector<Char> Chars(std::string_view text) {
  std::vector<Char> out;
  for (size_t i = 0; i < text.size();) {
    size_t len = std::min(Utf8Length(static_cast<unsigned char>(text[i])), text.size() - i);
    std::string_view c = text.substr(i, len);
    out.push_back({i, len, Width(c), c == " " || c == "\t", Width(c) == 2, OneOf(c, kNoStart),
                   OneOf(c, kNoEnd)});
    i += len;
  }
  return out;
}

bool BreakBefore(const std::vector<Char>& cs, size_t j) {
  const Char &prev = cs[j - 1], &cur = cs[j];
  if (cur.space || prev.space) return true;
  if (cur.no_start || prev.no_end) return false;
  return cur.wide || prev.wide;
}

void WrapParagraph(std::string_view text, size_t width, size_t indent, size_t rest_indent,
                   std::vector<std::string>* out) {
  auto line = [&](size_t from, size_t to, const std::vector<Char>& cs) {
    while (to > from && cs[to - 1].space) --to;  // no trailing spaces
    size_t begin = from < cs.size() ? cs[from].at : text.size();
    size_t end = to < cs.size() ? cs[to].at : text.size();
    out->push_back(std::string(indent, ' ') + std::string(text.substr(begin, end - begin)));
    indent = rest_indent;
  };
  std::vector<Char> cs = Chars(text);
  if (width == 0) return line(0, cs.size(), cs);
  size_t start = 0;
  do {
    // At least a few columns a line, however deep the indent.
    size_t avail = width > indent + 8 ? width - indent : 8;
    size_t w = 0, j = start, last_break = start;
    while (j < cs.size()) {
      if (j > start && BreakBefore(cs, j)) last_break = j;
      if (w + cs[j].width > avail && !cs[j].space) break;
      w += cs[j].width;
      ++j;
    }
    if (j == cs.size()) return line(start, j, cs);
    size_t cut = last_break > start ? last_break : std::max(j, start + 1);
    line(start, cut, cs);
    start = cut;
    while (start < cs.size() && cs[start].space) ++start;
  } while (start < cs.size());
}

}  // namespace

bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

namespace {
size_t Dimension(const char* variable, bool columns) {
  if (!StdoutIsTerminal()) return columns ? 80 : 24;
  if (const char* v = std::getenv(variable)) {
    if (auto n = ParseUint(v); n && *n > 0 && *n < 100000) return static_cast<size_t>(*n);
  }
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
    size_t n = columns ? ws.ws_col : ws.ws_row;
    if (n > 0) return n;
  }
  return columns ? 80 : 24;
}
}  // namespace

size_t OutputColumns() { return Dimension("COLUMNS", true); }
size_t OutputRows() { return Dimension("LINES", false); }

std::vector<std::string> Wrap(std::string_view text, size_t width, size_t indent, size_t hang) {
  std::vector<std::string> out;
  size_t at = 0;
  while (true) {
    size_t nl = text.find('\n', at);
    WrapParagraph(text.substr(at, nl == std::string_view::npos ? nl : nl - at), width,
                  out.empty() ? indent : indent + hang, indent + hang, &out);
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return out;
}

std::vector<std::string> Fill(const std::vector<std::string>& chunks, std::string_view sep,
                              size_t width, size_t indent, size_t hang, size_t chunk_hang) {
  std::string tail(sep.substr(0, sep.find_last_not_of(' ') + 1));
  std::vector<std::string> out;
  std::string line;     // the line being filled, indented; empty when none
  bool closed = false;  // it ends a wrapped chunk: the next chunk starts a line
  for (size_t i = 0; i < chunks.size(); ++i) {
    const std::string& chunk = chunks[i];
    // Room for the chunk and, unless it is the last, the `tail` a line may end with.
    size_t room = width;
    if (width > 0 && i + 1 < chunks.size()) room = std::max<size_t>(width - Width(tail), 1);
    if (!line.empty() && !closed &&
        (width == 0 || Width(line) + Width(sep) + Width(chunk) <= room)) {
      line += std::string(sep) + chunk;
      continue;
    }
    if (!line.empty()) out.push_back(line + tail);
    auto wrapped = Wrap(chunk, room, out.empty() ? indent : indent + hang, chunk_hang);
    line = wrapped.back();
    wrapped.pop_back();
    out.insert(out.end(), wrapped.begin(), wrapped.end());
    closed = !wrapped.empty();
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

namespace {

// How many rows `text` takes on a terminal `columns` wide.
size_t Rows(const std::string& text, size_t columns) {
  size_t rows = 0, at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    size_t w = Width(std::string_view(text).substr(at, nl == std::string::npos ? nl : nl - at));
    rows += w == 0 ? 1 : (w + columns - 1) / columns;
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return rows;
}

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string_view dirs(path);
  while (true) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string file = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(file.c_str(), X_OK) == 0 && !std::filesystem::is_directory(file)) return true;
    if (colon == std::string_view::npos) return false;
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace

void Page(const std::string& text) {
  std::string pager;
  if (StdoutIsTerminal() && Rows(text, OutputColumns()) > OutputRows()) {
    if (const char* p = std::getenv("PAGER"))
      pager = p;
    else if (OnPath("less"))
      pager = "less -FRX";
  }
  std::cout.flush();
  FILE* to = pager.empty() ? nullptr : ::popen(pager.c_str(), "w");
  if (!to) {
    std::cout << text << std::flush;
    return;
  }
  // The pager was started with this process's signal dispositions. While it runs, an
  // interrupt is the pager's to handle, and quitting it early is no error of ours.
  auto pipe = std::signal(SIGPIPE, SIG_IGN);
  auto interrupt = std::signal(SIGINT, SIG_IGN);
  auto quit = std::signal(SIGQUIT, SIG_IGN);
  std::fwrite(text.data(), 1, text.size(), to);
  int status = ::pclose(to);
  std::signal(SIGPIPE, pipe);
  std::signal(SIGINT, interrupt);
  std::signal(SIGQUIT, quit);
  // The shell could not run it (127: not found, 126: not executable): the text was never
  // shown, so show it here and say why.
  if (status != -1 && WIFEXITED(status) &&
      (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126)) {
    std::cerr << "probity: the pager '" << pager << "' could not be run (set $PAGER to another, "
              << "or to nothing for none)\n";
    std::cout << text << std::flush;
  }
}

}  // namespace probity::cli
