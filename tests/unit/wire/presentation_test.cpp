// Names, types, classes and rcodes as text (server/wire/presentation.cpp): one escaping for every
// printer, the query log's buffer form included.
#include "horizon/wire/presentation.hpp"

#include <gtest/gtest.h>

#include <string>

#include "horizon/wire/constants.hpp"

namespace horizon::wire {
namespace {

std::string wireName(std::initializer_list<std::string> labels) {
  std::string out;
  for (const auto& label : labels) {
    out.push_back(static_cast<char>(label.size()));
    out += label;
  }
  out.push_back('\0');
  return out;
}

TEST(TypeNames, MnemonicsAreCaseInsensitive) {
  EXPECT_EQ(typeFromName("A"), type::A);
  EXPECT_EQ(typeFromName("mx"), type::MX);
  EXPECT_EQ(typeFromName("Caa"), type::CAA);
  EXPECT_EQ(typeFromName("any"), type::ANY);
  EXPECT_EQ(typeFromName("https"), 65);
  EXPECT_EQ(typeFromName("NSAP-PTR"), 23);
}

TEST(TypeNames, GenericTypeNumbers) {
  EXPECT_EQ(typeFromName("TYPE65"), 65);
  EXPECT_EQ(typeFromName("type65280"), 65280);
  EXPECT_EQ(typeFromName("TYPE0"), 0);
  EXPECT_EQ(typeFromName("TYPE65535"), 65535);
  EXPECT_FALSE(typeFromName("TYPE65536"));
  EXPECT_FALSE(typeFromName("TYPE"));
  EXPECT_FALSE(typeFromName("TYPEx1"));
  EXPECT_FALSE(typeFromName("TYPE-1"));
  EXPECT_FALSE(typeFromName("TYPE1 "));
}

TEST(TypeNames, UnknownMnemonics) {
  EXPECT_FALSE(typeFromName(""));
  EXPECT_FALSE(typeFromName("lan"));
  EXPECT_FALSE(typeFromName("public"));
  EXPECT_FALSE(typeFromName("AA"));
}

TEST(TypeNames, ToName) {
  EXPECT_EQ(typeToName(type::A), "A");
  EXPECT_EQ(typeToName(type::AAAA), "AAAA");
  EXPECT_EQ(typeToName(type::CAA), "CAA");
  EXPECT_EQ(typeToName(65), "HTTPS");
  EXPECT_EQ(typeToName(65280), "TYPE65280");
  for (std::uint16_t t : {1, 2, 5, 6, 12, 15, 16, 28, 33, 257, 65280})
    EXPECT_EQ(typeFromName(typeToName(t)), t);
}

TEST(ClassNames, KnownAndGeneric) {
  EXPECT_EQ(classToName(kClassIN), "IN");
  EXPECT_EQ(classToName(3), "CH");
  EXPECT_EQ(classToName(4), "HS");
  EXPECT_EQ(classToName(254), "NONE");
  EXPECT_EQ(classToName(255), "ANY");
  EXPECT_EQ(classToName(42), "CLASS42");
}

TEST(RcodeNames, KnownExtendedAndGeneric) {
  EXPECT_EQ(rcodeToName(rcode::NOERROR), "NOERROR");
  EXPECT_EQ(rcodeToName(rcode::FORMERR), "FORMERR");
  EXPECT_EQ(rcodeToName(rcode::SERVFAIL), "SERVFAIL");
  EXPECT_EQ(rcodeToName(rcode::NXDOMAIN), "NXDOMAIN");
  EXPECT_EQ(rcodeToName(rcode::NOTIMP), "NOTIMP");
  EXPECT_EQ(rcodeToName(rcode::REFUSED), "REFUSED");
  EXPECT_EQ(rcodeToName(rcode::BADVERS), "BADVERS");
  EXPECT_EQ(rcodeToName(23), "BADCOOKIE");
  EXPECT_EQ(rcodeToName(12), "RCODE12");
}

TEST(NameText, RoundTripsWithEscapes) {
  const std::string wire = wireName({"a.b", "x\\y", "sp ace", std::string("n\nl", 3), "ok"});
  const std::string text = nameToText(wire);
  EXPECT_EQ(text, "a\\.b.x\\\\y.sp\\032ace.n\\010l.ok.");
  EXPECT_EQ(nameFromText(text, ""), wire);
}

TEST(NameText, SpecialsOfZoneFileSyntaxAreEscaped) {
  EXPECT_EQ(nameToText(wireName({"q\"t", "(p)", "semi;", "at@", "d$"})),
            "q\\\"t.\\(p\\).semi\\;.at\\@.d\\$.");
  EXPECT_EQ(nameToText(std::string(1, '\0')), ".");
  EXPECT_EQ(nameToText(wireName({"\x7f", "\xff"})), "\\127.\\255.");
}

TEST(NameText, BufferFormMatchesTheStringForm) {
  for (const std::string& wire : {wireName({"grafana", "madhan", "app"}), std::string(1, '\0'),
                                  wireName({"a.b", "x y", std::string("\0\1\2", 3), "Caps"})}) {
    char buf[kMaxNameTextSize];
    const std::size_t n = nameToText(reinterpret_cast<const std::uint8_t*>(wire.data()),
                                     wire.size(), buf, sizeof buf);
    EXPECT_EQ(std::string(buf, n), nameToText(wire));
    EXPECT_EQ(buf[n], '\0');
  }
}

TEST(NameText, BufferFormStopsAtTheEndOfTheBuffer) {
  const std::string wire = wireName({"abcdefgh", "ijk"});
  char buf[6];
  const std::size_t n =
      nameToText(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size(), buf, sizeof buf);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(std::string(buf), "abcde");
}

TEST(NameText, ParsingRejectsWhatIsNotAName) {
  std::string error;
  EXPECT_FALSE(nameFromText("a..b.", "", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(nameFromText(std::string(64, 'a') + ".", "", &error));
  EXPECT_FALSE(nameFromText("relative", "", &error));
  EXPECT_FALSE(nameFromText("a\\256.", "", &error));
  EXPECT_EQ(nameFromText("www", wireName({"example"})), wireName({"www", "example"}));
}

}  // namespace
}  // namespace horizon::wire
