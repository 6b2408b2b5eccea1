// The report decoders of projections/report_codec.h: the JSON that ReportJson writes (the
// CLI's --json, the server's answers) read back into the report structs, strictly, so that
// the command line as a client prints a server's answer as the local command would.
#include <charconv>
#include <climits>

#include "ledger/json.h"
#include "projections/report_codec.h"

namespace probity {

namespace {

// What `name` (a member's path from the document's root, "" for the root) is called in
// a message.
std::string Quoted(const std::string& name) {
  return name.empty() ? std::string("the document") : "'" + name + "'";
}

// Calls `read(item, path)` for each item of `value`, a list at `path`; the first failure
// is left in `*error` (and ends the walk).
template <typename Read>
void EachItem(json::Element value, const std::string& path, std::string* error, Read read) {
  json::Array list;
  if (value.get(list) != simdjson::SUCCESS) {
    if (error->empty())
      *error = Quoted(path) + " is not a list (it is " + json::Describe(value) + ")";
    return;
  }
  size_t i = 0;
  for (json::Element item : list) {
    if (!error->empty()) return;
    read(item, path + "[" + std::to_string(i++) + "]");
  }
}

// A schema enum's value from its JSON name (EnumName's inverse).
template <typename T>
std::optional<T> EnumFromName(std::string_view name) {
  for (auto e : capnp::Schema::from<T>().getEnumerants()) {
    if (name == e.getProto().getName().cStr()) return static_cast<T>(e.getOrdinal());
  }
  return std::nullopt;
}

// Reads the members of one JSON object for the decoders. The first missing or mistyped
// member is left in `*error`, named by its path from the document's root, and every read
// after it returns a default, so a decoder looks at the error once, at the end.
class Fields {
  static constexpr const char* kWhole = "a whole number, 0 or more";

 public:
  // `path`: the object's own, for messages ("" for the document itself).
  Fields(json::Element value, std::string path, std::string* error)
      : path_(std::move(path)), error_(error) {
    if (value.get(object_) != simdjson::SUCCESS) Mistyped(path_, "an object", value);
  }

  // The path of member `key`.
  std::string Name(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  // Remembers "'NAME' WHAT" unless something failed before.
  void Bad(const std::string& name, const std::string& what) {
    if (error_->empty()) *error_ = Quoted(name) + " " + what;
  }

  bool Has(const char* key) { return error_->empty() && object_[key].error() == simdjson::SUCCESS; }
  // The member; nullopt (and the error) when it is missing or something failed before.
  std::optional<json::Element> Member(const char* key) {
    if (!error_->empty()) return std::nullopt;
    json::Element v;
    if (object_[key].get(v) != simdjson::SUCCESS) {
      Bad(Name(key), "is missing");
      return std::nullopt;
    }
    return v;
  }

  std::string Text(const char* key) {
    return std::string(Scalar<std::string_view>(key, "a string"));
  }
  bool Bool(const char* key) { return Scalar<bool>(key, "true or false"); }
  uint64_t U64(const char* key) { return Scalar<uint64_t>(key, kWhole); }
  uint32_t U32(const char* key) {
    uint64_t v = U64(key);
    if (v > UINT32_MAX) Bad(Name(key), "is out of range (at most 4294967295)");
    return static_cast<uint32_t>(v);
  }
  int32_t I32(const char* key) {
    int64_t v = Scalar<int64_t>(key, "an integer");
    if (v < INT32_MIN || v > INT32_MAX) Bad(Name(key), "is out of range (a 32-bit integer)");
    return static_cast<int32_t>(v);
  }
  template <typename T>
  T Enum(const char* key, const std::string& names) {
    std::string name = Text(key);
    auto e = EnumFromName<T>(name);
    if (!e) Bad(Name(key), "is not " + names);
    return e.value_or(T{});
  }
  // A list of strings, or of whole numbers.
  std::vector<std::string> Texts(const char* key) {
    return List<std::string_view, std::string>(key, "a string");
  }
  std::vector<uint64_t> U64s(const char* key) { return List<uint64_t, uint64_t>(key, kWhole); }
  // Calls `read(Fields&)` for each object in the list at `key`.
  template <typename Read>
  void Each(const char* key, Read read) {
    auto v = Member(key);
    if (!v) return;
    EachItem(*v, Name(key), error_, [&](json::Element item, const std::string& path) {
      Fields f(item, path, error_);
      read(f);
    });
  }
  // The object at `key` as compact JSON. Byte for byte what EventCodec wrote: simdjson
  // escapes strings exactly as Cap'n Proto's JsonCodec does, and events hold no floats.
  std::string ObjectJson(const char* key) {
    auto v = Member(key);
    if (!v) return "";
    if (!v->is_object()) {
      Mistyped(Name(key), "an object", *v);
      return "";
    }
    return simdjson::minify(*v);
  }
  // The report's `checkpoint` (ReportBasis).
  ReportBasis Checkpoint() {
    ReportBasis b;
    auto v = Member("checkpoint");
    if (!v) return b;
    Fields cp(*v, Name("checkpoint"), error_);
    b.tree_size = cp.U64("treeSize");
    std::string hex = cp.Text("root");
    auto root = HexDecode(hex);
    if (!root.ok() || root->size() != b.root.size()) {
      cp.Bad(cp.Name("root"), "is not a hash (64 hex digits)");
    } else {
      std::copy(root->begin(), root->end(), b.root.begin());
    }
    return b;
  }

 private:
  void Mistyped(const std::string& name, const char* want, json::Element v) {
    Bad(name, std::string("is not ") + want + " (it is " + json::Describe(v) + ")");
  }
  template <typename T>
  T Scalar(const char* key, const char* want) {
    T out{};
    auto v = Member(key);
    if (v && v->get(out) != simdjson::SUCCESS) Mistyped(Name(key), want, *v);
    return out;
  }
  template <typename T, typename Out>
  std::vector<Out> List(const char* key, const char* want) {
    std::vector<Out> out;
    auto v = Member(key);
    if (!v) return out;
    EachItem(*v, Name(key), error_, [&](json::Element item, const std::string& path) {
      T x{};
      if (item.get(x) != simdjson::SUCCESS) return Mistyped(path, want, item);
      out.emplace_back(x);
    });
    return out;
  }

  json::Object object_;
  std::string path_;
  std::string* error_;
};

// Parses `json` and reads its root with `read(root, &error)`: the report, or Invalid
// saying it is not `what` and why.
template <typename Report, typename Read>
Result<Report> Decode(std::string_view json, const char* what, Read read) {
  json::Parser parser;
  auto doc = parser.Parse(json);
  if (!doc.ok()) return doc.status();
  std::string error;
  Report report = read(*doc, &error);
  if (!error.empty()) return Status::Invalid(std::string("not ") + what + ": " + error);
  return report;
}

RosterMember MemberFrom(Fields& f) {
  RosterMember m;
  m.person = f.Text("person");
  m.name = f.Text("name");
  m.unit = f.Text("unit");
  m.position = f.Enum<schema::Position>("position", "leader or member");
  m.from = f.Text("from");
  m.to = f.Text("to");
  m.recall_due = f.Bool("recallDue");
  return m;
}

}  // namespace

Result<PersonRecordReport> RecordFromJson(std::string_view json, AsOf* as_of) {
  return Decode<PersonRecordReport>(json, "a record", [&](json::Element doc, std::string* error) {
    Fields f(doc, "", error);
    PersonRecordReport r;
    r.person = f.Text("person");
    r.name = f.Text("name");
    r.unit = f.Text("unit");
    r.category = f.Text("category");
    AsOf asked;
    if (f.Has("asOf")) asked.date = f.Text("asOf");
    if (f.Has("asOfSeq")) {
      if (asked.date) f.Bad(f.Name("asOfSeq"), "is given with 'asOf'");
      asked.seq = f.U64("asOfSeq");
    }
    if (as_of) *as_of = asked;
    f.Each("events", [&](Fields& e) {
      RecordLine l;
      l.seq = e.U64("seq");
      l.date = e.Text("date");
      l.type = e.Text("type");
      l.signer = e.Text("signer");
      if (e.Bool("withdrawn")) {
        l.withdrawn_by = e.U64("withdrawnBy");
        l.withdrawn_reason = e.Text("withdrawnReason");
      }
      l.event_json = e.ObjectJson("event");
      r.lines.push_back(std::move(l));
    });
    r.basis = f.Checkpoint();
    if (f.Has("restricted")) {
      std::string restricted = f.Text("restricted");
      if (restricted != "yes" && restricted != "no")
        f.Bad(f.Name("restricted"), "is not yes or no");
      r.restricted = restricted == "yes";
    }
    return r;
  });
}

Result<RosterReport> RosterFromJson(std::string_view json) {
  return Decode<RosterReport>(json, "a roster", [&](json::Element doc, std::string* error) {
    Fields f(doc, "", error);
    RosterReport r;
    r.date = f.Text("date");
    f.Each("cities", [&](Fields& c) {
      RosterCity city;
      city.city = c.Text("city");
      city.name = c.Text("name");
      city.region = c.Text("region");
      city.secretary = c.Text("secretary");
      city.secretary_name = c.Text("secretaryName");
      c.Each("groups", [&](Fields& g) {
        RosterGroup group;
        group.group = g.Text("group");
        group.kind = g.Text("kind");
        group.lead_unit = g.Text("leadUnit");
        group.lead_unit_name = g.Text("leadUnitName");
        if (auto leader = g.Member("leader"); leader && !leader->is_null()) {
          Fields m(*leader, g.Name("leader"), error);
          group.leader = MemberFrom(m);
        }
        g.Each("members", [&](Fields& m) { group.members.push_back(MemberFrom(m)); });
        if (g.Has("task")) group.task = g.Text("task");
        city.groups.push_back(std::move(group));
      });
      r.cities.push_back(std::move(city));
    });
    r.basis = f.Checkpoint();
    return r;
  });
}

Result<EligibilityReport> EligibilityFromJson(std::string_view json, int year, bool units) {
  return Decode<EligibilityReport>(
      json, "an eligibility list", [&](json::Element doc, std::string* error) {
        EligibilityReport r;
        r.year = year;
        r.units = units;
        EachItem(doc, "", error, [&](json::Element item, const std::string& path) {
          Fields f(item, path, error);
          EligibilityLine l;
          l.id = f.Text(units ? "unit" : "person");
          l.name = f.Text("name");
          if (!units) {
            l.unit = f.Text("unit");
            // "" is what the encoder writes for a line without one.
            if (std::string category = f.Text("category"); !category.empty()) {
              l.category = EnumFromName<schema::StaffCategory>(category);
              if (!l.category) f.Bad(f.Name("category"), "is not a staff category");
            }
          }
          l.outcomes = f.Texts("outcomes");
          l.review_required = f.Bool("reviewRequired");
          l.reasons = f.Text("reasons");
          l.events = f.U64s("events");
          r.lines.push_back(std::move(l));
        });
        return r;
      });
}

Result<LeaveReport> LeaveFromJson(std::string_view json) {
  return Decode<LeaveReport>(json, "a leave balance", [&](json::Element doc, std::string* error) {
    Fields f(doc, "", error);
    LeaveReport r;
    r.person = f.Text("person");
    r.accrued = f.U32("accrued");
    r.granted = f.U32("granted");
    r.left = f.U32("left");
    r.rotation_granted = f.U32("rotationGranted");
    r.basis = f.Checkpoint();
    return r;
  });
}

Result<ExplanationsReport> ExplanationsFromJson(std::string_view json) {
  return Decode<ExplanationsReport>(json, "a list of explanations",
                                    [&](json::Element doc, std::string* error) {
                                      Fields f(doc, "", error);
                                      ExplanationsReport r;
                                      f.Each("open", [&](Fields& o) {
                                        OpenExplanation x;
                                        x.city = o.Text("city");
                                        x.name = o.Text("name");
                                        x.year = o.I32("year");
                                        x.scope = o.Text("scope");
                                        x.guarantor = o.Text("guarantor");
                                        x.assessed_on = o.Text("assessedOn");
                                        x.seq = o.U64("seq");
                                        r.open.push_back(std::move(x));
                                      });
                                      r.basis = f.Checkpoint();
                                      return r;
                                    });
}

Result<UnevaluatedReport> UnevaluatedFromJson(std::string_view json) {
  return Decode<UnevaluatedReport>(json, "a list of unevaluated persons",
                                   [&](json::Element doc, std::string* error) {
                                     Fields f(doc, "", error);
                                     UnevaluatedReport r;
                                     r.year = f.I32("year");
                                     f.Each("persons", [&](Fields& p) {
                                       UnevaluatedPerson x;
                                       x.person = p.Text("person");
                                       x.name = p.Text("name");
                                       x.unit = p.Text("unit");
                                       x.assignments = p.Texts("assignments");
                                       r.persons.push_back(std::move(x));
                                     });
                                     r.basis = f.Checkpoint();
                                     return r;
                                   });
}

Result<PersonsReport> PersonsFromJson(std::string_view json) {
  return Decode<PersonsReport>(json, "a list of persons",
                               [&](json::Element doc, std::string* error) {
                                 Fields f(doc, "", error);
                                 PersonsReport r;
                                 f.Each("persons", [&](Fields& p) {
                                   PersonRow x;
                                   x.person = p.Text("person");
                                   x.name = p.Text("name");
                                   x.unit = p.Text("unit");
                                   x.category = p.Text("category");
                                   r.persons.push_back(std::move(x));
                                 });
                                 r.more = f.Bool("more");
                                 return r;
                               });
}

Result<UnitsReport> UnitsFromJson(std::string_view json) {
  return Decode<UnitsReport>(json, "a list of units", [&](json::Element doc, std::string* error) {
    Fields f(doc, "", error);
    UnitsReport r;
    f.Each("units", [&](Fields& u) {
      UnitRow x;
      x.unit = u.Text("unit");
      x.name = u.Text("name");
      x.kind = u.Text("kind");
      if (u.Has("province")) x.province = u.Text("province");
      r.units.push_back(std::move(x));
    });
    return r;
  });
}

Result<KeysReport> KeysFromJson(std::string_view json) {
  return Decode<KeysReport>(json, "a list of keys", [&](json::Element doc, std::string* error) {
    Fields f(doc, "", error);
    KeysReport r;
    f.Each("keys", [&](Fields& k) {
      KeyRow x;
      auto id = HexDecode(k.Text("keyId"));
      if (!id.ok() || id->size() != x.key_id.size()) {
        k.Bad(k.Name("keyId"), "is not a key id (64 hex digits)");
      } else {
        std::copy(id->begin(), id->end(), x.key_id.begin());
      }
      x.info.holder = k.Text("holder");
      x.info.role = k.Enum<schema::Role>("role", "a role");
      if (k.Has("unit")) x.info.unit = k.Text("unit");
      if (k.Has("person")) x.info.person = k.Text("person");
      x.info.registered_seq = k.U64("registeredSeq");
      if (auto revoked = k.Member("revokedSeq"); revoked && !revoked->is_null())
        x.info.revoked_seq = k.U64("revokedSeq");
      r.keys.push_back(std::move(x));
    });
    return r;
  });
}

}  // namespace probity
