#include "projections/records.h"

#include <type_traits>

namespace probity::records {
namespace {

// Field order is the stored format: append new fields at the end, never reorder.
template <typename Io>
void Fields(Io& io, Item& r) {
  io(r.seq, r.withdrawn_by);
}
template <typename Io>
void Fields(Io& io, Training& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.course, r.mode, r.date);
}
template <typename Io>
void Fields(Io& io, Restriction& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.from, r.until);
}
template <typename Io>
void Fields(Io& io, Lift& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.date);
}
template <typename Io>
void Fields(Io& io, Leave& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.days, r.kind, r.from);
}
template <typename Io>
void Fields(Io& io, Mark& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.commendation, r.ground, r.date, r.evaluation);
}
template <typename Io>
void Fields(Io& io, Principal& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.name, r.date);
}
template <typename Io>
void Fields(Io& io, CalendarEdition& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.holidays, r.workdays);
}
template <typename Io>
void Fields(Io& io, Calendar& r) {
  io(r.editions);
}
template <typename Io>
void Fields(Io& io, Person& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.name, r.unit, r.category, r.training, r.restrictions, r.lifts, r.assignments, r.leave,
     r.marks, r.evaluations);
}
template <typename Io>
void Fields(Io& io, Unit& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.name, r.kind, r.marks, r.province, r.principals, r.groups, r.cities, r.evaluations);
}
template <typename Io>
void Fields(Io& io, Branch& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.lead_unit, r.secretary, r.date);
}
template <typename Io>
void Fields(Io& io, Target& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.year, r.scope, r.met, r.date);
}
template <typename Io>
void Fields(Io& io, Explanation& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.year, r.scope, r.unit, r.date, r.principal);
}
template <typename Io>
void Fields(Io& io, City& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.name, r.guarantor, r.region, r.groups, r.branches, r.targets, r.explanations);
}
template <typename Io>
void Fields(Io& io, Disbanding& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.date);
}
template <typename Io>
void Fields(Io& io, Group& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.city, r.lead_unit, r.task, r.kind, r.formed, r.disbandings, r.longest);
}
template <typename Io>
void Fields(Io& io, Ending& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.date, r.reason);
}
template <typename Io>
void Fields(Io& io, Report& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.date, r.kind);
}
template <typename Io>
void Fields(Io& io, Assignment& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.person, r.group, r.from, r.to, r.position, r.endings, r.id, r.reports);
}
template <typename Io>
void Fields(Io& io, Evaluation& r) {
  Fields(io, static_cast<Item&>(r));
  io(r.subject_is_person, r.subject, r.grade, r.date, r.marks);
}
template <typename Io>
void Fields(Io& io, Touch& r) {
  io(r.type, r.keys);
}

// Writes values in order. Grammar: uint = LEB128; int = zig-zag LEB128;
// string = uint(length) bytes; optional = uint(0|1) [value]; list = uint(n) n*value.
class Writer {
 public:
  std::string out;
  void Uint(uint64_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      out.push_back(static_cast<char>(b | (v ? 0x80 : 0)));
    } while (v);
  }
  template <typename... T>
  void operator()(const T&... values) {
    (Value(values), ...);
  }

  void Value(bool v) { Uint(v ? 1 : 0); }
  void Value(uint64_t v) { Uint(v); }
  void Value(uint32_t v) { Uint(v); }
  void Value(uint16_t v) { Uint(v); }
  void Value(int v) { Uint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 31)); }
  void Value(const std::string& s) {
    Uint(s.size());
    out += s;
  }
  template <typename T>
  void Value(const std::optional<T>& v) {
    Value(v.has_value());
    if (v) Value(*v);
  }
  template <typename T>
  void Value(const std::vector<T>& list) {
    Uint(list.size());
    for (const auto& v : list) Value(v);
  }
  template <typename T, typename = std::enable_if_t<std::is_class_v<T>>>
  void Value(const T& record) {
    Fields(*this, const_cast<T&>(record));
  }
};

// Reads what Writer wrote, through one bounds-checked cursor; any overrun or
// leftover byte marks the record corrupt.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  uint64_t Uint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  template <typename... T>
  void operator()(T&... values) {
    (Value(values), ...);
  }

  void Value(bool& v) { v = Uint() != 0; }
  void Value(uint64_t& v) { v = Uint(); }
  void Value(uint32_t& v) { v = static_cast<uint32_t>(Uint()); }
  void Value(uint16_t& v) { v = static_cast<uint16_t>(Uint()); }
  void Value(int& v) {
    uint64_t u = Uint();
    v = static_cast<int>(static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1));
  }
  void Value(std::string& s) {
    uint64_t n = Uint();
    if (!ok_ || n > in_.size() - pos_) {
      Fail();
      return;
    }
    s.assign(in_.substr(pos_, n));
    pos_ += n;
  }
  template <typename T>
  void Value(std::optional<T>& v) {
    bool has = false;
    Value(has);
    if (has) {
      T t{};
      Value(t);
      v = std::move(t);
    } else {
      v.reset();
    }
  }
  template <typename T>
  void Value(std::vector<T>& list) {
    uint64_t n = Uint();
    if (!ok_ || n > in_.size() - pos_) {  // every element takes at least one byte
      Fail();
      return;
    }
    list.assign(n, T{});
    for (auto& v : list) Value(v);
  }
  template <typename T, typename = std::enable_if_t<std::is_class_v<T>>>
  void Value(T& record) {
    Fields(*this, record);
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

const Ending* Assignment::ended() const {
  for (const auto& e : endings) {
    if (e.live()) return &e;
  }
  return nullptr;
}

const Principal* Unit::principal_on(Day day) const {
  const Principal* best = nullptr;
  for (const auto& p : principals) {
    if (p.live() && p.date <= day && (!best || p.date >= best->date)) best = &p;
  }
  return best;
}

const CalendarEdition* Calendar::in_force() const {
  for (auto it = editions.rbegin(); it != editions.rend(); ++it) {
    if (it->live()) return &*it;
  }
  return nullptr;
}

Day Assignment::last_day() const {
  const Ending* e = ended();
  return e ? e->date : to;
}

template <typename T>
std::string Encode(const T& record) {
  Writer w;
  w.Value(record);
  return std::move(w.out);
}

template <typename T>
Status Decode(std::string_view bytes, T* record) {
  Reader r(bytes);
  *record = T{};
  r.Value(*record);
  if (!r.ok() || !r.done()) return Status::Corrupt("a state record does not decode");
  return Status::Ok();
}

template <typename T>
Result<std::optional<T>> Get(const StateReader& state, const std::string& key) {
  auto v = state.Get(key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<T>();
  T record;
  Status st = Decode(**v, &record);
  if (!st.ok()) return st.WithContext("state record '" + key + "'");
  return std::optional<T>(std::move(record));
}

template <typename T>
void Put(StateTxn& txn, const std::string& key, const T& record) {
  txn.Put(key, Encode(record));
}

#define PROBITY_RECORD(T)                                                           \
  template std::string Encode<T>(const T&);                                         \
  template Status Decode<T>(std::string_view, T*);                                  \
  template Result<std::optional<T>> Get<T>(const StateReader&, const std::string&); \
  template void Put<T>(StateTxn&, const std::string&, const T&);
PROBITY_RECORD(Person)
PROBITY_RECORD(Unit)
PROBITY_RECORD(City)
PROBITY_RECORD(Group)
PROBITY_RECORD(Assignment)
PROBITY_RECORD(Evaluation)
PROBITY_RECORD(Touch)
PROBITY_RECORD(Calendar)
#undef PROBITY_RECORD

}  // namespace probity::records
