// Derived state as key-value records, and the transaction that folds a batch of
// events into it before anything is written. The same fold runs over the store
// (append) and over a ScratchStore (verify, rebuild; ledger/store.h), so both see
// identical rules. Not thread-safe:
// one writer owns a StateTxn; a StateReader base may be shared if it is immutable.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace probity {

class StateReader {
 public:
  virtual ~StateReader() = default;
  // The record at `key`, or nullopt when there is none. Fails only on I/O.
  virtual Result<std::optional<std::string>> Get(std::string_view key) const = 0;
  // Every record whose key starts with `prefix`, key -> value. For small index prefixes
  // (it holds them all in memory). Fails only on I/O.
  virtual Result<std::map<std::string, std::string>> Scan(std::string_view prefix) const = 0;
};

inline bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

// Reads through pending writes to a base; collects writes until the caller commits them.
class StateTxn final : public StateReader {
 public:
  explicit StateTxn(const StateReader& base) : base_(base) {}

  Result<std::optional<std::string>> Get(std::string_view key) const override {
    auto it = pending_.find(std::string(key));
    if (it != pending_.end()) return it->second;
    return base_.Get(key);
  }
  Result<std::map<std::string, std::string>> Scan(std::string_view prefix) const override {
    auto out = base_.Scan(prefix);
    if (!out.ok()) return out.status();
    for (auto it = pending_.lower_bound(std::string(prefix));
         it != pending_.end() && HasPrefix(it->first, prefix); ++it) {
      if (it->second)
        (*out)[it->first] = *it->second;
      else
        out->erase(it->first);
    }
    return out;
  }
  void Put(std::string key, std::string value) { pending_[std::move(key)] = std::move(value); }
  void Delete(std::string key) { pending_[std::move(key)] = std::nullopt; }

  // nullopt marks a deletion.
  const std::map<std::string, std::optional<std::string>>& pending() const { return pending_; }

 private:
  const StateReader& base_;
  std::map<std::string, std::optional<std::string>> pending_;
};

}  // namespace probity
