// The evidence pack as one HTML page (docs/formats.md §12): the record as of its point
// in Chinese and English, the signing keys and the checkpoint for people, the pack's
// JSON document for programs, and the web interface's own checker (web/assets/js,
// evidence.js and evidence_page.js) inlined so that the page checks itself when opened,
// offline. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projections/evidence.h"
#include "projections/labels.h"

namespace probity::server {

// The page for `pack`, shown first in `lang`. Fails only if the embedded scripts do
// not bundle (BundleModules).
Result<std::string> EvidencePage(const EvidencePack& pack, Lang lang);

// The web assets at `paths` ("/js/verify.js", ...; each module after those it imports)
// as one classic script. A module may import only `{ a, b as c }` or `* as x` from a
// relative path on one line, and export only `function`, `async function`, `class`,
// `const` and `let` declarations that start a line; each becomes a function scope that
// returns its exports; "</script" is written "<\/script". Invalid, naming the file and
// line, for anything else, an import of a module not bundled before, or a "<!--".
Result<std::string> BundleModules(const std::vector<std::string_view>& paths);

}  // namespace probity::server
