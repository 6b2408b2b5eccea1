// The program's reports (projections/reports.h) as Cap'n Proto messages
// (schemas/reports.capnp) and as JSON. One encoder, ReportJson, writes every report
// for the command line's `--json` and for the HTTP server, so the two cannot drift;
// one family of decoders (RecordFromJson, RosterFromJson, ...) reads them back for the
// client, which prints a server's answer as the local command prints its own.
//
// Cap'n Proto's own JsonCodec (0.9.2) is not used: it writes 64-bit integers as
// strings ("seq":"17"), leaves unset pointer fields out where the reports print
// `null` or a default, writes a Void union member as `"name":null`, uses the short
// escapes \b and \f where the CLI has always written \u0008 and \u000c, and has no way
// to embed an event's JSON as an object. ReportJson walks the dynamic schema instead;
// schemas/reports.capnp says exactly what it writes. Stateless and thread-safe.
#pragma once

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <string>
#include <string_view>

#include "projections/reports.h"
#include "schemas/reports.capnp.h"

namespace probity {

// ---- reports as Cap'n Proto --------------------------------------------------------------
// Each fills `out` (a fresh builder) from the report. `as_of` is what the record was
// asked for (it is not part of PersonRecordReport).
void ToCapnp(const ReportBasis& basis, schema::reports::Checkpoint::Builder out);
void ToCapnp(const PersonRecordReport& report, const AsOf& as_of,
             schema::reports::PersonRecordReport::Builder out);
void ToCapnp(const RosterReport& report, schema::reports::RosterReport::Builder out);
void ToCapnp(const EligibilityReport& report, schema::reports::EligibilityReport::Builder out);
void ToCapnp(const LeaveReport& report, schema::reports::LeaveReport::Builder out);
void ToCapnp(const ExplanationsReport& report, schema::reports::ExplanationsReport::Builder out);
void ToCapnp(const UnevaluatedReport& report, schema::reports::UnevaluatedReport::Builder out);

// ---- the one JSON encoder -----------------------------------------------------------------
// Any Cap'n Proto value as compact JSON, as schemas/reports.capnp describes: keys in
// ordinal order, raw UTF-8, control characters escaped (as JsonQuote does), 64-bit
// integers as numbers, enums by name ("unknown" for a value the schema does not name),
// the annotations $omitIfUnset, $nullIfUnset and $rawJson honoured. Data is base64;
// floats that are not finite, and interfaces, are null (no report has them).
std::string ReportJson(capnp::DynamicValue::Reader value);

template <typename Reader>
requires(capnp::kind<capnp::FromReader<Reader>>() == capnp::Kind::STRUCT) std::string
    ReportJson(Reader reader) {
  return ReportJson(capnp::DynamicValue::Reader(capnp::toDynamic(reader)));
}

// ---- the documents the CLI prints for `--json` and the server answers ---------------------
// No trailing newline. Each builds the message with ToCapnp and encodes it with ReportJson.
std::string RecordJson(const PersonRecordReport& report, const AsOf& as_of);
std::string RosterJson(const RosterReport& report);
// The list alone, persons or units as the report has them: "[" elements joined by ",\n"
// "]" (one element a line, as `eligibility --format json` has always printed it; the
// checkpoint is not in it).
std::string EligibilityJson(const EligibilityReport& report);
// The list as CSV (../shared/interface.md, "Eligibility output"): UTF-8 with a byte-order
// mark and CRLF line ends, so spreadsheets read the Chinese names; RFC 4180 quoting; a
// cell a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading
// apostrophe (OWASP's advice on CSV injection). The `eligibility --format csv` bytes.
std::string EligibilityCsv(const EligibilityReport& report);
// The list's cells: the header row, then a row a line (lists joined with ";"), as the CSV
// and a workbook show them.
std::vector<std::vector<std::string>> EligibilityRows(const EligibilityReport& report);
// One CSV cell (RFC 4180 quoting), and a row of them ending in CRLF. A cell that begins
// with = + - @ (or a tab or CR) gets a leading ' so that a spreadsheet never runs it as
// a formula.
std::string CsvField(const std::string& value);
std::string CsvRow(const std::vector<std::string>& cells);
std::string LeaveJson(const LeaveReport& report);
std::string ExplanationsJson(const ExplanationsReport& report);
std::string UnevaluatedJson(const UnevaluatedReport& report);

// The directory (`find`, `persons`, `units`, `keys` and GET /v1/persons, /v1/units,
// /v1/keys): one writer each for the command line and the server. Written directly, not
// through ReportJson, since `keys` writes "revokedSeq":null for a key in force, which the
// schema's annotations cannot say of a scalar.
// {"persons":[{"person","name","unit","category"}...],"more":bool}: `more` when the
// search's limit cut the list.
std::string PersonsJson(const PersonsReport& report);
// {"units":[{"unit","name","kind","province"}...]}: `province` only when the unit has one
// (a provincial department).
std::string UnitsJson(const UnitsReport& report);
// {"keys":[{"keyId","holder","role","unit","person","registeredSeq","revokedSeq"}...]}:
// keyId 64 hex digits; `unit` and `person` only when the key is scoped so; revokedSeq null
// while the key is in force. The public keys are not in it.
std::string KeysJson(const KeysReport& report);
// `find --json`: {"persons":[...],"more":bool,"units":[...]}, as the two above.
std::string FindJson(const PersonsReport& persons, const UnitsReport& units);

// ---- the documents read back ----------------------------------------------------------------
// The inverse of the encoders above, for the client (`probity --server`), which renders a
// server's answer with the local command's printer. Each takes what its encoder writes and
// gives a report that encodes to the same bytes (its `restricted`, and a record's `as_of`
// into `*as_of` when given, included; RecordLine::summary is not in the JSON and stays
// empty). Members the report does not have are ignored, so a newer server's answer still
// reads. Invalid for anything else, naming the first bad member by its path from the
// document's root: "not valid JSON: ...", or e.g. "not a roster: 'cities[0].groups[1]
// .leadUnit' is missing" or "... is not a string (it is a number)".
Result<PersonRecordReport> RecordFromJson(std::string_view json, AsOf* as_of = nullptr);
Result<RosterReport> RosterFromJson(std::string_view json);
// The list alone (EligibilityJson): `year` and `units` are what was asked, and `basis`
// stays zero (the list names no checkpoint).
Result<EligibilityReport> EligibilityFromJson(std::string_view json, int year, bool units);
Result<LeaveReport> LeaveFromJson(std::string_view json);
Result<ExplanationsReport> ExplanationsFromJson(std::string_view json);
Result<UnevaluatedReport> UnevaluatedFromJson(std::string_view json);
Result<PersonsReport> PersonsFromJson(std::string_view json);
Result<UnitsReport> UnitsFromJson(std::string_view json);
// The keys' public keys are not in the document: they stay zero.
Result<KeysReport> KeysFromJson(std::string_view json);

// The disclosures of `event`'s sealed fields from `values` (ReadSealed), as `show --json`
// gives them: [{"field","salt","value"}] or {"field","erased":true} for one no longer kept;
// empty when the event has no sealed field.
std::string SealedDisclosuresJson(schema::Event::Reader event,
                                  const std::vector<SealedValue>& values);

// One entry of the log as `probity show SEQ --json` prints it and GET /v1/entries/SEQ
// answers: its exact bytes, leaf hash, signer (key id, public key, role, holder), the
// signed message and whether the signature verifies, withdrawal, and the event. With
// `sealed`, each sealed field's clear value and salt (or that it was erased). NotFound
// beyond the log; the store's failures otherwise. `*verifies` and `*decoded` (the entry
// read, for a caller that needs more of it), if given, are set.
Result<std::string> EntryJson(const LedgerView& view, uint64_t seq, bool sealed,
                              bool* verifies = nullptr, Entry* decoded = nullptr);

}  // namespace probity
