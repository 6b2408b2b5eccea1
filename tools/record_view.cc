// The readable record: see record_view.h.
#include "tools/record_view.h"

#include "ledger/bytes.h"
#include "tools/cli.h"
#include "tools/terminal.h"

namespace probity::cli {
namespace {

constexpr size_t kIndent = 9;  // under the event type: past "%7d  " of the seq

// The words of the view that are not the program's labels.
struct Words {
  const char *record_of, *unit, *as_of, *as_of_seq, *as_of_seq_end, *restricted, *yes, *no,
      *withdrawn_tag, *withdrawn_by, *signed_by, *comma, *colon, *field_sep, *no_events;
};
constexpr Words kEn = {.record_of = "record of ",
                       .unit = "unit ",
                       .as_of = " as of ",
                       .as_of_seq = " as the ledger stood after seq ",
                       .as_of_seq_end = "",
                       .restricted = "restriction in force (R1): ",
                       .yes = "yes",
                       .no = "no",
                       .withdrawn_tag = "  [WITHDRAWN]",
                       .withdrawn_by = "WITHDRAWN by seq ",
                       .signed_by = "signed by ",
                       .comma = ", ",
                       .colon = ": ",
                       .field_sep = "; ",
                       .no_events = "  (no events)"};
constexpr Words kZh = {.record_of = "的记录:",
                       .unit = "单位 ",
                       .as_of = ";截至 ",
                       .as_of_seq = ";截至序号 ",
                       .as_of_seq_end = " 时的账本",
                       .restricted = "不宜派出情形(R1):",
                       .yes = "有",
                       .no = "无",
                       .withdrawn_tag = "  [已撤回]",
                       .withdrawn_by = "已撤回:序号 ",
                       .signed_by = "签名者:",
                       .comma = ",",
                       .colon = ":",
                       .field_sep = ";",
                       .no_events = "  (无记录)"};

void Add(std::string* out, const std::vector<std::string>& lines) {
  for (const auto& l : lines) *out += l + "\n";
}

// "3e7e06b01b70 人事司 (hr)" (RecordLine::signer) with its role labelled: the key id
// prefix and holder, then the role after `comma`. As it is when it names no known role.
std::string Signer(const std::string& signer, Lang lang, const Words& w) {
  size_t open = signer.rfind(" (");
  if (signer.empty() || signer.back() != ')' || open == std::string::npos) return signer;
  std::string role = signer.substr(open + 2, signer.size() - open - 3);
  if (Label(LabelKind::kRole, role, Lang::kZh) == role) return signer;  // no such role
  return signer.substr(0, open) + w.comma + std::string(Label(LabelKind::kRole, role, lang));
}

}  // namespace

std::vector<std::string> BasisPieces(const ReportBasis& basis) {
  std::string size = std::to_string(basis.tree_size);
  return {"computed at tree size " + size + ", root", HexEncode(basis.root),
          "(check it: probity prove consistency " + size + " <latest size>)"};
}

std::string BasisLine(const ReportBasis& basis) {
  auto pieces = BasisPieces(basis);
  return pieces[0] + " " + pieces[1] + " " + pieces[2];
}

std::string RecordView(const PersonRecordReport& report, const AsOf& as_of, Lang lang,
                       size_t width) {
  const Words& w = lang == Lang::kZh ? kZh : kEn;
  std::string category(Label(LabelKind::kValue, report.category, lang));
  std::string head;
  if (lang == Lang::kZh) {
    head = report.name + "(" + report.person + ")" + w.record_of + w.unit + report.unit + w.comma +
           category;
  } else {
    head = w.record_of + report.person + " " + report.name + " (" + w.unit + report.unit + w.comma +
           category + ")";
  }
  if (as_of.date) head += w.as_of + *as_of.date;
  if (as_of.seq) head += w.as_of_seq + std::to_string(*as_of.seq) + w.as_of_seq_end;
  std::string out;
  Add(&out, Wrap(head, width, 0, 2));
  if (report.restricted)
    Add(&out, Wrap(std::string(w.restricted) + (*report.restricted ? w.yes : w.no), width, 0, 2));
  for (const auto& l : report.lines) {
    std::string seq = std::to_string(l.seq);
    std::string first = std::string(seq.size() < 7 ? 7 - seq.size() : 0, ' ') + seq + "  " +
                        l.date + "  " + std::string(Label(LabelKind::kEventType, l.type, lang)) +
                        (l.withdrawn_by ? w.withdrawn_tag : "");
    Add(&out, Wrap(first, width, 0, kIndent));
    if (auto fields = ShownFields(l.event_json)) {
      std::vector<std::string> chunks;
      for (const auto& f : *fields) {
        chunks.push_back(std::string(Label(LabelKind::kField, f.name, lang)) + w.colon +
                         InLang(f.value, lang));
      }
      Add(&out, Fill(chunks, w.field_sep, width, kIndent, 0, 2));
    } else {
      Add(&out, Wrap(WithoutId(l.event_json), width, kIndent, 2));
    }
    Add(&out, Wrap(w.signed_by + Signer(l.signer, lang, w), width, kIndent, 2));
    if (l.withdrawn_by) {
      std::string why =
          lang == Lang::kZh ? "(" + l.withdrawn_reason + ")" : ": " + l.withdrawn_reason;
      Add(&out, Wrap(w.withdrawn_by + std::to_string(*l.withdrawn_by) + why, width, kIndent, 2));
    }
  }
  if (report.lines.empty()) Add(&out, {w.no_events});
  Add(&out, Fill(BasisPieces(report.basis), " ", width, 0, 2, 0));
  return out;
}

}  // namespace probity::cli
