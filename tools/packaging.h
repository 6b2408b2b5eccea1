// What a Debian system installs beside the binary, generated from the command table so
// that it never disagrees with `probity help`: the man page probity(1) and the bash and
// zsh completions. `probity help --man` and `probity completion bash|zsh` print them;
// the build writes them into build/ and `cmake --install` puts them in place.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "tools/cli.h"

namespace probity::cli {

struct CommandDoc {
  std::string name, summary, help;
  const Spec* spec;
};

// The global options' and exit statuses' text comes from the caller's general usage.
void WriteManPage(std::ostream& out, const std::vector<CommandDoc>& commands,
                  const std::string& general_usage);
void WriteBashCompletion(std::ostream& out, const std::vector<CommandDoc>& commands);
void WriteZshCompletion(std::ostream& out, const std::vector<CommandDoc>& commands);

}  // namespace probity::cli
