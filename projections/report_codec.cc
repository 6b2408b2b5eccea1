#include "projections/report_codec.h"

#include <capnp/schema.h>

#include <charconv>
#include <cmath>

#include "ledger/authority.h"
#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/entry.h"
#include "ledger/event.h"
#include "ledger/json.h"
#include "ledger/merkle.h"
#include "ledger/sealed.h"

namespace probity {
namespace {

namespace rs = schema::reports;

// The annotations of schemas/reports.capnp, by their ids there.
constexpr uint64_t kOmitIfUnset = 0xdab0effd8f1470cfull;
constexpr uint64_t kNullIfUnset = 0xbc53a7cddda178e3ull;
constexpr uint64_t kRawJson = 0x8953c5676f8e3199ull;

capnp::Text::Reader T(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

bool Annotated(capnp::StructSchema::Field field, uint64_t id) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == id) return true;
  }
  return false;
}

void Write(std::string& out, capnp::DynamicValue::Reader value);

void WriteText(std::string& out, capnp::Text::Reader text) {
  out += JsonQuote(std::string_view(text.begin(), text.size()));
}

void WriteStruct(std::string& out, capnp::DynamicStruct::Reader s) {
  out += '{';
  bool first = true;
  kj::Maybe<capnp::StructSchema::Field> active = s.which();
  // Top-level fields and the unnamed union's members, in ordinal order.
  for (auto field : s.getSchema().getFields()) {
    auto proto = field.getProto();
    if (proto.getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT) {
      bool is_active = false;
      KJ_IF_MAYBE (a, active) {
        is_active = *a == field;
      }
      if (!is_active) continue;
      // The union's "nothing here" member: the key is left out.
      if (field.getType().isVoid()) continue;
    }
    bool set = s.has(field);  // false only for a null pointer
    bool raw = Annotated(field, kRawJson);
    if (!set && Annotated(field, kOmitIfUnset)) continue;
    out += first ? "\"" : ",\"";
    first = false;
    out += proto.getName().cStr();
    out += "\":";
    if (!set && (raw || Annotated(field, kNullIfUnset))) {
      out += "null";
    } else if (raw) {
      auto text = s.get(field).as<capnp::Text>();
      out.append(text.begin(), text.size());
    } else {
      Write(out, s.get(field));
    }
  }
  out += '}';
}

void Write(std::string& out, capnp::DynamicValue::Reader value) {
  switch (value.getType()) {
    case capnp::DynamicValue::BOOL:
      out += value.as<bool>() ? "true" : "false";
      return;
    case capnp::DynamicValue::INT:
      out += std::to_string(value.as<int64_t>());
      return;
    case capnp::DynamicValue::UINT:
      out += std::to_string(value.as<uint64_t>());
      return;
    case capnp::DynamicValue::FLOAT: {
      double d = value.as<double>();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), d);
      out.append(buf, r.ptr);
      return;
    }
    case capnp::DynamicValue::TEXT:
      WriteText(out, value.as<capnp::Text>());
      return;
    case capnp::DynamicValue::DATA: {
      auto data = value.as<capnp::Data>();
      out += "\"" + Base64Encode(ByteSpan(data.begin(), data.size())) + "\"";
      return;
    }
    case capnp::DynamicValue::LIST: {
      auto list = value.as<capnp::DynamicList>();
      out += '[';
      for (uint i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        Write(out, list[i]);
      }
      out += ']';
      return;
    }
    case capnp::DynamicValue::ENUM: {
      auto e = value.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (enumerant, e.getEnumerant()) {
        out += "\"";
        out += enumerant->getProto().getName().cStr();
        out += "\"";
      } else {
        out += "\"unknown\"";  // as EnumName says it
      }
      return;
    }
    case capnp::DynamicValue::STRUCT:
      WriteStruct(out, value.as<capnp::DynamicStruct>());
      return;
    case capnp::DynamicValue::VOID:
    case capnp::DynamicValue::UNKNOWN:
    case capnp::DynamicValue::CAPABILITY:
    case capnp::DynamicValue::ANY_POINTER:
      out += "null";
      return;
  }
  out += "null";
}

template <typename Builder>
void SetStrings(Builder list, const std::vector<std::string>& items) {
  for (uint i = 0; i < items.size(); ++i) list.set(i, T(items[i]));
}

template <typename Builder>
void SetSeqs(Builder list, const std::vector<uint64_t>& seqs) {
  for (uint i = 0; i < seqs.size(); ++i) list.set(i, seqs[i]);
}

void ToCapnp(const RosterMember& m, rs::RosterMember::Builder out) {
  out.setPerson(T(m.person));
  out.setName(T(m.name));
  out.setUnit(T(m.unit));
  out.setPosition(m.position);
  out.setFrom(T(m.from));
  out.setTo(T(m.to));
  out.setRecallDue(m.recall_due);
}

// Builds the report's message and encodes it.
template <typename Schema, typename Report, typename... Extra>
std::string Encode(const Report& report, const Extra&... extra) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<Schema>();
  ToCapnp(report, extra..., root);
  return ReportJson(root.asReader());
}

}  // namespace

std::string ReportJson(capnp::DynamicValue::Reader value) {
  std::string out;
  Write(out, value);
  return out;
}

void ToCapnp(const ReportBasis& basis, rs::Checkpoint::Builder out) {
  out.setTreeSize(basis.tree_size);
  out.setRoot(HexEncode(basis.root));
}

void ToCapnp(const PersonRecordReport& report, const AsOf& as_of,
             rs::PersonRecordReport::Builder out) {
  out.setPerson(T(report.person));
  out.setName(T(report.name));
  out.setUnit(T(report.unit));
  out.setCategory(T(report.category));
  if (report.restricted) out.setRestricted(*report.restricted ? "yes" : "no");
  if (as_of.date) {
    out.setAsOf(T(*as_of.date));
  } else if (as_of.seq) {
    out.setAsOfSeq(*as_of.seq);
  }
  auto events = out.initEvents(report.lines.size());
  for (uint i = 0; i < report.lines.size(); ++i) {
    const auto& l = report.lines[i];
    auto e = events[i];
    e.setSeq(l.seq);
    e.setDate(T(l.date));
    e.setType(T(l.type));
    e.setSigner(T(l.signer));
    e.setWithdrawn(l.withdrawn_by.has_value());
    if (l.withdrawn_by) {
      e.setWithdrawnBy(*l.withdrawn_by);
      e.setWithdrawnReason(T(l.withdrawn_reason));
    }
    e.setEvent(T(l.event_json));
  }
  ToCapnp(report.basis, out.initCheckpoint());
}

void ToCapnp(const RosterReport& report, rs::RosterReport::Builder out) {
  out.setDate(T(report.date));
  auto cities = out.initCities(report.cities.size());
  for (uint i = 0; i < report.cities.size(); ++i) {
    const auto& c = report.cities[i];
    auto city = cities[i];
    city.setCity(T(c.city));
    city.setName(T(c.name));
    city.setRegion(T(c.region));
    city.setSecretary(T(c.secretary));
    city.setSecretaryName(T(c.secretary_name));
    auto groups = city.initGroups(c.groups.size());
    for (uint j = 0; j < c.groups.size(); ++j) {
      const auto& g = c.groups[j];
      auto group = groups[j];
      group.setGroup(T(g.group));
      group.setKind(T(g.kind));
      group.setLeadUnit(T(g.lead_unit));
      group.setLeadUnitName(T(g.lead_unit_name));
      if (g.leader) ToCapnp(*g.leader, group.initLeader());
      auto members = group.initMembers(g.members.size());
      for (uint k = 0; k < g.members.size(); ++k) ToCapnp(g.members[k], members[k]);
      if (!g.task.empty()) group.setTask(T(g.task));
    }
  }
  ToCapnp(report.basis, out.initCheckpoint());
}

void ToCapnp(const EligibilityReport& report, rs::EligibilityReport::Builder out) {
  out.setYear(report.year);
  if (report.units) {
    auto lines = out.initUnits(report.lines.size());
    for (uint i = 0; i < report.lines.size(); ++i) {
      const auto& l = report.lines[i];
      auto line = lines[i];
      line.setUnit(T(l.id));
      line.setName(T(l.name));
      SetStrings(line.initOutcomes(l.outcomes.size()), l.outcomes);
      line.setReviewRequired(l.review_required);
      line.setReasons(T(l.reasons));
      SetSeqs(line.initEvents(l.events.size()), l.events);
    }
  } else {
    auto lines = out.initPersons(report.lines.size());
    for (uint i = 0; i < report.lines.size(); ++i) {
      const auto& l = report.lines[i];
      auto line = lines[i];
      line.setPerson(T(l.id));
      line.setName(T(l.name));
      line.setUnit(T(l.unit));
      line.setCategory(l.category ? EnumName(*l.category) : std::string());
      SetStrings(line.initOutcomes(l.outcomes.size()), l.outcomes);
      line.setReviewRequired(l.review_required);
      line.setReasons(T(l.reasons));
      SetSeqs(line.initEvents(l.events.size()), l.events);
    }
  }
  ToCapnp(report.basis, out.initCheckpoint());
}

void ToCapnp(const LeaveReport& report, rs::LeaveReport::Builder out) {
  out.setPerson(T(report.person));
  out.setAccrued(report.accrued);
  out.setGranted(report.granted);
  out.setLeft(report.left);
  out.setRotationGranted(report.rotation_granted);
  ToCapnp(report.basis, out.initCheckpoint());
}

void ToCapnp(const ExplanationsReport& report, rs::ExplanationsReport::Builder out) {
  auto open = out.initOpen(report.open.size());
  for (uint i = 0; i < report.open.size(); ++i) {
    const auto& o = report.open[i];
    auto x = open[i];
    x.setCity(T(o.city));
    x.setName(T(o.name));
    x.setYear(o.year);
    x.setScope(T(o.scope));
    x.setGuarantor(T(o.guarantor));
    x.setAssessedOn(T(o.assessed_on));
    x.setSeq(o.seq);
  }
  ToCapnp(report.basis, out.initCheckpoint());
}

void ToCapnp(const UnevaluatedReport& report, rs::UnevaluatedReport::Builder out) {
  out.setYear(report.year);
  auto persons = out.initPersons(report.persons.size());
  for (uint i = 0; i < report.persons.size(); ++i) {
    const auto& p = report.persons[i];
    auto x = persons[i];
    x.setPerson(T(p.person));
    x.setName(T(p.name));
    x.setUnit(T(p.unit));
    SetStrings(x.initAssignments(p.assignments.size()), p.assignments);
  }
  ToCapnp(report.basis, out.initCheckpoint());
}

std::string RecordJson(const PersonRecordReport& report, const AsOf& as_of) {
  return Encode<rs::PersonRecordReport>(report, as_of);
}

std::string RosterJson(const RosterReport& report) { return Encode<rs::RosterReport>(report); }

std::string EligibilityJson(const EligibilityReport& report) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<rs::EligibilityReport>();
  ToCapnp(report, root);
  auto reader = root.asReader();
  std::string out = "[";
  auto add = [&out](auto lines) {
    for (uint i = 0; i < lines.size(); ++i) out += (i ? ",\n" : "") + ReportJson(lines[i]);
  };
  if (reader.isUnits()) {
    add(reader.getUnits());
  } else {
    add(reader.getPersons());
  }
  return out + "]";
}

std::string CsvField(const std::string& value) {
  std::string v = value;
  if (!v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos) v = "'" + v;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvRow(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvField(cells[i]);
  return out + "\r\n";
}

std::vector<std::vector<std::string>> EligibilityRows(const EligibilityReport& report) {
  auto join = [](const auto& items) {
    std::string out;
    for (const auto& item : items) {
      if constexpr (std::is_same_v<std::decay_t<decltype(item)>, std::string>)
        out += (out.empty() ? "" : ";") + item;
      else
        out += (out.empty() ? "" : ";") + std::to_string(item);
    }
    return out;
  };
  std::vector<std::vector<std::string>> rows;
  if (report.units)
    rows.push_back({"unit", "name", "outcomes", "reviewRequired", "reasons", "events"});
  else
    rows.push_back(
        {"person", "name", "unit", "category", "outcomes", "reviewRequired", "reasons", "events"});
  for (const auto& l : report.lines) {
    std::vector<std::string> row = {l.id, l.name};
    if (!report.units) {
      row.push_back(l.unit);
      row.push_back(l.category ? EnumName(*l.category) : "");
    }
    row.push_back(join(l.outcomes));
    row.push_back(l.review_required ? "true" : "false");
    row.push_back(l.reasons);
    row.push_back(join(l.events));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string EligibilityCsv(const EligibilityReport& report) {
  std::string out = "\xEF\xBB\xBF";  // a byte-order mark: spreadsheets then read UTF-8
  for (const auto& row : EligibilityRows(report)) out += CsvRow(row);
  return out;
}

std::string LeaveJson(const LeaveReport& report) { return Encode<rs::LeaveReport>(report); }

std::string ExplanationsJson(const ExplanationsReport& report) {
  return Encode<rs::ExplanationsReport>(report);
}

std::string UnevaluatedJson(const UnevaluatedReport& report) {
  return Encode<rs::UnevaluatedReport>(report);
}

namespace {

std::string PersonList(const PersonsReport& report) {
  std::string out = "\"persons\":[";
  for (size_t i = 0; i < report.persons.size(); ++i) {
    const PersonRow& p = report.persons[i];
    out += (i ? "," : "") + std::string("{\"person\":") + JsonQuote(p.person) +
           ",\"name\":" + JsonQuote(p.name) + ",\"unit\":" + JsonQuote(p.unit) +
           ",\"category\":" + JsonQuote(p.category) + "}";
  }
  return out + "],\"more\":" + (report.more ? "true" : "false");
}

std::string UnitList(const UnitsReport& report) {
  std::string out = "\"units\":[";
  for (size_t i = 0; i < report.units.size(); ++i) {
    const UnitRow& u = report.units[i];
    out += (i ? "," : "") + std::string("{\"unit\":") + JsonQuote(u.unit) +
           ",\"name\":" + JsonQuote(u.name) + ",\"kind\":" + JsonQuote(u.kind) +
           (u.province.empty() ? std::string() : ",\"province\":" + JsonQuote(u.province)) + "}";
  }
  return out + "]";
}

}  // namespace

std::string PersonsJson(const PersonsReport& report) { return "{" + PersonList(report) + "}"; }

std::string UnitsJson(const UnitsReport& report) { return "{" + UnitList(report) + "}"; }

std::string FindJson(const PersonsReport& persons, const UnitsReport& units) {
  return "{" + PersonList(persons) + "," + UnitList(units) + "}";
}

std::string KeysJson(const KeysReport& report) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < report.keys.size(); ++i) {
    const KeyRow& k = report.keys[i];
    out += (i ? "," : "") + std::string("{\"keyId\":\"") + HexEncode(k.key_id) +
           "\",\"holder\":" + JsonQuote(k.info.holder) +
           ",\"role\":" + JsonQuote(RoleName(k.info.role));
    if (!k.info.unit.empty()) out += ",\"unit\":" + JsonQuote(k.info.unit);
    if (!k.info.person.empty()) out += ",\"person\":" + JsonQuote(k.info.person);
    out += ",\"registeredSeq\":" + std::to_string(k.info.registered_seq) + ",\"revokedSeq\":" +
           (k.info.revoked_seq ? std::to_string(*k.info.revoked_seq) : "null") + "}";
  }
  return out + "]}";
}

std::string SealedDisclosuresJson(schema::Event::Reader event,
                                  const std::vector<SealedValue>& values) {
  auto fields = SealedFieldsOf(event);
  if (fields.empty()) return {};
  std::string out = "[";
  for (size_t i = 0; i < fields.size(); ++i) {
    auto v = std::find_if(values.begin(), values.end(),
                          [&](const SealedValue& x) { return x.field == fields[i].name; });
    out += (i ? "," : "") + std::string("{\"field\":") + JsonQuote(fields[i].name);
    if (v == values.end()) {
      out += ",\"erased\":true}";
    } else {
      out += ",\"salt\":\"" + HexEncode(ByteSpan(v->salt.data(), v->salt.size())) +
             "\",\"value\":" + JsonQuote(v->value) + "}";
    }
  }
  return out + "]";
}

Result<std::string> EntryJson(const LedgerView& view, uint64_t seq, bool sealed, bool* verifies,
                              Entry* decoded) {
  if (seq >= view.size()) {
    return Status::NotFound("no entry at seq " + std::to_string(seq) + "; the log holds " +
                            std::to_string(view.size()) + " entries");
  }
  auto bytes = view.ReadEntryBytes(seq);
  if (!bytes.ok()) return bytes.status();
  auto entry = DecodeEntry(*bytes);
  if (!entry.ok())
    return Status::Corrupt("seq " + std::to_string(seq) + ": " + entry.status().message());
  auto event_view = EventView::FromCanonical(entry->envelope.body);
  if (!event_view.ok())
    return Status::Corrupt("seq " + std::to_string(seq) + ": " + event_view.status().message());
  auto event = event_view->reader();
  // The signer's key: the registry's, or for the genesis entry the key it registers.
  std::optional<PublicKey> key;
  std::string signer;
  auto info = LookUpKey(view.state(), entry->envelope.key_id);
  if (!info.ok()) return info.status();
  if (info->has_value()) {
    auto pub = PublicKey::FromRaw((*info)->public_key);
    if (pub.ok()) key = *pub;
    signer = ",\"publicKey\":\"" + Base64Encode((*info)->public_key) +
             "\",\"signer\":{\"role\":" + JsonQuote(RoleName((*info)->role)) +
             ",\"holder\":" + JsonQuote((*info)->holder) + "}";
  }
  bool verified = key && VerifyEnvelope(entry->envelope, view.origin(), *key);
  if (verifies) *verifies = verified;
  if (decoded) *decoded = *entry;
  std::vector<SealedValue> values;
  if (sealed) {
    auto read = view.ReadSealed(seq);
    if (!read.ok()) return read.status();
    values = std::move(*read);
  }
  auto withdrawal = WithdrawalOf(view, seq);
  if (!withdrawal.ok()) return withdrawal.status();
  std::string out = "{\"seq\":" + std::to_string(seq) +
                    ",\"recordedAt\":" + JsonQuote(FormatTimestamp(entry->recorded_at_us)) +
                    ",\"entry\":\"" + Base64Encode(*bytes) + "\",\"leafHash\":\"" +
                    HexEncode(merkle::LeafHash(*bytes)) + "\",\"keyId\":\"" +
                    HexEncode(entry->envelope.key_id) + "\",\"signature\":\"" +
                    Base64Encode(entry->envelope.signature) + "\",\"signed\":\"" +
                    Base64Encode(SignedMessage(view.origin(), entry->envelope.body)) +
                    "\",\"verified\":" + (verified ? "true" : "false") +
                    ",\"withdrawn\":" + (*withdrawal ? "true" : "false");
  if (*withdrawal) {
    out += ",\"withdrawnBy\":" + std::to_string((*withdrawal)->by) +
           ",\"withdrawnReason\":" + JsonQuote((*withdrawal)->reason);
  }
  if (sealed) {
    std::string disclosures = SealedDisclosuresJson(event, values);
    if (!disclosures.empty()) out += ",\"sealed\":" + disclosures;
  }
  return out + signer + ",\"origin\":" + JsonQuote(view.origin()) +
         ",\"event\":" + view.codec().ToDisplayJson(event, sealed, values) + "}";
}

}  // namespace probity
