#include "ledger/sealed.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <openssl/rand.h>

#include <cstring>
#include <map>
#include <memory>

namespace probity {
namespace {

// Id of the `sealed` annotation in schemas/event.capnp.
constexpr uint64_t kSealedAnnotationId = 0xe7a3c1f25b8d4e09ull;

// The clear-value types a sealed field may name. A newly sealed field of another
// enum adds its enum here (a test checks every annotation resolves).
const std::map<std::string, capnp::EnumSchema>& ValueTypes() {
  static const auto* kTypes = new std::map<std::string, capnp::EnumSchema>{
      {"RestrictionReason", capnp::Schema::from<schema::RestrictionReason>()},
  };
  return *kTypes;
}

}  // namespace

RandomFn SystemRandom() {
  return [](uint8_t* out, size_t size) {
    // RAND_bytes fails only when the OS has no entropy source; then nothing signed
    // may go out with a predictable salt or id, so the process stops.
    if (RAND_bytes(out, static_cast<int>(size)) != 1) {
      std::fputs("probity: the system random source failed\n", stderr);
      std::_Exit(70);
    }
  };
}

RandomFn SeededRandom(std::string seed) {
  auto counter = std::make_shared<uint64_t>(0);
  return [seed = std::move(seed), counter](uint8_t* out, size_t size) {
    while (size > 0) {
      std::string block = seed + "/" + std::to_string((*counter)++);
      Hash h = Sha256(AsBytes(block));
      size_t n = std::min(size, h.size());
      std::memcpy(out, h.data(), n);
      out += n;
      size -= n;
    }
  };
}

Hash SealCommitment(const Salt& salt, std::string_view value) {
  return Sha256({ByteSpan(salt.data(), salt.size()), AsBytes(value)});
}

std::vector<SealedField> SealedFieldsOf(schema::Event::Reader event) {
  std::vector<SealedField> out;
  capnp::DynamicStruct::Reader dyn = event;
  KJ_IF_MAYBE (member, dyn.which()) {
    if (member->getType().isStruct()) {
      auto body = dyn.get(*member).as<capnp::DynamicStruct>();
      for (auto field : member->getType().asStruct().getFields()) {
        for (auto a : field.getProto().getAnnotations()) {
          if (a.getId() != kSealedAnnotationId) continue;
          SealedField sf;
          sf.name = field.getProto().getName();
          sf.value_type = a.getValue().getText();
          auto sealed = body.get(field).as<schema::Sealed>();
          auto c = sealed.getCommitment();
          if (c.size() == sf.commitment.size())
            std::memcpy(sf.commitment.data(), c.begin(), c.size());
          out.push_back(std::move(sf));
        }
      }
    }
  }
  return out;
}

Status CheckSealedText(const std::string& field, const std::string& value_type,
                       std::string_view text) {
  auto it = ValueTypes().find(value_type);
  if (it == ValueTypes().end()) {
    return Status::Invalid("sealed field '" + field + "' names an unknown value type '" +
                           value_type + "'");
  }
  std::string names;
  for (auto e : it->second.getEnumerants()) {
    std::string name = e.getProto().getName();
    if (name == text) return Status::Ok();
    names += (names.empty() ? "" : ", ") + name;
  }
  return Status::Invalid("field '" + field + "': '" + std::string(text) + "' is not one of " +
                         names);
}

Status CheckSealedValue(const SealedField& field, const SealedValue& value) {
  PROBITY_RETURN_IF_ERROR(CheckSealedText(field.name, field.value_type, value.value));
  if (!ConstantTimeEqual(SealCommitment(value.salt, value.value), field.commitment)) {
    return Status::Refused("sealed field '" + field.name +
                           "': the value and salt do not match the signed commitment");
  }
  return Status::Ok();
}

std::string EncodeSealedValue(const SealedValue& value) {
  std::string out(reinterpret_cast<const char*>(value.salt.data()), value.salt.size());
  return out + value.value;
}

Result<SealedValue> DecodeSealedValue(std::string field, std::string_view stored) {
  if (stored.size() <= kSaltSize) {
    return Status::Corrupt("sealed value of '" + field + "' is shorter than its salt");
  }
  SealedValue v;
  v.field = std::move(field);
  std::memcpy(v.salt.data(), stored.data(), kSaltSize);
  v.value = std::string(stored.substr(kSaltSize));
  return v;
}

}  // namespace probity
