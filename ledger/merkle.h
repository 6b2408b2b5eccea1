// The ledger's Merkle tree (RFC 6962 / RFC 9162 section 2.1): hashing, the append frontier,
// roots, and inclusion / consistency proofs with their verifiers.
// Only perfect subtrees are ever stored; every other hash is composed from O(log n) of them,
// so no operation rebuilds the tree. Free functions are pure; a Frontier is a plain value
// (not synchronised), and a NodeReader's thread-safety is that of its implementation.
#pragma once

#include <cstdint>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/status.h"

namespace probity::merkle {

// SHA-256(0x00 || entry): the hash of one leaf.
Hash LeafHash(ByteSpan entry);
// SHA-256(0x01 || left || right): the hash of an interior node.
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of a tree with no leaves.
Hash EmptyRoot();

// A stored node: the hash of the perfect subtree at `level` (0 = leaf) with index `index`,
// covering leaves [index << level, (index + 1) << level).
struct Node {
  uint32_t level;
  uint64_t index;
  Hash hash;
  bool operator==(const Node&) const = default;
};

// Where perfect-subtree hashes are read from (the store implements this over RocksDB; tests
// use a std::map). Get fails (the store's own code, typically kNotFound) when the node is not
// stored; callers here only ask for nodes that lie wholly inside the tree they were given.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<Hash> Get(uint32_t level, uint64_t index) const = 0;
};

// The right edge of a tree of `size` leaves: the perfect subtrees whose sizes are the 1-bits
// of size, largest first. Enough to append and to compute the root without reading anything
// else. A default-constructed Frontier is the empty tree.
class Frontier {
 public:
  Frontier() = default;

  // Reads the popcount(size) perfect subtrees of the right edge (O(log n) reads). Fails with
  // the reader's status if one is missing.
  static Result<Frontier> Load(const NodeReader& reader, uint64_t size);

  uint64_t size() const { return size_; }
  // MTH of the whole tree; EmptyRoot() for size 0.
  Hash Root() const;
  // Appends one leaf hash; returns every node newly completed (the leaf itself at level 0 and
  // each parent that became perfect, in increasing level), which the caller writes to storage
  // in the same batch. The tree must hold fewer than 2^64 - 1 leaves (our bug otherwise).
  std::vector<Node> Append(const Hash& leaf_hash);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> edge_;  // one hash per 1-bit of size_, highest bit first
};

// MTH of the first `size` leaves (EmptyRoot() for 0), from O(log n) reads.
Result<Hash> RootAt(const NodeReader& reader, uint64_t size);

// RFC 9162 2.1.3.1 PATH(index, D[size]), leaf's sibling first, up to a child of the root.
// kInvalid if index >= size; otherwise fails only if the reader does. O(log n) reads.
Result<std::vector<Hash>> InclusionProof(const NodeReader& reader, uint64_t index, uint64_t size);

// RFC 9162 2.1.4.1 PROOF(old_size, D[new_size]) (SUBPROOF with b = true). Empty when the
// sizes are equal; kInvalid if old_size > new_size or old_size == 0 (see VerifyConsistency).
Result<std::vector<Hash>> ConsistencyProof(const NodeReader& reader, uint64_t old_size,
                                           uint64_t new_size);

// RFC 9162 2.1.3.2. Ok if `proof` shows `leaf_hash` at `index` in the tree of `size` leaves
// whose root is `root`. kInvalid if index >= size; kCorrupt, naming what did not match,
// if the proof has the wrong length or does not lead to `root`.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 2.1.4.2. Ok if `proof` shows the tree of old_size leaves with root old_root is a
// prefix of the tree of new_size leaves with root new_root. Equal sizes need an empty proof
// and equal roots. kInvalid if old_size > new_size or old_size == 0; kCorrupt, naming what
// did not match, otherwise.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const std::vector<Hash>& proof,
                         const Hash& old_root, const Hash& new_root);

}  // namespace probity::merkle
