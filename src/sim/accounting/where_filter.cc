// SPDX-License-Identifier: MIT
#include "sim/accounting/where_filter.h"

#include <fmt/format.h>

#include <cctype>

#include "sim/accounting/decimal.h"
#include "sim/accounting/xero_json.h"

namespace xero_sim {

struct WhereFilter::Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kMethod };
  enum class Literal { kString, kGuid, kNumber, kBool, kNull };
  Kind kind = Kind::kCompare;
  std::shared_ptr<const Node> left, right;
  std::string field;
  std::string op;  // "==", "!=", "<", ... or the method name
  Literal literal_kind = Literal::kString;
  std::string literal;
};

namespace {

using Node = WhereFilter::Node;
using NodePtr = std::shared_ptr<const Node>;

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& fields)
      : s_(text), fields_(fields) {}

  std::expected<NodePtr, std::string> Run() {
    auto n = ParseOr();
    if (!n) return n;
    SkipSpace();
    if (pos_ != s_.size())
      return std::unexpected(fmt::format("unexpected text at position {}", pos_));
    return n;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Keyword(std::string_view word) {
    SkipSpace();
    if (s_.size() - pos_ < word.size()) return false;
    if (!EqualsIgnoreCase(s_.substr(pos_, word.size()), word)) return false;
    std::size_t end = pos_ + word.size();
    if (std::isalpha(static_cast<unsigned char>(word[0])) && end < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_'))
      return false;
    pos_ = end;
    return true;
  }
  std::expected<NodePtr, std::string> ParseOr() {
    auto left = ParseAnd();
    if (!left) return left;
    while (Keyword("||") || Keyword("OR")) {
      auto right = ParseAnd();
      if (!right) return right;
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kOr;
      n->left = *left;
      n->right = *right;
      left = n;
    }
    return left;
  }
  std::expected<NodePtr, std::string> ParseAnd() {
    auto left = ParseUnary();
    if (!left) return left;
    while (Keyword("&&") || Keyword("AND")) {
      auto right = ParseUnary();
      if (!right) return right;
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kAnd;
      n->left = *left;
      n->right = *right;
      left = n;
    }
    return left;
  }
  std::expected<NodePtr, std::string> ParseUnary() {
    SkipSpace();
    if ((pos_ + 1 < s_.size() && s_[pos_] == '!' && s_[pos_ + 1] != '=') || Keyword("NOT")) {
      if (s_[pos_] == '!') ++pos_;
      auto inner = ParseUnary();
      if (!inner) return inner;
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kNot;
      n->left = *inner;
      return NodePtr(n);
    }
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      auto inner = ParseOr();
      if (!inner) return inner;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ')') return std::unexpected(std::string("missing ')'"));
      ++pos_;
      return inner;
    }
    return ParseComparison();
  }
  std::expected<std::string, std::string> ParseField() {
    SkipSpace();
    std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == '.'))
      ++pos_;
    std::string name(s_.substr(start, pos_ - start));
    if (name.empty())
      return std::unexpected(fmt::format("expected a field name at position {}", start));
    return name;
  }
  const std::string* CanonicalField(std::string_view name) const {
    for (const auto& f : fields_)
      if (EqualsIgnoreCase(f, name)) return &f;
    return nullptr;
  }
  std::expected<std::string, std::string> ParseString() {
    SkipSpace();
    if (pos_ >= s_.size() || s_[pos_] != '"')
      return std::unexpected(std::string("expected a string"));
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    if (pos_ >= s_.size()) return std::unexpected(std::string("unterminated string"));
    ++pos_;
    return out;
  }
  std::expected<NodePtr, std::string> ParseComparison() {
    auto raw = ParseField();
    if (!raw) return std::unexpected(raw.error());
    auto n = std::make_shared<Node>();
    // Method call: Field.Contains("x")
    for (const char* method : {"Contains", "StartsWith", "EndsWith"}) {
      std::string suffix = std::string(".") + method;
      if (raw->size() > suffix.size() &&
          EqualsIgnoreCase(raw->substr(raw->size() - suffix.size()), suffix)) {
        std::string field = raw->substr(0, raw->size() - suffix.size());
        const std::string* canonical = CanonicalField(field);
        if (canonical == nullptr) return std::unexpected(fmt::format("unknown field '{}'", field));
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '(')
          return std::unexpected(std::string("expected '('"));
        ++pos_;
        auto arg = ParseString();
        if (!arg) return std::unexpected(arg.error());
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != ')')
          return std::unexpected(std::string("expected ')'"));
        ++pos_;
        n->kind = Node::Kind::kMethod;
        n->field = *canonical;
        n->op = method;
        n->literal = *arg;
        return NodePtr(n);
      }
    }
    const std::string* canonical = CanonicalField(*raw);
    if (canonical == nullptr) return std::unexpected(fmt::format("unknown field '{}'", *raw));
    n->field = *canonical;
    SkipSpace();
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (s_.substr(pos_).starts_with(op)) {
        n->op = op;
        pos_ += std::string_view(op).size();
        break;
      }
    }
    if (n->op.empty()) return std::unexpected(fmt::format("expected an operator after '{}'", *raw));
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '"') {
      auto str = ParseString();
      if (!str) return std::unexpected(str.error());
      n->literal = *str;
    } else if (Keyword("guid")) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '(')
        return std::unexpected(std::string("expected '(' after guid"));
      ++pos_;
      auto str = ParseString();
      if (!str) return std::unexpected(str.error());
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ')') return std::unexpected(std::string("expected ')'"));
      ++pos_;
      if (!IsGuid(*str)) return std::unexpected(fmt::format("'{}' is not a guid", *str));
      n->literal_kind = Node::Literal::kGuid;
      n->literal = *str;
    } else if (Keyword("true")) {
      n->literal_kind = Node::Literal::kBool;
      n->literal = "true";
    } else if (Keyword("false")) {
      n->literal_kind = Node::Literal::kBool;
      n->literal = "false";
    } else if (Keyword("null")) {
      n->literal_kind = Node::Literal::kNull;
    } else {
      std::size_t start = pos_;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '.' || s_[pos_] == '-'))
        ++pos_;
      std::string num(s_.substr(start, pos_ - start));
      if (!Decimal::Parse(num))
        return std::unexpected(fmt::format("bad literal at position {}", start));
      n->literal_kind = Node::Literal::kNumber;
      n->literal = num;
    }
    return NodePtr(n);
  }

  std::string_view s_;
  const std::vector<std::string>& fields_;
  std::size_t pos_ = 0;
};

bool Compare(const Node& n, const std::optional<std::string>& value) {
  if (n.literal_kind == Node::Literal::kNull) {
    bool is_null = !value.has_value() || value->empty();
    return n.op == "==" ? is_null : n.op == "!=" ? !is_null : false;
  }
  if (!value) return n.op == "!=";
  int cmp = 0;
  if (n.literal_kind == Node::Literal::kNumber) {
    auto a = Decimal::Parse(*value);
    auto b = Decimal::Parse(n.literal);
    if (!a || !b) return n.op == "!=";
    cmp = *a < *b ? -1 : (*a > *b ? 1 : 0);
  } else if (n.literal_kind == Node::Literal::kGuid || n.literal_kind == Node::Literal::kBool) {
    cmp = Lower(*value).compare(Lower(n.literal));
  } else {
    cmp = value->compare(n.literal);
  }
  if (n.op == "==") return cmp == 0;
  if (n.op == "!=") return cmp != 0;
  if (n.op == "<") return cmp < 0;
  if (n.op == "<=") return cmp <= 0;
  if (n.op == ">") return cmp > 0;
  return cmp >= 0;
}

bool Eval(const Node& n, const WhereFilter::Getter& get) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      return Eval(*n.left, get) && Eval(*n.right, get);
    case Node::Kind::kOr:
      return Eval(*n.left, get) || Eval(*n.right, get);
    case Node::Kind::kNot:
      return !Eval(*n.left, get);
    case Node::Kind::kMethod: {
      auto v = get(n.field);
      if (!v) return false;
      if (n.op == "Contains") return v->find(n.literal) != std::string::npos;
      if (n.op == "StartsWith") return v->starts_with(n.literal);
      return v->ends_with(n.literal);
    }
    case Node::Kind::kCompare:
      return Compare(n, get(n.field));
  }
  return false;
}

}  // namespace

std::expected<WhereFilter, std::string> WhereFilter::Parse(std::string_view text,
                                                           const std::vector<std::string>& fields) {
  Parser p(text, fields);
  auto root = p.Run();
  if (!root) return std::unexpected(root.error());
  WhereFilter f;
  f.root_ = *root;
  return f;
}

bool WhereFilter::Matches(const Getter& get) const { return root_ == nullptr || Eval(*root_, get); }

}  // namespace xero_sim
