// probity-peer-postgres: issue 10's peer. What a user who does not adopt probity would do
// instead: PostgreSQL with a hash-chained, append-only audit table, every event's Ed25519
// signature checked before it is inserted, every batch durable when it commits.
//
//   probity-peer-postgres --conninfo STR --events FILE [--batch 2000] [--clients 4] [--json]
//   probity-peer-postgres --make-test-events N FILE
//
// FILE (written by probity-bench, or by --make-test-events): the 8-byte magic "PBEVTS1\n",
// then records until EOF, each: u32 little-endian message length, the message, the 32-byte
// Ed25519 public key, the 64-byte signature over exactly the message.
//
// Table: events(seq, message, public_key, signature, prev_hash, hash), where
// hash = SHA-256(prev_hash || message || public_key || signature) and the first prev_hash is
// 32 zero bytes. An event whose signature does not verify is refused: the run stops, exit 1.
//
// Measured, each configuration on freshly created tables after a CHECKPOINT:
//   single      one client; per batch: verify its signatures (libsodium, on this thread),
//               then one transaction: read the head (the last row), chain, binary COPY, commit.
//   overlapped  the same inserter; signatures of the coming batches verified ahead of it by
//               one thread per core (a bounded queue).
//   clients     C clients, each its own connection, taking verified batches from the same
//               queue, serialized on a one-row head table (SELECT ... FOR UPDATE).
//   verify      the clients' table read back in seq order (COPY TO, binary): every link and
//               hash recomputed, every signature checked on every core.
//   size        pg_total_relation_size('events') / rows, after VACUUM.
//   latency     2,000 events, each in its own transaction (verify, head, INSERT, commit).
// Every session runs with synchronous_commit = on.
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kMagic[8] = {'P', 'B', 'E', 'V', 'T', 'S', '1', '\n'};
constexpr size_t kKey = 32, kSig = 64, kHash = 32;
constexpr size_t kNone = static_cast<size_t>(-1);
constexpr unsigned kLatencyEvents = 2000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// A failure of the run: printed as "probity-peer-postgres: <what>", exit 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- The events file ------------------------------------------------------------------

// The whole file in memory; each record's message, key and signature are contiguous in it
// (message at off, key at off + len, signature at off + len + 32).
struct Events {
  std::string path;
  std::string blob;
  struct Rec {
    uint64_t off;
    uint32_t len;
  };
  std::vector<Rec> recs;

  size_t size() const { return recs.size(); }
  const unsigned char* Msg(size_t i) const { return At(recs[i].off); }
  const unsigned char* Key(size_t i) const { return At(recs[i].off + recs[i].len); }
  const unsigned char* Sig(size_t i) const { return At(recs[i].off + recs[i].len + kKey); }
  // message || public key || signature, as hashed into the chain.
  size_t BodyLen(size_t i) const { return recs[i].len + kKey + kSig; }

 private:
  const unsigned char* At(uint64_t off) const {
    return reinterpret_cast<const unsigned char*>(blob.data()) + off;
  }
};

Events ReadEvents(const std::string& path) {
  Events ev;
  ev.path = path;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Failure("cannot open the events file " + path + ": " + std::strerror(errno));
  std::streamoff size = in.tellg();
  if (size < 0) throw Failure("cannot read the events file " + path);
  ev.blob.resize(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(ev.blob.data(), size)) throw Failure("cannot read the events file " + path);
  if (ev.blob.size() < sizeof(kMagic) || std::memcmp(ev.blob.data(), kMagic, sizeof(kMagic)))
    throw Failure(path + " is not an events file (it does not start with PBEVTS1)");
  uint64_t pos = sizeof(kMagic);
  while (pos < ev.blob.size()) {
    if (ev.blob.size() - pos < 4)
      throw Failure(path + ": truncated record length at byte " + std::to_string(pos));
    const auto* p = reinterpret_cast<const unsigned char*>(ev.blob.data()) + pos;
    uint32_t len =
        uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    pos += 4;
    if (ev.blob.size() - pos < uint64_t(len) + kKey + kSig)
      throw Failure(path + ": record " + std::to_string(ev.recs.size()) + " at byte " +
                    std::to_string(pos - 4) + " is truncated (message length " +
                    std::to_string(len) + ")");
    ev.recs.push_back({pos, len});
    pos += uint64_t(len) + kKey + kSig;
  }
  if (ev.recs.empty()) throw Failure(path + " holds no events");
  return ev;
}

// --make-test-events: N random messages of 300 to 400 bytes, signed by a few keys.
int MakeTestEvents(uint64_t n, const std::string& path) {
  constexpr int kKeys = 4;
  unsigned char pk[kKeys][kKey], sk[kKeys][crypto_sign_SECRETKEYBYTES];
  for (int k = 0; k < kKeys; ++k) crypto_sign_keypair(pk[k], sk[k]);
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
  std::string out(kMagic, sizeof(kMagic));
  std::string msg;
  unsigned char sig[kSig];
  for (uint64_t i = 0; i < n; ++i) {
    size_t len = 300 + randombytes_uniform(101);
    msg = "{\"type\":\"fieldReport\",\"n\":" + std::to_string(i) + ",\"note\":\"";
    while (msg.size() < len - 2) msg += kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];
    msg += "\"}";
    int k = static_cast<int>(i % kKeys);
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), sk[k]);
    uint32_t l = static_cast<uint32_t>(msg.size());
    const char le[4] = {char(l), char(l >> 8), char(l >> 16), char(l >> 24)};
    out.append(le, 4).append(msg).append(reinterpret_cast<const char*>(pk[k]), kKey);
    out.append(reinterpret_cast<const char*>(sig), kSig);
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(out.data(), static_cast<std::streamsize>(out.size()));
  f.close();
  if (!f) {
    std::fprintf(stderr, "probity-peer-postgres: cannot write %s\n", path.c_str());
    return 1;
  }
  std::fprintf(stderr, "wrote %llu signed events (%d keys) to %s\n", (unsigned long long)n, kKeys,
               path.c_str());
  return 0;
}

// ---- Signatures and the chain -----------------------------------------------------------

bool SignatureOk(const Events& ev, size_t i) {
  return crypto_sign_ed25519_verify_detached(ev.Sig(i), ev.Msg(i), ev.recs[i].len, ev.Key(i)) == 0;
}

// The index of the first event in [begin, end) whose signature does not verify, or kNone.
size_t FirstBadSignature(const Events& ev, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i)
    if (!SignatureOk(ev, i)) return i;
  return kNone;
}

std::string Refusal(const Events& ev, size_t i) {
  return "refused: event " + std::to_string(i) + " (0-based) of " + ev.path +
         ": its Ed25519 signature does not verify against its public key; the run stops "
         "(batches committed before it stay in the table)";
}

// SHA-256 over a few pieces (OpenSSL, which uses the CPU's SHA instructions where present).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_) throw Failure("EVP_MD_CTX_new failed");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Of(const unsigned char* a, size_t alen, const unsigned char* b, size_t blen,
          unsigned char out[kHash]) {
    unsigned int n = 0;
    if (EVP_DigestInit_ex(ctx_, Md(), nullptr) != 1 || EVP_DigestUpdate(ctx_, a, alen) != 1 ||
        EVP_DigestUpdate(ctx_, b, blen) != 1 || EVP_DigestFinal_ex(ctx_, out, &n) != 1 ||
        n != kHash)
      throw Failure("SHA-256 (OpenSSL EVP) failed");
  }

 private:
  static const EVP_MD* Md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!md) throw Failure("OpenSSL has no SHA256");
    return md;
  }
  EVP_MD_CTX* ctx_;
};

struct Head {
  int64_t seq = 0;
  unsigned char hash[kHash] = {0};
};

void PutBE(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetBE(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | p[i];
  return v;
}

void PutField(std::string& out, const unsigned char* p, size_t n) {
  PutBE(out, n, 4);
  out.append(reinterpret_cast<const char*>(p), n);
}

// The binary COPY stream of events [begin, end) chained after `head`; advances `head`.
void BuildCopy(const Events& ev, size_t begin, size_t end, Head& head, Sha256& sha,
               std::string& out) {
  static const char kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', 0};
  out.clear();
  out.append(kSignature, sizeof(kSignature));
  PutBE(out, 0, 4);  // flags
  PutBE(out, 0, 4);  // header extension length
  unsigned char hash[kHash];
  for (size_t i = begin; i < end; ++i) {
    sha.Of(head.hash, kHash, ev.Msg(i), ev.BodyLen(i), hash);
    PutBE(out, 6, 2);
    PutBE(out, 8, 4);
    PutBE(out, static_cast<uint64_t>(head.seq + 1), 8);
    PutField(out, ev.Msg(i), ev.recs[i].len);
    PutField(out, ev.Key(i), kKey);
    PutField(out, ev.Sig(i), kSig);
    PutField(out, head.hash, kHash);
    PutField(out, hash, kHash);
    head.seq += 1;
    std::memcpy(head.hash, hash, kHash);
  }
  PutBE(out, 0xffff, 2);  // trailer: -1
}

// ---- libpq ---------------------------------------------------------------------------

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  ~Result() { PQclear(r_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PGresult* get() const { return r_; }

 private:
  PGresult* r_;
};

class Conn {
 public:
  explicit Conn(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (!c_ || PQstatus(c_) != CONNECTION_OK) {
      std::string why = Trim(c_ ? PQerrorMessage(c_) : "out of memory");
      PQfinish(c_);
      throw Failure("connecting to PostgreSQL (" + conninfo + "): " + why);
    }
    // Each committed transaction durable before COMMIT returns, whatever the server default.
    Exec("SET synchronous_commit = on", "setting synchronous_commit");
    Exec("SET client_min_messages = warning", "setting client_min_messages");  // no NOTICEs
  }
  ~Conn() { PQfinish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  PGconn* get() const { return c_; }

  // Runs SQL that returns nothing or rows; throws naming `what` and libpq's message.
  Result Exec(const char* sql, const std::string& what) {
    return Check(Result(PQexec(c_, sql)), what);
  }
  Result Params(const char* sql, int n, const Oid* types, const char* const* values,
                const int* lengths, const int* formats, const std::string& what) {
    return Check(Result(PQexecParams(c_, sql, n, types, values, lengths, formats, 1)), what);
  }
  Result Check(Result r, const std::string& what) {
    auto st = r.get() ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw Failure(what + ": " + Trim(r.get() ? PQresultErrorMessage(r.get()) : Error()));
    return r;
  }
  std::string Error() const { return Trim(PQerrorMessage(c_)); }

  // COPY events FROM STDIN (FORMAT binary) with a stream from BuildCopy.
  void CopyIn(const std::string& data) {
    Result start(
        PQexec(c_,
               "COPY events (seq, message, public_key, signature, prev_hash, hash) FROM STDIN "
               "(FORMAT binary)"));
    if (!start.get() || PQresultStatus(start.get()) != PGRES_COPY_IN)
      throw Failure("COPY events FROM STDIN: " +
                    Trim(start.get() ? PQresultErrorMessage(start.get()) : Error()));
    constexpr size_t kChunk = 1 << 20;
    for (size_t off = 0; off < data.size(); off += kChunk) {
      int n = static_cast<int>(std::min(kChunk, data.size() - off));
      if (PQputCopyData(c_, data.data() + off, n) != 1)
        throw Failure("COPY events: sending data: " + Error());
    }
    if (PQputCopyEnd(c_, nullptr) != 1) throw Failure("COPY events: ending: " + Error());
    std::optional<std::string> failed;
    while (PGresult* r = PQgetResult(c_)) {
      Result res(r);
      if (PQresultStatus(r) != PGRES_COMMAND_OK && !failed) failed = Trim(PQresultErrorMessage(r));
    }
    if (failed) throw Failure("COPY events: " + *failed);
  }

 private:
  PGconn* c_;
};

std::string One(Conn& c, const char* sql, const std::string& what) {
  Result r = c.Exec(sql, what);
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) < 1) throw Failure(what + ": expected one row");
  return PQgetvalue(r.get(), 0, 0);
}

// Fresh tables for a configuration; then a CHECKPOINT, so that the pages the previous
// configuration dirtied are not written on this one's time.
void ResetTables(Conn& c) {
  c.Exec(
      "DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS head;"
      "CREATE TABLE events (seq bigint PRIMARY KEY, message bytea NOT NULL,"
      "  public_key bytea NOT NULL, signature bytea NOT NULL, prev_hash bytea NOT NULL,"
      "  hash bytea NOT NULL);"
      "CREATE TABLE head (one boolean PRIMARY KEY DEFAULT true CHECK (one),"
      "  seq bigint NOT NULL, hash bytea NOT NULL);"
      "INSERT INTO head VALUES (true, 0, decode(repeat('00', 32), 'hex'))",
      "creating the tables events and head");
  c.Exec("CHECKPOINT", "CHECKPOINT before the configuration");
}

Head ParseHead(const Result& r, const std::string& what) {
  Head h;
  if (PQntuples(r.get()) == 0) return h;  // an empty chain
  if (PQgetlength(r.get(), 0, 0) != 8 || PQgetlength(r.get(), 0, 1) != int(kHash))
    throw Failure(what + ": unexpected head row");
  h.seq = static_cast<int64_t>(
      GetBE(reinterpret_cast<const unsigned char*>(PQgetvalue(r.get(), 0, 0)), 8));
  std::memcpy(h.hash, PQgetvalue(r.get(), 0, 1), kHash);
  return h;
}

// The head of the chain as its single writer reads it: the last row.
Head LastRow(Conn& c) {
  const char* what = "reading the chain head (the last row of events)";
  return ParseHead(c.Params("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", 0, nullptr,
                            nullptr, nullptr, nullptr, what),
                   what);
}

int64_t CountRows(Conn& c) { return std::stoll(One(c, "SELECT count(*) FROM events", "count")); }

// One transaction: read the head, chain [begin, end), COPY, commit.
void CommitBatchSingleWriter(Conn& c, const Events& ev, size_t begin, size_t end, Sha256& sha,
                             std::string& buf) {
  c.Exec("BEGIN", "BEGIN");
  Head head = LastRow(c);
  BuildCopy(ev, begin, end, head, sha, buf);
  c.CopyIn(buf);
  c.Exec("COMMIT", "COMMIT");
}

// One transaction among concurrent writers: lock the head row, chain, COPY, move the head.
void CommitBatchLocked(Conn& c, const Events& ev, size_t begin, size_t end, Sha256& sha,
                       std::string& buf) {
  c.Exec("BEGIN", "BEGIN");
  const char* what = "SELECT seq, hash FROM head FOR UPDATE";
  Head head = ParseHead(c.Params("SELECT seq, hash FROM head FOR UPDATE", 0, nullptr, nullptr,
                                 nullptr, nullptr, what),
                        what);
  BuildCopy(ev, begin, end, head, sha, buf);
  c.CopyIn(buf);
  std::string seq;
  PutBE(seq, static_cast<uint64_t>(head.seq), 8);
  const Oid types[2] = {20, 17};  // int8, bytea
  const char* values[2] = {seq.data(), reinterpret_cast<const char*>(head.hash)};
  const int lengths[2] = {8, int(kHash)};
  const int formats[2] = {1, 1};
  c.Params("UPDATE head SET seq = $1, hash = $2", 2, types, values, lengths, formats,
           "UPDATE head");
  c.Exec("COMMIT", "COMMIT");
}

// ---- Verification ahead of the inserters ------------------------------------------------

// Batches verified by `verifiers` threads, at most `depth` batches ahead of those taken;
// consumers take them in order. The first refusal or failure stops everyone.
class Pipeline {
 public:
  Pipeline(const Events& ev, size_t batch, unsigned verifiers, size_t depth)
      : ev_(ev),
        batch_(batch),
        batches_((ev.size() + batch - 1) / batch),
        depth_(depth),
        verified_(batches_, 0) {
    for (unsigned t = 0; t < verifiers; ++t) threads_.emplace_back([this] { VerifyLoop(); });
  }
  ~Pipeline() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  size_t Begin(size_t b) const { return b * batch_; }
  size_t End(size_t b) const { return std::min(ev_.size(), (b + 1) * batch_); }

  // The next verified batch, or nothing when all are taken or the run stopped.
  std::optional<size_t> Take() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return stop_ || next_take_ >= batches_ || verified_[next_take_]; });
    if (stop_ || next_take_ >= batches_) return std::nullopt;
    size_t b = next_take_++;
    lk.unlock();
    cv_.notify_all();
    return b;
  }

  void Fail(std::string what) {
    {
      std::lock_guard lk(mu_);
      if (!error_) error_ = std::move(what);
      stop_ = true;
    }
    cv_.notify_all();
  }
  std::optional<std::string> Error() {
    std::lock_guard lk(mu_);
    return error_;
  }

 private:
  void VerifyLoop() {
    for (;;) {
      size_t b;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] {
          return stop_ || next_verify_ >= batches_ || next_verify_ < next_take_ + depth_;
        });
        if (stop_ || next_verify_ >= batches_) return;
        b = next_verify_++;
      }
      size_t bad = FirstBadSignature(ev_, Begin(b), End(b));
      if (bad != kNone) return Fail(Refusal(ev_, bad));
      {
        std::lock_guard lk(mu_);
        verified_[b] = 1;
      }
      cv_.notify_all();
    }
  }

  const Events& ev_;
  const size_t batch_, batches_, depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<char> verified_;
  size_t next_verify_ = 0, next_take_ = 0;
  bool stop_ = false;
  std::optional<std::string> error_;
  std::vector<std::thread> threads_;
};

// ---- The configurations ---------------------------------------------------------------

struct Options {
  std::string conninfo, events;
  size_t batch = 2000;
  unsigned clients = 4;
  bool json = false;
};

bool progress_open = false;  // a progress line on stderr waits for its figure

void Progress(const char* fmt, double v) {
  std::fprintf(stderr, fmt, v);
  std::fflush(stderr);
  progress_open = true;
}

void CheckRows(Conn& c, const Events& ev, const char* config) {
  int64_t rows = CountRows(c);
  if (rows != static_cast<int64_t>(ev.size()))
    throw Failure(std::string(config) + ": the table holds " + std::to_string(rows) +
                  " rows, not " + std::to_string(ev.size()));
}

double RunSingle(const Options& o, const Events& ev) {
  Conn c(o.conninfo);
  ResetTables(c);
  Sha256 sha;
  std::string buf;
  auto start = Clock::now();
  for (size_t begin = 0; begin < ev.size(); begin += o.batch) {
    size_t end = std::min(ev.size(), begin + o.batch);
    size_t bad = FirstBadSignature(ev, begin, end);
    if (bad != kNone) throw Failure(Refusal(ev, bad));
    CommitBatchSingleWriter(c, ev, begin, end, sha, buf);
  }
  double rate = double(ev.size()) / Seconds(start);
  CheckRows(c, ev, "single");
  return rate;
}

// `consumers` connections take verified batches; `locked` serializes them on the head table.
double RunPipelined(const Options& o, const Events& ev, unsigned verifiers, unsigned consumers,
                    bool locked, const char* config) {
  std::vector<std::unique_ptr<Conn>> conns;
  for (unsigned i = 0; i < consumers; ++i) conns.push_back(std::make_unique<Conn>(o.conninfo));
  ResetTables(*conns[0]);
  std::optional<std::string> error;
  auto start = Clock::now();
  {
    Pipeline pipe(ev, o.batch, verifiers, std::max<size_t>(2 * verifiers, consumers + verifiers));
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < consumers; ++i) {
      workers.emplace_back([&, i] {
        try {
          Sha256 sha;
          std::string buf;
          while (auto b = pipe.Take()) {
            if (locked)
              CommitBatchLocked(*conns[i], ev, pipe.Begin(*b), pipe.End(*b), sha, buf);
            else
              CommitBatchSingleWriter(*conns[i], ev, pipe.Begin(*b), pipe.End(*b), sha, buf);
          }
        } catch (const std::exception& e) {
          pipe.Fail(std::string(config) + ": " + e.what());
          conns[i].reset();  // ends its transaction, so no other client waits on its lock
        }
      });
    }
    for (auto& w : workers) w.join();
    error = pipe.Error();
  }
  if (error) throw Failure(*error);
  double rate = double(ev.size()) / Seconds(start);
  CheckRows(*conns[0], ev, config);
  return rate;
}

// The table read back in seq order; every link, hash and signature checked.
double RunVerify(const Options& o, int64_t expect, unsigned cores) {
  Conn c(o.conninfo);
  struct Row {
    size_t off;  // prev_hash(32) | message(len) | key(32) | signature(64) | hash(32)
    uint32_t len;
    int64_t seq;
  };
  struct Chunk {
    std::string data;
    std::vector<Row> rows;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Chunk> queue;
  bool done = false;
  std::optional<std::string> error;
  const size_t kMaxQueued = 2 * cores;
  auto fail = [&](std::string what) {
    std::lock_guard lk(mu);
    if (!error) error = std::move(what);
    done = true;
    cv.notify_all();
  };
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < cores; ++t) {
    pool.emplace_back([&] {
      Sha256 sha;
      unsigned char hash[kHash];
      for (;;) {
        Chunk ch;
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return !queue.empty() || done; });
          if (error || queue.empty()) return;
          ch = std::move(queue.front());
          queue.pop_front();
        }
        cv.notify_all();
        for (const Row& r : ch.rows) {
          const auto* p = reinterpret_cast<const unsigned char*>(ch.data.data()) + r.off;
          const unsigned char *msg = p + kHash, *key = msg + r.len, *sig = key + kKey;
          sha.Of(p, kHash, msg, r.len + kKey + kSig, hash);
          if (std::memcmp(hash, sig + kSig, kHash) != 0)
            return fail("verify: row seq " + std::to_string(r.seq) +
                        ": its hash is not SHA-256(prev_hash || message || key || signature)");
          if (crypto_sign_ed25519_verify_detached(sig, msg, r.len, key) != 0)
            return fail("verify: row seq " + std::to_string(r.seq) +
                        ": its signature does not verify");
        }
      }
    });
  }
  int64_t rows = 0;
  try {
    Result r(PQexec(c.get(),
                    "COPY (SELECT seq, message, public_key, signature, prev_hash, hash FROM "
                    "events ORDER BY seq) TO STDOUT (FORMAT binary)"));
    if (!r.get() || PQresultStatus(r.get()) != PGRES_COPY_OUT)
      throw Failure("verify: COPY events TO STDOUT: " +
                    Trim(r.get() ? PQresultErrorMessage(r.get()) : c.Error()));
    std::string in;  // the stream, parsed as it arrives
    size_t pos = 0;
    bool header = false, trailer = false;
    unsigned char last[kHash] = {0};
    Chunk chunk;
    auto flush = [&] {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return queue.size() < kMaxQueued || done; });
      if (error) throw Failure(*error);
      queue.push_back(std::move(chunk));
      chunk = Chunk();
      lk.unlock();
      cv.notify_all();
    };
    for (;;) {
      char* data = nullptr;
      int n = PQgetCopyData(c.get(), &data, 0);
      if (n == -1) break;
      if (n < 0) throw Failure("verify: reading COPY data: " + c.Error());
      in.append(data, size_t(n));
      PQfreemem(data);
      const auto* u = reinterpret_cast<const unsigned char*>(in.data());
      if (!header) {
        if (in.size() < 19) continue;
        if (std::memcmp(in.data(), "PGCOPY\n\377\r\n\0", 11) != 0)
          throw Failure("verify: COPY TO sent no binary header");
        pos = 19 + GetBE(u + 15, 4);
        header = true;
      }
      for (;;) {  // as many whole tuples as have arrived
        if (in.size() - pos < 2) break;
        if (GetBE(u + pos, 2) == 0xffff) {
          trailer = true;
          pos += 2;
          break;
        }
        if (GetBE(u + pos, 2) != 6) throw Failure("verify: a row without 6 fields");
        size_t p = pos + 2, lens[6];
        const unsigned char* fields[6];
        bool whole = true;
        for (int f = 0; f < 6; ++f) {
          if (in.size() - p < 4) {
            whole = false;
            break;
          }
          uint64_t l = GetBE(u + p, 4);
          if (l == 0xffffffff) throw Failure("verify: a NULL field");
          if (in.size() - p - 4 < l) {
            whole = false;
            break;
          }
          fields[f] = u + p + 4;
          lens[f] = l;
          p += 4 + l;
        }
        if (!whole) break;
        pos = p;
        int64_t seq = lens[0] == 8 ? int64_t(GetBE(fields[0], 8)) : -1;
        ++rows;
        if (seq != rows)
          throw Failure("verify: expected seq " + std::to_string(rows) + ", read " +
                        std::to_string(seq));
        if (lens[2] != kKey || lens[3] != kSig || lens[4] != kHash || lens[5] != kHash)
          throw Failure("verify: row seq " + std::to_string(seq) + " has a malformed field");
        if (std::memcmp(fields[4], last, kHash) != 0)
          throw Failure("verify: row seq " + std::to_string(seq) +
                        ": prev_hash is not the previous row's hash");
        std::memcpy(last, fields[5], kHash);
        Row row{chunk.data.size(), uint32_t(lens[1]), seq};
        chunk.data.append(reinterpret_cast<const char*>(fields[4]), kHash);
        for (int f = 1; f <= 3; ++f)
          chunk.data.append(reinterpret_cast<const char*>(fields[f]), lens[f]);
        chunk.data.append(reinterpret_cast<const char*>(fields[5]), kHash);
        chunk.rows.push_back(row);
        if (chunk.rows.size() == 1024) flush();
      }
      if (pos > (1u << 20)) {
        in.erase(0, pos);
        pos = 0;
      }
    }
    Result end(PQgetResult(c.get()));
    if (!end.get() || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
      throw Failure("verify: COPY TO: " +
                    Trim(end.get() ? PQresultErrorMessage(end.get()) : c.Error()));
    while (PGresult* extra = PQgetResult(c.get())) PQclear(extra);
    if (!trailer) throw Failure("verify: the COPY stream ended without its trailer");
    if (!chunk.rows.empty()) flush();
  } catch (const std::exception& e) {
    fail(e.what());
  }
  {
    std::lock_guard lk(mu);
    done = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  if (error) throw Failure(*error);
  double rate = double(rows) / Seconds(start);
  if (rows != expect)
    throw Failure("verify: read " + std::to_string(rows) + " rows, expected " +
                  std::to_string(expect));
  return rate;
}

double BytesPerEvent(const Options& o, int64_t rows) {
  Conn c(o.conninfo);
  c.Exec("VACUUM events", "VACUUM events");
  double bytes = std::stod(
      One(c, "SELECT pg_total_relation_size('events')", "pg_total_relation_size('events')"));
  return bytes / double(rows);
}

// Each of the first 2,000 events in its own transaction: verify, head, INSERT, commit.
std::vector<double> RunLatency(const Options& o, const Events& ev) {
  Conn c(o.conninfo);
  ResetTables(c);
  const Oid types[6] = {20, 17, 17, 17, 17, 17};
  c.Check(Result(PQprepare(c.get(), "ins",
                           "INSERT INTO events (seq, message, public_key, signature, prev_hash,"
                           " hash) VALUES ($1, $2, $3, $4, $5, $6)",
                           6, types)),
          "preparing INSERT INTO events");
  Sha256 sha;
  size_t n = std::min<size_t>(kLatencyEvents, ev.size());
  std::vector<double> ms;
  for (size_t i = 0; i < n; ++i) {
    auto t = Clock::now();
    if (!SignatureOk(ev, i)) throw Failure(Refusal(ev, i));
    c.Exec("BEGIN", "BEGIN");
    Head head = LastRow(c);
    unsigned char hash[kHash];
    sha.Of(head.hash, kHash, ev.Msg(i), ev.BodyLen(i), hash);
    std::string seq;
    PutBE(seq, uint64_t(head.seq + 1), 8);
    const char* values[6] = {seq.data(),
                             reinterpret_cast<const char*>(ev.Msg(i)),
                             reinterpret_cast<const char*>(ev.Key(i)),
                             reinterpret_cast<const char*>(ev.Sig(i)),
                             reinterpret_cast<const char*>(head.hash),
                             reinterpret_cast<const char*>(hash)};
    const int lengths[6] = {8, int(ev.recs[i].len), int(kKey), int(kSig), int(kHash), int(kHash)};
    const int formats[6] = {1, 1, 1, 1, 1, 1};
    c.Check(Result(PQexecPrepared(c.get(), "ins", 6, values, lengths, formats, 1)),
            "INSERT INTO events");
    c.Exec("COMMIT", "COMMIT");
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

double Percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p * double(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string Thousands(double v) {
  std::string s = std::to_string(static_cast<long long>(std::llround(v)));
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
  return s;
}

int Run(const Options& o) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  Events ev = ReadEvents(o.events);
  std::fprintf(stderr, "peer: %zu events from %s, batches of %zu, %u cores\n", ev.size(),
               o.events.c_str(), o.batch, cores);
  std::string version, fsync;
  {
    Conn c(o.conninfo);
    version = One(c, "SHOW server_version", "SHOW server_version");
    version.erase(std::remove_if(version.begin(), version.end(),
                                 [](char ch) { return ch == '"' || ch == '\\' || ch < ' '; }),
                  version.end());
    fsync = One(c, "SHOW fsync", "SHOW fsync");
    std::fprintf(stderr, "peer: PostgreSQL %s, fsync %s, synchronous_commit on\n", version.c_str(),
                 fsync.c_str());
    if (fsync != "on")
      std::fprintf(stderr, "peer: WARNING: fsync is off: no figure below is durable\n");
  }
  std::fprintf(stderr, "peer: single ...");
  progress_open = true;
  double single = RunSingle(o, ev);
  Progress(" %.0f events/s\npeer: overlapped ...", single);
  double overlapped = RunPipelined(o, ev, cores, 1, false, "overlapped");
  Progress(" %.0f events/s\npeer: clients ...", overlapped);
  double clients = RunPipelined(o, ev, cores, o.clients, true, "clients");
  Progress(" %.0f events/s\npeer: verify pass ...", clients);
  double verify = RunVerify(o, int64_t(ev.size()), cores);
  Progress(" %.0f events/s\npeer: size ...", verify);
  double bytes = BytesPerEvent(o, int64_t(ev.size()));
  Progress(" %.1f bytes/event\npeer: latency ...", bytes);
  std::vector<double> lat = RunLatency(o, ev);
  double p50 = Percentile(lat, 0.50), p99 = Percentile(lat, 0.99);
  std::fprintf(stderr, " p50 %.2f ms, p99 %.2f ms\n", p50, p99);
  progress_open = false;

  const char* best_name = "single";
  double best = single;
  if (overlapped > best) best = overlapped, best_name = "overlapped";
  if (clients > best) best = clients, best_name = "clients";

  if (o.json) {
    std::printf(
        "{\"events\":%zu,\"batch\":%zu,\"postgres\":\"%s\",\"fsync\":%s,"
        "\"single\":{\"eventsPerSecond\":%.0f},"
        "\"overlapped\":{\"verifyThreads\":%u,\"eventsPerSecond\":%.0f},"
        "\"clients\":{\"clients\":%u,\"eventsPerSecond\":%.0f},"
        "\"bestEventsPerSecond\":%.0f,\"bestConfiguration\":\"%s\","
        "\"verifyEventsPerSecond\":%.0f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"bytesPerEvent\":%.1f}\n",
        ev.size(), o.batch, version.c_str(), fsync == "on" ? "true" : "false", single, cores,
        overlapped, o.clients, clients, best, best_name, verify, p50, p99, bytes);
  } else {
    std::printf("PostgreSQL %s peer: %zu events, batches of %zu, fsync %s, synchronous_commit on\n",
                version.c_str(), ev.size(), o.batch, fsync.c_str());
    std::printf("  %-58s %12s\n", "configuration", "events/s");
    std::printf("  %-58s %12s\n", "single (verify, then chain + COPY + commit, one client)",
                Thousands(single).c_str());
    std::string ov = "overlapped (" + std::to_string(cores) + " verify threads ahead of 1 client)";
    std::printf("  %-58s %12s\n", ov.c_str(), Thousands(overlapped).c_str());
    std::string cl = "clients (" + std::to_string(o.clients) + ", serialized on the head row)";
    std::printf("  %-58s %12s\n", cl.c_str(), Thousands(clients).c_str());
    std::printf("  %-58s %12s\n", ("best: " + std::string(best_name)).c_str(),
                Thousands(best).c_str());
    std::printf("  %-58s %12s\n", "verify pass (read back, re-hash, every signature)",
                Thousands(verify).c_str());
    std::printf("  latency, %zu events one transaction each: p50 %.2f ms, p99 %.2f ms\n",
                lat.size(), p50, p99);
    std::printf("  size: %.1f bytes/event (pg_total_relation_size, after VACUUM)\n", bytes);
  }
  return 0;
}

int Usage(const char* why) {
  if (why) std::fprintf(stderr, "probity-peer-postgres: %s\n", why);
  std::fprintf(stderr,
               "usage: probity-peer-postgres --conninfo STR --events FILE [--batch 2000] "
               "[--clients 4] [--json]\n"
               "       probity-peer-postgres --make-test-events N FILE\n");
  return 2;
}

bool ParseCount(const char* s, uint64_t& out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno || *end || v == 0 || s[0] == '-') return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) {
    std::fprintf(stderr, "probity-peer-postgres: sodium_init failed\n");
    return 1;
  }
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      Usage(nullptr);
      return 0;
    } else if (a == "--make-test-events") {
      if (i + 2 >= argc || !ParseCount(argv[i + 1], n))
        return Usage("--make-test-events takes a count and a file");
      if (i + 3 != argc) return Usage("--make-test-events takes no other option");
      return MakeTestEvents(n, argv[i + 2]);
    } else if (a == "--conninfo" && next) {
      o.conninfo = argv[++i];
    } else if (a == "--events" && next) {
      o.events = argv[++i];
    } else if (a == "--batch" && next) {
      if (!ParseCount(argv[++i], n)) return Usage("--batch takes a positive count");
      o.batch = n;
    } else if (a == "--clients" && next) {
      if (!ParseCount(argv[++i], n) || n > 1000)
        return Usage("--clients takes a count from 1 to 1000");
      o.clients = static_cast<unsigned>(n);
    } else if (a == "--json") {
      o.json = true;
    } else {
      return Usage(("unknown or incomplete option " + a).c_str());
    }
  }
  if (o.conninfo.empty() || o.events.empty()) return Usage("--conninfo and --events are needed");
  try {
    return Run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%sprobity-peer-postgres: %s\n", progress_open ? "\n" : "", e.what());
    return 1;
  }
}
