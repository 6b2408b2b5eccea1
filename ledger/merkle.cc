#include "ledger/merkle.h"

#include <bit>
#include <cstdlib>
#include <string>
#include <utility>

namespace probity::merkle {

namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// A half-open range of leaf indices [begin, end).
struct LeafRange {
  uint64_t begin;
  uint64_t end;
};

// The leaf ranges of the proof hashes that take the complete node (level, index) up to the
// root of a tree of `size` leaves, bottom first: one sibling per level at which the node's
// ancestor has one. A missing sibling means the ancestor is the last node of its level and a
// left child, which RFC 6962 promotes unchanged, so that level adds nothing to the proof.
// A right sibling may be incomplete (it then ends at `size`); a left one never is.
// Requires (index + 1) << level <= size.
std::vector<LeafRange> PathRanges(uint32_t level, uint64_t index, uint64_t size) {
  std::vector<LeafRange> out;
  const uint64_t last_leaf = size - 1;
  for (uint32_t i = level; i < 64 && (last_leaf >> i) != 0; ++i, index >>= 1) {
    const uint64_t sibling = index ^ 1;
    if (sibling > (last_leaf >> i)) continue;
    // Compared as node counts because (sibling + 1) << i can overflow when sibling is last.
    const bool complete = sibling + 1 <= (size >> i);
    out.push_back({sibling << i, complete ? (sibling + 1) << i : size});
  }
  return out;
}

// The hashes of the perfect subtrees that tile [begin, end), largest (leftmost) first: one
// per 1-bit of end - begin. Requires begin to be a multiple of std::bit_floor(end - begin),
// which holds for every subtree of an RFC 6962 tree, so each tile is a stored node.
Result<std::vector<Hash>> PerfectCover(const NodeReader& reader, uint64_t begin, uint64_t end) {
  std::vector<Hash> out;
  const uint64_t count = end - begin;
  uint64_t pos = begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((count & width) == 0) continue;
    Result<Hash> hash = reader.Get(static_cast<uint32_t>(level), pos >> level);
    if (!hash.ok()) {
      return hash.status().WithContext("merkle node (" + std::to_string(level) + ", " +
                                       std::to_string(pos >> level) + ")");
    }
    out.push_back(*hash);
    pos += width;
  }
  return out;
}

// MTH of the leaves covered by `cover` (as PerfectCover returns it): RFC 6962 splits at the
// largest power of two below the size, so the tree is the tiles joined right to left.
Hash FoldCover(const std::vector<Hash>& cover) {
  if (cover.empty()) return EmptyRoot();
  Hash hash = cover.back();
  for (size_t i = cover.size() - 1; i-- > 0;) hash = NodeHash(cover[i], hash);
  return hash;
}

Result<Hash> RangeHash(const NodeReader& reader, LeafRange range) {
  Result<std::vector<Hash>> cover = PerfectCover(reader, range.begin, range.end);
  if (!cover.ok()) return cover.status();
  return FoldCover(*cover);
}

Result<std::vector<Hash>> ReadPath(const NodeReader& reader, uint32_t level, uint64_t index,
                                   uint64_t size) {
  std::vector<Hash> proof;
  for (const LeafRange& range : PathRanges(level, index, size)) {
    Result<Hash> hash = RangeHash(reader, range);
    if (!hash.ok()) return hash.status();
    proof.push_back(*hash);
  }
  return proof;
}

std::string Hex(const Hash& hash) { return HexEncode(hash); }

bool Equal(const Hash& a, const Hash& b) { return ConstantTimeEqual(a, b); }

// The last complete node of the old tree, whose inclusion path into the new tree is the bulk
// of a consistency proof (where RFC 9162 SUBPROOF bottoms out): level = trailing zeros of
// old_size.
struct OldEdge {
  uint32_t level;
  uint64_t index;
};
OldEdge OldEdgeNode(uint64_t old_size) {
  const uint32_t level = static_cast<uint32_t>(std::countr_zero(old_size));
  return {level, (old_size - 1) >> level};
}

size_t ConsistencyProofLength(uint64_t old_size, uint64_t new_size) {
  const OldEdge edge = OldEdgeNode(old_size);
  // A power-of-two old tree is itself that node, which the verifier already holds as old_root.
  const size_t seed = std::has_single_bit(old_size) ? 0 : 1;
  return seed + PathRanges(edge.level, edge.index, new_size).size();
}

// Policy: old_size 0 is rejected, as the transparency-dev vectors require (c2sp tlog-witness
// would accept any tree as consistent with the empty one).
Status CheckConsistencySizes(uint64_t old_size, uint64_t new_size) {
  if (old_size > new_size) {
    return Status::Invalid("consistency: old size " + std::to_string(old_size) +
                           " is larger than new size " + std::to_string(new_size));
  }
  if (old_size == 0) return Status::Invalid("consistency: old size is 0");
  return Status::Ok();
}

}  // namespace

Hash LeafHash(ByteSpan entry) { return Sha256({ByteSpan(&kLeafPrefix, 1), entry}); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256({ByteSpan(&kNodePrefix, 1), left, right});
}

Hash EmptyRoot() { return Sha256(ByteSpan()); }

Result<Frontier> Frontier::Load(const NodeReader& reader, uint64_t size) {
  Result<std::vector<Hash>> cover = PerfectCover(reader, 0, size);
  if (!cover.ok()) return cover.status().WithContext("loading frontier");
  Frontier frontier;
  frontier.size_ = size;
  frontier.edge_ = std::move(*cover);
  return frontier;
}

Hash Frontier::Root() const { return FoldCover(edge_); }

std::vector<Node> Frontier::Append(const Hash& leaf_hash) {
  if (size_ == UINT64_MAX) std::abort();
  const uint64_t leaf = size_;
  std::vector<Node> completed{{0, leaf, leaf_hash}};
  Hash hash = leaf_hash;
  // Each trailing 1-bit of the old size is a perfect subtree that the new leaf's subtree now
  // completes a parent for, exactly like carrying in binary addition.
  for (uint32_t level = 0; (leaf >> level) & 1; ++level) {
    hash = NodeHash(edge_.back(), hash);
    edge_.pop_back();
    completed.push_back({level + 1, leaf >> (level + 1), hash});
  }
  edge_.push_back(hash);
  ++size_;
  return completed;
}

Result<Hash> RootAt(const NodeReader& reader, uint64_t size) {
  Result<std::vector<Hash>> cover = PerfectCover(reader, 0, size);
  if (!cover.ok()) return cover.status().WithContext("root at size " + std::to_string(size));
  return FoldCover(*cover);
}

Result<std::vector<Hash>> InclusionProof(const NodeReader& reader, uint64_t index, uint64_t size) {
  if (index >= size) {
    return Status::Invalid("inclusion proof: index " + std::to_string(index) +
                           " is not below tree size " + std::to_string(size));
  }
  return ReadPath(reader, 0, index, size);
}

Result<std::vector<Hash>> ConsistencyProof(const NodeReader& reader, uint64_t old_size,
                                           uint64_t new_size) {
  PROBITY_RETURN_IF_ERROR(CheckConsistencySizes(old_size, new_size));
  if (old_size == new_size) return std::vector<Hash>{};
  const OldEdge edge = OldEdgeNode(old_size);
  std::vector<Hash> proof;
  if (!std::has_single_bit(old_size)) {
    Result<Hash> seed = reader.Get(edge.level, edge.index);
    if (!seed.ok()) return seed.status().WithContext("consistency proof seed");
    proof.push_back(*seed);
  }
  Result<std::vector<Hash>> path = ReadPath(reader, edge.level, edge.index, new_size);
  if (!path.ok()) return path.status();
  proof.insert(proof.end(), path->begin(), path->end());
  return proof;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) {
    return Status::Invalid("inclusion proof: index " + std::to_string(index) +
                           " is not below tree size " + std::to_string(size));
  }
  const size_t expected = PathRanges(0, index, size).size();
  if (proof.size() != expected) {
    return Status::Corrupt("inclusion proof has " + std::to_string(proof.size()) +
                           " hashes, expected " + std::to_string(expected) + " for index " +
                           std::to_string(index) + " in tree size " + std::to_string(size));
  }
  // RFC 9162 2.1.3.2 step by step. Its sn checks are kept although the length check above
  // should already make them pass.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::Corrupt("inclusion proof: too many hashes for the tree shape");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corrupt("inclusion proof: too few hashes for the tree shape");
  if (!Equal(r, root)) {
    return Status::Corrupt("inclusion proof: computed root " + Hex(r) + " does not match " +
                           Hex(root));
  }
  return Status::Ok();
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const std::vector<Hash>& proof,
                         const Hash& old_root, const Hash& new_root) {
  PROBITY_RETURN_IF_ERROR(CheckConsistencySizes(old_size, new_size));
  if (old_size == new_size) {
    if (!proof.empty()) {
      return Status::Corrupt("consistency proof has " + std::to_string(proof.size()) +
                             " hashes, expected 0 for equal sizes");
    }
    if (!Equal(old_root, new_root)) {
      return Status::Corrupt("consistency: equal sizes but old root " + Hex(old_root) +
                             " does not match new root " + Hex(new_root));
    }
    return Status::Ok();
  }
  const size_t expected = ConsistencyProofLength(old_size, new_size);
  if (proof.size() != expected) {
    return Status::Corrupt("consistency proof has " + std::to_string(proof.size()) +
                           " hashes, expected " + std::to_string(expected) + " for sizes " +
                           std::to_string(old_size) + " -> " + std::to_string(new_size));
  }
  // RFC 9162 2.1.4.2 step by step (its sn checks kept, as above). For a power-of-two old size the
  // proof omits the seed node, which is old_root itself; `next` indexes the first proof hash not
  // yet used.
  size_t next = 0;
  const Hash seed = std::has_single_bit(old_size) ? old_root : proof[next++];
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (; next < proof.size(); ++next) {
    if (sn == 0) return Status::Corrupt("consistency proof: too many hashes for the tree shape");
    const Hash& c = proof[next];
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corrupt("consistency proof: too few hashes for the tree shape");
  if (!Equal(fr, old_root)) {
    return Status::Corrupt("consistency proof: computed old root " + Hex(fr) + " does not match " +
                           Hex(old_root));
  }
  if (!Equal(sr, new_root)) {
    return Status::Corrupt("consistency proof: computed new root " + Hex(sr) + " does not match " +
                           Hex(new_root));
  }
  return Status::Ok();
}

}  // namespace probity::merkle
