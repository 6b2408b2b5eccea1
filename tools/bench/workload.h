// The benchmark's workload: a national-scale run of the program as valid, pre-signed
// events, written to an events file that probity-bench appends and the PostgreSQL peer
// (tools/bench/peer_postgres) ingests, so both take exactly the same bytes.
//
// The run: 39 cities, about 300 working groups, one sending unit per 4,000 staff (each with
// its dispatcher's key), HR and the Enforcement Bureau; every person registered (HR), both
// courses completed (R2, their unit's dispatcher), then in each of two years one 15-day
// assignment made and ended by that dispatcher (R3, R4) and an evaluation of it
// (enforcement), and for one person in five a commendation, for one in 25 a criticism,
// citing it (R11, R12): 9.24 events a person. Deterministic: the same N, the same bytes.
//
// Events file (little-endian): the 8 bytes "PBEVTS1\n", then per event
//   u32 n | the n bytes Ed25519 signs (ledger/entry.h SignedMessage: "probity/event/v2\n",
//   the origin, "\n", the canonical body) | the signer's 32-byte public key | 64-byte signature
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "ledger/crypto.h"
#include "ledger/entry.h"
#include "ledger/status.h"

namespace probity::bench {

inline constexpr char kEventsMagic[] = "PBEVTS1\n";

// The origin the workload is signed for; the store must be initialised with it.
inline constexpr char kOrigin[] = "bench.probity.local/national";
// The admin key (signs the genesis entry and the registrations).
PrivateKey AdminKey();
// A key of the workload by name ("admin", "hr", "enforcement", "dispatcher-U1", ...).
PrivateKey WorkloadKey(const std::string& name);

// What a run of about `events` events holds.
struct Shape {
  uint64_t persons = 0, units = 0;
};
Shape ShapeOf(uint64_t events);

// Writes about `events` events (whole persons, at least the set-up) to `path` (through a
// temporary file renamed into place), signing on `threads` threads; reports progress
// (events written) now and then. Returns how many were written.
Result<uint64_t> WriteEvents(const std::string& path, uint64_t events, unsigned threads,
                             const std::function<void(uint64_t)>& progress);

// Reads an events file in order.
class EventReader {
 public:
  static Result<EventReader> Open(const std::string& path);
  EventReader(EventReader&& other) noexcept;
  EventReader& operator=(EventReader&&) = delete;
  ~EventReader();
  // The next event as an envelope for `origin`; nullopt at the end. Refuses a record whose
  // message is not this origin's signed form.
  Result<std::optional<Envelope>> Next();
  uint64_t read() const { return read_; }

 private:
  explicit EventReader(std::FILE* f) : f_(f) {}
  std::FILE* f_ = nullptr;
  uint64_t read_ = 0;
};

}  // namespace probity::bench
