// A person's record as people read it, in Chinese or English: `probity record` (from the
// store or a server's answer) and the demo's tour print it.
#pragma once

#include <string>
#include <vector>

#include "projections/labels.h"
#include "projections/reports.h"

namespace probity::cli {

// The last line of every report: "computed at tree size N, root R (check it: probity
// prove consistency N <latest size>)", in three pieces: up to the root, the root hex,
// the parenthesis.
std::vector<std::string> BasisPieces(const ReportBasis& basis);
std::string BasisLine(const ReportBasis& basis);

// The record in `lang`, lines of at most `width` columns (0: not wrapped), each ending
// in a newline:
//   a header: the person, name, unit, staff category and the point it is as of (and,
//     from a server that reduces restrictions to yes or no, whether one is in force);
//   per entry, its seq, business date and event type, then its fields ("label: value",
//     ShownFields), then its signer (key id prefix, holder, role); a withdrawn entry is
//     marked on its first line and followed by the retraction's seq and reason;
//   the basis: the tree size and root it was computed at (BasisLine, in both languages).
std::string RecordView(const PersonRecordReport& report, const AsOf& as_of, Lang lang,
                       size_t width);

}  // namespace probity::cli
