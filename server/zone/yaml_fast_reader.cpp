// The fast reader of the YAML tree: a single pass over the text for the subset zone files are
// written in (block and flow maps and lists, plain and quoted scalars, comments). It must never
// disagree with yaml-cpp: whatever it is not sure to read exactly as yaml-cpp 0.7 does (same
// shape, scalars and marks, including yaml-cpp's own quirks), it declines, and parse() runs
// yaml-cpp instead (yaml_tree_builder.cpp).
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "horizon/zone/yaml_tree.hpp"
#include "huge_pages.hpp"
#include "yaml_readers.hpp"

namespace horizon::zone::yaml {
namespace {

// yaml-cpp's IsNullString for plain scalars (quoted ones are always strings).
bool isNullPlain(std::string_view s) {
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c) {
  if (c <= '9') return c - '0';
  if (c >= 'a') return c - 'a' + 10;
  return c - 'A' + 10;
}

void appendUtf8(std::string* out, std::uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// True when every byte is one the fast reader knows yaml-cpp treats as plain text: printable
// ASCII, '\n', "\r\n" and well-formed UTF-8 outside the C1 controls, U+2028/U+2029 and U+FEFF
// (yaml-cpp guesses the encoding from NULs and byte order marks, stops at 0x04, and so on).
// Lines starting with "---", "..." or '%' are document markers or directives: not in the subset.
// Also counts the indicators that nodes hang on, for *node_estimate: an estimate of the nodes
// that is rarely exceeded (two per ':' for a pair, one per ',', '-', '[' and '{', and some room
// for the block maps, which have no indicator of their own).
bool bytesInSubset(std::string_view text, std::size_t* node_estimate) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::size_t indicators = 0;
  bool line_start = true;
  while (i < n) {
    unsigned char c = s[i];
    if (line_start) {
      line_start = false;
      if (c == '%') return false;
      if ((c == '-' || c == '.') && i + 2 < n && s[i + 1] == c && s[i + 2] == c) return false;
    }
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      if (c == ':' || c == '-') {
        // Indicators only before a space or line break: "2001:db8::1" or "a-b" hold no node.
        if (i == n || s[i] == ' ' || s[i] == '\n' || s[i] == '\r') indicators += c == ':' ? 2 : 1;
      } else if (c == ',' || c == '[' || c == '{') {
        ++indicators;
      }
      continue;
    }
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (c == '\r') {
      if (i + 1 < n && s[i + 1] == '\n') {
        ++i;
        continue;
      }
      return false;
    }
    if (c < 0xC2 || c > 0xF4) return false;  // controls, DEL, stray continuation, overlong lead
    std::size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + len > n) return false;
    std::uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp <= 0x9F || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0xFEFF)
      return false;
    i += len;
  }
  *node_estimate = indicators + indicators / 8 + 16;
  return true;
}

}  // namespace

class FastReader {
 public:
  // readFast's and parseFast's work: on failure *text is left as it was, so parse() can give it
  // to yaml-cpp without a copy.
  static bool run(std::string* text, Tree* out) {
    Tree tree;
    tree.text_ = std::move(*text);
    if (FastReader(&tree).read()) {
      *out = std::move(tree);
      return true;
    }
    *text = std::move(tree.text_);
    return false;
  }

 private:
  explicit FastReader(Tree* tree)
      : tree_(tree), b_(tree->text_.data()), p_(b_), e_(b_ + tree->text_.size()), ls_(b_) {}

  // True when the whole text was read; false when it is outside the subset (or malformed).
  bool read() {
    if (tree_->text_.size() >= std::numeric_limits<std::uint32_t>::max()) return false;
    std::size_t estimate = 0;
    if (!bytesInSubset(tree_->text_, &estimate)) return false;
    // Growing the arrays would copy them and touch fresh pages at every step, which costs more
    // than the parse itself; reserved but unused capacity is never touched, so costs no memory.
    tree_->nodes_.reserve(estimate);
    tree_->children_.reserve(estimate);
    adviseHugePages(tree_->nodes_.data(), tree_->nodes_.capacity() * sizeof(Tree::Entry));
    adviseHugePages(tree_->children_.data(), tree_->children_.capacity() * sizeof(std::uint32_t));
    try {
      skipToContent();
      if (p_ != e_) {
        tree_->root_ = blockNode();
        if (p_ != e_) unsupported();  // yaml-cpp ignores what follows the root; we do not guess
        tree_->has_root_ = true;
      }
    } catch (const Unsupported&) {
      return false;
    }
    return true;
  }

  struct Unsupported {};
  // Deeper than any zone file; yaml-cpp itself gives up at 500 levels.
  static constexpr int kMaxDepth = 100;
  // yaml-cpp drops a simple key whose ':' is more than 1024 characters after its start.
  static constexpr std::ptrdiff_t kMaxKeyLength = 1000;

  [[noreturn]] static void unsupported() { throw Unsupported{}; }

  struct DepthGuard {
    explicit DepthGuard(int* depth) : depth_(depth) {
      if (++*depth_ > kMaxDepth) unsupported();
    }
    ~DepthGuard() { --*depth_; }
    int* depth_;
  };

  static bool isBreak(char c) { return c == '\n' || c == '\r'; }
  bool blankOrEndAt(const char* q) const { return q == e_ || *q == ' ' || isBreak(*q); }
  // What may follow ':' for it to be a value indicator after a plain key in a flow collection.
  bool flowValueEndAt(const char* q) const {
    return blankOrEndAt(q) || *q == ',' || *q == ']' || *q == '}';
  }
  bool atBlockEntry() const { return p_ != e_ && *p_ == '-' && blankOrEndAt(p_ + 1); }
  std::uint32_t col() const { return static_cast<std::uint32_t>(p_ - ls_); }

  void newline() {
    p_ += *p_ == '\r' ? 2 : 1;
    ++line_;
    ls_ = p_;
  }

  void skipSpaces() {
    while (p_ != e_ && *p_ == ' ') ++p_;
  }

  // At '#'. yaml-cpp takes '#' as a comment even right after a quote or bracket; YAML does not,
  // so such text is left to yaml-cpp.
  void skipComment() {
    if (p_ != ls_ && p_[-1] != ' ') unsupported();
    const void* nl = std::memchr(p_, '\n', static_cast<std::size_t>(e_ - p_));
    p_ = nl ? static_cast<const char*>(nl) : e_;
    if (p_ != e_ && p_[-1] == '\r') --p_;
  }

  // Skips spaces, comments and line breaks up to the next content character (or the end).
  void skipToContent() {
    for (;;) {
      skipSpaces();
      if (p_ == e_) return;
      if (*p_ == '#') {
        skipComment();
        if (p_ == e_) return;
      }
      if (!isBreak(*p_)) return;
      newline();
    }
  }

  // After a scalar or flow value in block context only a comment may follow on its line.
  void endOfValueLine() {
    skipSpaces();
    if (p_ == e_ || isBreak(*p_)) return;
    if (*p_ == '#') return skipComment();
    unsupported();
  }

  // At the ':' after a key: yaml-cpp takes it for a simple key only if it is on the key's line
  // and not too far from its start.
  void checkKey(std::uint32_t key, const char* key_start) const {
    if (line_ != tree_->nodes_[key].line || p_ - key_start > kMaxKeyLength) unsupported();
  }

  std::uint32_t addNode(NodeKind kind, std::uint32_t line, std::uint32_t column,
                        bool flow = false) {
    tree_->nodes_.push_back(Tree::Entry{kind, flow, false, line, column, 0, 0});
    return static_cast<std::uint32_t>(tree_->nodes_.size() - 1);
  }

  std::uint32_t addNull(std::uint32_t line, std::uint32_t column) {
    return addNode(NodeKind::kNull, line, column);
  }

  std::uint32_t addText(std::uint32_t line, std::uint32_t column, const char* s, std::size_t n) {
    tree_->nodes_.push_back(Tree::Entry{NodeKind::kScalar, false, false, line, column,
                                        static_cast<std::uint32_t>(s - b_),
                                        static_cast<std::uint32_t>(n)});
    return static_cast<std::uint32_t>(tree_->nodes_.size() - 1);
  }

  std::uint32_t addDecoded(std::uint32_t line, std::uint32_t column, std::string text) {
    tree_->decoded_.push_back(std::move(text));
    tree_->nodes_.push_back(Tree::Entry{NodeKind::kScalar, false, true, line, column,
                                        static_cast<std::uint32_t>(tree_->decoded_.size() - 1), 0});
    return static_cast<std::uint32_t>(tree_->nodes_.size() - 1);
  }

  // Moves the children gathered since `base` into the collection `node`.
  void close(std::uint32_t node, std::size_t base) {
    auto& children = tree_->children_;
    Tree::Entry& e = tree_->nodes_[node];
    e.first = static_cast<std::uint32_t>(children.size());
    e.count = static_cast<std::uint32_t>(pending_.size() - base);
    children.insert(children.end(), pending_.begin() + static_cast<std::ptrdiff_t>(base),
                    pending_.end());
    pending_.resize(base);
  }

  // --- block context

  // The column of an empty value at the end of the text, in a block collection indented
  // `indent` columns. yaml-cpp marks it at the token that closes the collection: at the end of
  // the last line when the spaces (or comment) there already close it, else at column 0 of that
  // line, where the end of the stream closes everything.
  std::uint32_t endColumn(std::uint32_t indent, bool sequence) const {
    std::uint32_t k = col();
    return indent > k || (sequence && indent == k) ? k : 0;
  }

  // The block node whose first character is at p_ (the caller has checked its indentation).
  // Returns with p_ at the next content character or at the end.
  std::uint32_t blockNode() {
    DepthGuard guard(&depth_);
    const std::uint32_t column = col();
    if (atBlockEntry()) return blockSequence(column);
    const char* start = p_;
    bool scalar = false;
    bool quoted = false;
    std::uint32_t node = valueToken(false, &scalar, &quoted);
    skipSpaces();
    if (p_ != e_ && *p_ == ':' && blankOrEndAt(p_ + 1)) {
      if (!scalar) unsupported();  // a collection as a key
      checkKey(node, start);
      return blockMap(column, node);
    }
    endOfValueLine();
    skipToContent();
    return node;
  }

  // A block map indented `indent` columns whose first key has been read; p_ is at its ':'.
  std::uint32_t blockMap(std::uint32_t indent, std::uint32_t first_key) {
    // yaml-cpp marks a block map where its first key starts.
    const Tree::Entry key = tree_->nodes_[first_key];
    std::uint32_t map = addNode(NodeKind::kMap, key.line, key.column);
    std::size_t base = pending_.size();
    pending_.push_back(first_key);
    for (;;) {
      ++p_;  // the ':'
      skipSpaces();
      std::uint32_t value;
      if (p_ == e_ || *p_ == '#' || isBreak(*p_)) {
        // The value is on the following lines, or empty. yaml-cpp marks an empty value at the
        // token after it: the next content, or near the end (endColumn).
        skipToContent();
        if (p_ == e_) {
          value = addNull(line_, endColumn(indent, false));
        } else if (col() > indent) {
          value = blockNode();
        } else if (col() == indent && atBlockEntry()) {
          value = blockSequence(indent);  // "key:\n- item": a list may sit at its key's indent
        } else {
          value = addNull(line_, col());
        }
      } else {
        if (atBlockEntry()) unsupported();  // "key: - item" is an error in yaml-cpp
        bool scalar = false;
        bool quoted = false;
        value = valueToken(false, &scalar, &quoted);
        endOfValueLine();
        skipToContent();
      }
      pending_.push_back(value);
      if (p_ == e_) break;
      std::uint32_t c = col();
      if (c < indent) break;
      // Deeper: a multi-line plain scalar or an error; at the map's indent, a '-' is an error.
      if (c > indent || atBlockEntry()) unsupported();
      const char* start = p_;
      bool scalar = false;
      bool quoted = false;
      std::uint32_t key = valueToken(false, &scalar, &quoted);
      if (!scalar) unsupported();
      skipSpaces();
      if (p_ == e_ || *p_ != ':' || !blankOrEndAt(p_ + 1)) unsupported();
      checkKey(key, start);
      pending_.push_back(key);
    }
    close(map, base);
    return map;
  }

  // A block sequence indented `indent` columns; p_ is at its first '-'.
  std::uint32_t blockSequence(std::uint32_t indent) {
    DepthGuard guard(&depth_);
    std::uint32_t seq = addNode(NodeKind::kSequence, line_, indent);
    std::size_t base = pending_.size();
    for (;;) {
      ++p_;  // the '-'
      skipSpaces();
      std::uint32_t item;
      if (p_ == e_ || *p_ == '#' || isBreak(*p_)) {
        skipToContent();
        if (p_ == e_) {
          item = addNull(line_, endColumn(indent, true));
        } else if (col() > indent) {
          item = blockNode();
        } else {
          item = addNull(line_, col());
        }
      } else {
        item = blockNode();  // "- a", "- - a", "- key: value"
      }
      pending_.push_back(item);
      if (p_ == e_) break;
      std::uint32_t c = col();
      if (c < indent) break;
      if (c > indent) unsupported();
      if (!atBlockEntry()) break;  // "key:\n- a\nnext: b": the list ends at its key's indent
    }
    close(seq, base);
    return seq;
  }

  // --- tokens shared by both contexts

  // A scalar or a flow collection at p_. `*scalar` tells whether it may be a key, `*quoted`
  // whether it was quoted (then ':' right after it is a value indicator in flow context).
  std::uint32_t valueToken(bool flow, bool* scalar, bool* quoted) {
    char c = *p_;
    *scalar = true;
    *quoted = false;
    if (c == '[' || c == '{') {
      *scalar = false;
      return c == '[' ? flowSequence() : flowMap();
    }
    if (c == '\'' || c == '"') {
      *quoted = true;
      return quotedScalar();
    }
    return plain(flow);
  }

  // A plain scalar on one line. Plain scalars may not start with an indicator; '-', '?' and ':'
  // are kept out unless clearly part of a word (yaml-cpp's rules for them differ from YAML's).
  std::uint32_t plain(bool flow) {
    const char* start = p_;
    const char c = *p_;
    switch (c) {
      case ',':
      case '[':
      case ']':
      case '{':
      case '}':
      case '#':
      case '&':
      case '*':
      case '!':
      case '|':
      case '>':
      case '\'':
      case '"':
      case '%':
      case '@':
      case '`':
      case '?':
      case ':':
        unsupported();
      case '-': {
        char next = p_ + 1 == e_ ? ' ' : p_[1];
        bool word = (next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
                    (next >= 'A' && next <= 'Z') || next == '.';
        if (!word) unsupported();
        break;
      }
      default:
        break;
    }
    const char* q = p_ + 1;
    const char* last = q;  // one past the last non-space character
    if (!flow) {
      // Ends at ": ", ":" before a line end, " #" or the line end.
      while (q != e_) {
        char ch = *q;
        if (isBreak(ch)) break;
        if (ch == ':' && blankOrEndAt(q + 1)) break;
        if (ch == '#' && q[-1] == ' ') break;
        ++q;
        if (ch != ' ') last = q;
      }
    } else {
      while (q != e_) {
        char ch = *q;
        if (isBreak(ch) || ch == ',' || ch == ']' || ch == '}') break;
        if (ch == ':' && flowValueEndAt(q + 1)) break;
        if (ch == '#' && q[-1] == ' ') break;
        if (ch == '[' || ch == '{' || ch == '?') unsupported();
        ++q;
        if (ch != ' ') last = q;
      }
    }
    const std::uint32_t line = line_;
    const std::uint32_t column = col();
    p_ = q;
    if (flow && p_ != e_ && isBreak(*p_)) {
      // yaml-cpp folds a flow plain scalar into the next line unless that line starts by
      // closing it; only that case is in the subset.
      const char* r = p_ + (*p_ == '\r' ? 2 : 1);
      while (r != e_ && *r == ' ') ++r;
      if (r == e_ || !(*r == ',' || *r == ']' || *r == '}')) unsupported();
    }
    std::string_view text(start, static_cast<std::size_t>(last - start));
    if (isNullPlain(text)) return addNull(line, column);
    return addText(line, column, start, text.size());
  }

  // A quoted scalar, possibly over several lines, read as yaml-cpp's ScanScalar does: line breaks
  // fold to a space (an empty line to '\n'), spaces around them are dropped, and "\" at the end
  // of a line joins it to the next. Double quotes take yaml-cpp's escapes, with its quirks: \N and
  // \_ give the single bytes 0x85 and 0xA0, not their UTF-8 encodings.
  std::uint32_t quotedScalar() {
    const char quote = *p_;
    const std::uint32_t line = line_;
    const std::uint32_t column = col();
    const char* s = ++p_;
    // The common case: no escape, on one line; the scalar is the text between the quotes.
    const char* r = s;
    while (r != e_ && *r != quote && *r != '\\' && !isBreak(*r)) ++r;
    if (r != e_ && *r == quote && (quote == '"' || r + 1 == e_ || r[1] != '\'')) {
      p_ = r + 1;
      return addText(line, column, s, static_cast<std::size_t>(r - s));
    }
    std::string out;
    std::size_t last_escaped = std::string::npos;  // yaml-cpp's lastEscapedChar
    bool empty_line = false;
    for (;;) {
      std::size_t last_non_space = out.size();
      bool escaped_break = false;
      for (;;) {
        if (p_ == e_) unsupported();  // "end of stream in scalar"
        const char c = *p_;
        if (isBreak(c)) break;
        if (c == quote) {
          if (quote == '"' || p_ + 1 == e_ || p_[1] != '\'') goto closed;
          out.push_back('\'');  // '' in single quotes
          p_ += 2;
          last_non_space = last_escaped = out.size();
          continue;
        }
        if (quote == '"' && c == '\\') {
          if (p_ + 1 == e_) unsupported();
          if (isBreak(p_[1])) {
            ++p_;
            last_non_space = last_escaped = out.size();
            escaped_break = true;
            break;
          }
          escape(&out);
          last_non_space = last_escaped = out.size();
          continue;
        }
        out.push_back(c);
        ++p_;
        if (c != ' ') last_non_space = out.size();
      }
      out.erase(last_non_space);
      newline();
      skipSpaces();
      const bool next_empty = p_ != e_ && isBreak(*p_);
      if (next_empty) {
        out.push_back('\n');
      } else if (!empty_line && !escaped_break) {
        out.push_back(' ');
      }
      empty_line = next_empty;
    }
  closed:
    ++p_;
    // yaml-cpp's CLIP chomping: at most one trailing line break, unless escaped.
    std::size_t pos = out.find_last_not_of('\n');
    if (last_escaped != std::string::npos && (pos == std::string::npos || pos < last_escaped)) {
      pos = last_escaped;
    }
    if (pos == std::string::npos) {
      out.clear();
    } else if (pos + 1 < out.size()) {
      out.erase(pos + 2);
    }
    return addDecoded(line, column, std::move(out));
  }

  // At '\\' in double quotes, not before a line break: appends what the escape stands for.
  void escape(std::string* out) {
    const char c = p_[1];
    p_ += 2;
    int digits = 0;
    switch (c) {
      case '0':
        out->push_back('\0');
        return;
      case 'a':
        out->push_back('\a');
        return;
      case 'b':
        out->push_back('\b');
        return;
      case 't':
        out->push_back('\t');
        return;
      case 'n':
        out->push_back('\n');
        return;
      case 'v':
        out->push_back('\v');
        return;
      case 'f':
        out->push_back('\f');
        return;
      case 'r':
        out->push_back('\r');
        return;
      case 'e':
        out->push_back('\x1B');
        return;
      case ' ':
        out->push_back(' ');
        return;
      case '"':
        out->push_back('"');
        return;
      case '\'':
        out->push_back('\'');
        return;
      case '\\':
        out->push_back('\\');
        return;
      case '/':
        out->push_back('/');
        return;
      case 'N':
        out->push_back('\x85');
        return;
      case '_':
        out->push_back('\xA0');
        return;
      case 'L':
        out->append("\xE2\x80\xA8");
        return;
      case 'P':
        out->append("\xE2\x80\xA9");
        return;
      case 'x':
        digits = 2;
        break;
      case 'u':
        digits = 4;
        break;
      case 'U':
        digits = 8;
        break;
      default:
        unsupported();  // yaml-cpp: "unknown escape character"
    }
    if (e_ - p_ < digits) unsupported();
    std::uint32_t cp = 0;
    for (int i = 0; i < digits; ++i) {
      if (!isHex(p_[i])) unsupported();
      cp = (cp << 4) | static_cast<std::uint32_t>(hexValue(p_[i]));
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) unsupported();  // "invalid unicode"
    appendUtf8(out, cp);
    p_ += digits;
  }

  // --- flow context

  // Skips spaces, comments and line breaks inside a flow collection (indentation does not
  // matter there).
  void skipFlowSpace() { skipToContent(); }

  std::uint32_t flowSequence() {
    DepthGuard guard(&depth_);
    std::uint32_t seq = addNode(NodeKind::kSequence, line_, col(), true);
    std::size_t base = pending_.size();
    ++p_;
    skipFlowSpace();
    for (;;) {
      if (p_ == e_) unsupported();
      if (*p_ == ']') {
        ++p_;
        break;
      }
      if (*p_ == ',') unsupported();  // yaml-cpp reads "[a, , b]" with a null in the middle
      const char* start = p_;
      bool scalar = false;
      bool quoted = false;
      std::uint32_t item = valueToken(true, &scalar, &quoted);
      if (scalar) {
        skipSpaces();
        if (p_ != e_ && *p_ == ':' && (quoted || flowValueEndAt(p_ + 1))) {
          // "[key: value]": a one-pair flow map, marked at its key.
          DepthGuard pair_guard(&depth_);
          checkKey(item, start);
          const Tree::Entry key = tree_->nodes_[item];
          std::uint32_t map = addNode(NodeKind::kMap, key.line, key.column, true);
          ++p_;
          skipFlowSpace();
          if (p_ == e_) unsupported();
          std::uint32_t value;
          if (*p_ == ',' || *p_ == ']') {
            value = addNull(line_, col());
          } else {
            bool s2 = false;
            bool q2 = false;
            value = valueToken(true, &s2, &q2);
          }
          std::size_t map_base = pending_.size();
          pending_.push_back(item);
          pending_.push_back(value);
          close(map, map_base);
          item = map;
        }
      }
      pending_.push_back(item);
      if (endOfFlowEntry(']')) break;
    }
    close(seq, base);
    return seq;
  }

  // After an entry of a flow collection: true when `close` ends the collection (consumed),
  // false after a ',' (an empty entry such as "a, , b" is outside the subset).
  bool endOfFlowEntry(char close) {
    skipFlowSpace();
    if (p_ == e_) unsupported();
    if (*p_ == ',') {
      ++p_;
      skipFlowSpace();
      if (p_ != e_ && *p_ == ',') unsupported();
      return false;
    }
    if (*p_ != close) unsupported();
    ++p_;
    return true;
  }

  std::uint32_t flowMap() {
    DepthGuard guard(&depth_);
    std::uint32_t map = addNode(NodeKind::kMap, line_, col(), true);
    std::size_t base = pending_.size();
    ++p_;
    skipFlowSpace();
    for (;;) {
      if (p_ == e_) unsupported();
      if (*p_ == '}') {
        ++p_;
        break;
      }
      if (*p_ == ',') unsupported();
      const char* start = p_;
      bool scalar = false;
      bool quoted = false;
      std::uint32_t key = valueToken(true, &scalar, &quoted);
      if (!scalar) unsupported();
      skipSpaces();  // the ':' must be on the key's line (a simple key)
      if (p_ == e_) unsupported();
      std::uint32_t value;
      if (*p_ == ':' && (quoted || flowValueEndAt(p_ + 1))) {
        checkKey(key, start);
        ++p_;
        skipFlowSpace();
        if (p_ == e_) unsupported();
        if (*p_ == ',' || *p_ == '}') {
          value = addNull(line_, col());
        } else {
          bool s2 = false;
          bool q2 = false;
          value = valueToken(true, &s2, &q2);
        }
      } else if (*p_ == ',' || *p_ == '}') {
        // "{a, b}": keys without values; yaml-cpp marks the null at the ',' or '}'.
        checkKey(key, start);
        value = addNull(line_, col());
      } else {
        unsupported();
      }
      pending_.push_back(key);
      pending_.push_back(value);
      if (endOfFlowEntry('}')) break;
    }
    close(map, base);
    return map;
  }

  Tree* tree_;
  const char* b_;   // the text
  const char* p_;   // the read position
  const char* e_;   // the end of the text
  const char* ls_;  // the start of the current line
  std::uint32_t line_ = 0;
  int depth_ = 0;
  std::vector<std::uint32_t> pending_;  // children of the collections being read
};

bool readFast(std::string* text, Tree* out) {
  return FastReader::run(text, out);
}

bool parseFast(std::string text, Tree* out) {
  return FastReader::run(&text, out);
}

}  // namespace horizon::zone::yaml
