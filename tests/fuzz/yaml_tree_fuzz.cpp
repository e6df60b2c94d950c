// Differential fuzz target: the fast YAML reader against yaml-cpp. When the fast reader accepts a
// text, its tree must be identical to the one converted from yaml-cpp's (shape, kinds, styles,
// scalars, marks); when yaml-cpp rejects a text, the fast reader must have declined it.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../unit/zone/yaml_tree_diff.hpp"
#include "horizon/zone/yaml_tree.hpp"

namespace yaml = horizon::zone::yaml;

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  std::vector<std::vector<std::uint8_t>> seeds;
  // Every zone file of the repository, as written by hand, in a fixed order so that a run is
  // reproducible (the driver picks seeds by index).
  std::vector<std::filesystem::path> files;
  for (const char* dir : {HORIZON_SOURCE_DIR "/zones", HORIZON_SOURCE_DIR "/tests/data"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Each construct of the fast reader's subset, and a few just outside it, so that mutations
  // explore the boundary between them.
  const char* snippets[] = {
      "zone: t.example\nttl: 300\nviews:\n  lan: [10.0.0.0/8, \"::1/128\"]\n  public: "
      "[0.0.0.0/0]\n",
      "records:\n  h5: {lan: 10.0.0.5, vpn: 100.64.0.5, public: 198.18.0.5}\n"
      "  \"*\": {lan: gateway}\n  '*.proxy': bifrost   # comment\n",
      "a:\nb:\n  c:\n  d: ~\ne: null\nf: Null\ng: NULL\nh: \"null\"\n",
      "list:\n- a\n- \"b\"\n-\n- 'c''d'\nnext: x\n",
      "- a: 1\n  b: 2\n- - x\n  - y\n-   z: [1, 2]\n- {k: v}\n",
      "x: {a: 1,\n  b: [2,\n 3], c}\ny: [a: b, \"c\": d, e:]\n",
      "big:\n    [1, 2,\n     3]\nk:\n  v\n",
      "s: \"tab\\there \\\"q\\\" \\\\ \\x41\\u00e9\\U0001F600 \\/ \\N\\_\\L\\P\\0\\e\"\n",
      "u: \"héllo wörld\"\n\"ключ\": значение\n€: [€, \"€\"]\n",
      "a: 1\r\nb: [x, y]\r\nc:\r\n  - d\r\n",
      "key with spaces: value with spaces   \nk2  :  v2  # c\n",
      "a: b#c\nd: e #f\n# only a comment\n\n   \n",
      "dup: 1\ndup: 2\n{x: 1}: y\n",
      "anchor: &a [1, 2]\nalias: *a\ntag: !t x\nblock: |\n  text\nfold: >\n  text\n",
      "---\na: 1\n...\n%YAML 1.2\n",
      "? complex\n: value\n",
      "plain: multi\n  line\nquoted: \"multi\n  line\"\n",
      "q: \"one\\\n  two \n\n  three  \"\nr: 'a\n\n\n  b'\ns: \"x\n\"\n",
      "[a, , b]\n",
      "{a: {b: {c: [d, {e: f}]}}}\n",
      "- -1\n- -x\n- .5\n- a:b\n- 'x':y\n",
      "\"a\":b\n",
      "t: \"x\ty\"\n",
      "",
      "# nothing\n",
      "~\n",
      "scalar\n",
  };
  for (const char* s : snippets) seeds.emplace_back(s, s + std::char_traits<char>::length(s));
  return seeds;
}

namespace {

// How often each side was taken: a fuzz run where the fast reader declines everything proves
// nothing, so the run says how many inputs it accepted.
struct Counts {
  long inputs = 0;
  long accepted = 0;
  ~Counts() {
    std::printf("yaml_tree_fuzz: the fast reader accepted %ld of %ld inputs\n", accepted, inputs);
  }
} counts;

[[noreturn]] void fail(const std::string& text, const std::string& why) {
  std::fprintf(stderr, "yaml_tree_fuzz: %s\ninput (%zu bytes): %s\n", why.c_str(), text.size(),
               yaml::testing::quoted(text).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  yaml::Tree fast;
  bool accepted = yaml::parseFast(text, &fast);
  ++counts.inputs;
  counts.accepted += accepted;
  yaml::Tree reference;
  try {
    // A small cap: mutations of the anchor seed can make alias bombs.
    reference = yaml::parseWithYamlCpp(text, 1'000'000);
  } catch (const yaml::ParseError& e) {
    if (accepted) {
      fail(text, std::string("the fast reader accepted a text yaml-cpp rejects: ") + e.what() +
                     " at " + std::to_string(e.mark().line) + ":" +
                     std::to_string(e.mark().column));
    }
    return 0;
  }
  if (accepted) {
    std::string diff = yaml::testing::treeDiff(fast, reference);
    if (!diff.empty()) fail(text, "fast tree vs yaml-cpp's: " + diff);
  }
  return 0;
}
