// One function per subcommand; tools/probity.cc holds the table that names them,
// their options and their help. Each returns the process exit status.
#pragma once

#include <functional>
#include <string>
#include <variant>

#include "projections/labels.h"
#include "projections/reports.h"
#include "tools/cli.h"

namespace probity::cli {

int Keygen(const Args& args);
int Init(const Args& args);
int Sign(const Args& args);
int Submit(const Args& args);
int Append(const Args& args);
int Log(const Args& args);
int Show(const Args& args);
int Verify(const Args& args);
int Checkpoint(const Args& args);
int Prove(const Args& args);
int Demo(const Args& args);
int Record(const Args& args);
int Evidence(const Args& args);  // tools/cmd_evidence.cc
int Find(const Args& args);      // tools/cmd_directory.cc
int Persons(const Args& args);
int Units(const Args& args);
int Keys(const Args& args);
int Roster(const Args& args);
int Eligibility(const Args& args);
int Leave(const Args& args);
int Explanations(const Args& args);
int Unevaluated(const Args& args);
int Rebuild(const Args& args);
int Witness(const Args& args);
int Cosign(const Args& args);
int Erase(const Args& args);
int Serve(const Args& args);
int Tiles(const Args& args);  // tools/cmd_tiles.cc

// --as-of DATE or --as-of-seq SEQ (not both), as record and evidence take them; or the
// exit status after saying what is wrong.
std::variant<AsOf, int> AsOfOptions(const Args& args);
// --lang zh|en, else the locale's language; or the exit status after saying what is wrong.
std::variant<Lang, int> LangOption(const Args& args);

// The person id `text` names: an id, or the name of exactly one person (said on stderr),
// or else `text` itself (the command then says no such person is registered). The exit
// status after listing the candidates when several persons have that name.
std::variant<std::string, int> PersonByIdOrName(const Args& args, const LedgerView& view,
                                                const std::string& text);
// The same through --server: GET target_of(text); when the server knows no person `text`
// (404), the persons the key may read whose id or name holds it (GET /v1/persons?q=)
// decide as above, and a unique name is asked again by its id. The person's id and the
// 2xx body, or the exit status already reported (the first answer's words when no
// person is found).
struct RemotePerson {
  std::string person, body;
};
std::variant<RemotePerson, int> RemotePersonRead(
    const Args& args, const std::string& text,
    const std::function<std::string(const std::string&)>& target_of);

// `append` of event JSON lines made by another command (import): signed with --key for
// the store's origin, submitted all or nothing; a refusal names the line's number.
int AppendLines(const Args& args, const std::vector<Line>& lines);
int Import(const Args& args);  // tools/cmd_import.cc

// checkpoint and prove with --server (tools/cmd_log.cc): the local ones need the store.
int RemoteCheckpoint(const Args& args);
int RemoteProve(const Args& args);

}  // namespace probity::cli
