// Text for a terminal: its size, lines wrapped to its width (CJK characters take two
// columns, as tools/cli.h Width measures them) and a pager for output taller than it.
// Used only by tools/; single-threaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace probity::cli {

bool StdoutIsTerminal();
// The columns and rows of the terminal on stdout: $COLUMNS ($LINES) when set to a
// number, else what the terminal says (TIOCGWINSZ). When stdout is not a terminal, or
// neither says, 80 columns and 24 rows.
size_t OutputColumns();
size_t OutputRows();

// `text` in lines of at most `width` columns, the first indented by `indent` spaces and
// the rest by `indent + hang`. Lines break at spaces (dropped) and beside a CJK
// character, but never before closing punctuation (",", "。", ")", ...) nor after
// opening punctuation; a word longer than a line is cut. A newline in `text` ends a
// line. `width` 0: no wrapping, one line for each line of `text`.
std::vector<std::string> Wrap(std::string_view text, size_t width, size_t indent, size_t hang);

// `chunks` (e.g. an event's fields) laid out in lines of at most `width` columns, as
// many a line as fit, joined by `sep` (a line ends with `sep` without its trailing
// spaces). The first line is indented by `indent`, the later ones by `indent + hang`;
// a chunk too long for a line of its own is wrapped with a further `chunk_hang`, and the
// next chunk starts a line. `width` 0: one line.
std::vector<std::string> Fill(const std::vector<std::string>& chunks, std::string_view sep,
                              size_t width, size_t indent, size_t hang, size_t chunk_hang);

// Writes `text` to stdout. When stdout is a terminal and `text` takes more rows than it
// has, through a pager: $PAGER when set (set but empty: none), else `less -FRX` when
// less is on $PATH. Never a pager when stdout is not a terminal.
void Page(const std::string& text);

}  // namespace probity::cli
