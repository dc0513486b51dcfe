#pragma once

// The settings table machinery. Each module describes its own settings (a
// flag, an ENTERPRISE_CATALOG_* variable, a meaning) over its own config
// struct; the composition root lifts those fragments onto the process's
// config and parses them once. A setting's default is never written down: it
// is shown from a default-constructed struct, so the struct's initializer is
// the only place it lives (help text and docs/configuration.md included).

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ec::common {

template <typename T>
struct Setting {
  Setting() = default;
  Setting(std::string flag_name, std::string env_name, std::string meaning,
          std::string accepted = "")
      : flag(std::move(flag_name)),
        env(std::move(env_name)),
        help(std::move(meaning)),
        values(std::move(accepted)) {}

  std::string flag;  // without "--"
  std::string env;
  std::string help;
  // What values are accepted, for the help ("1-64", "true or false", ...).
  std::string values;
  // Reads a value into the struct, or says what was expected.
  std::function<absl::Status(T&, const std::string&)> parse;
  // The value as it would be written; of a default-constructed T, the
  // default column of the help.
  std::function<std::string(const T&)> show;
  // The default column when show() gives "" ("(required)", ...).
  std::string unset_note;
  // Older names that are still read, after `env` and `flag`.
  std::vector<std::string> env_aliases;
  std::vector<std::string> flag_aliases;

  // The default column: the default value, else the note, else "(unset)".
  std::string DefaultText() const {
    std::string shown = show ? show(T{}) : std::string();
    if (!shown.empty()) return shown;
    return unset_note.empty() ? "(unset)" : unset_note;
  }
};

// A titled group of settings: one module's fragment.
template <typename T>
struct SettingsGroup {
  std::string title;
  std::vector<Setting<T>> settings;
};

// `group`, read and shown through `part(whole)`: a module's fragment made a
// part of the process's config. `part` maps a Whole& (or const Whole&) to
// the fragment's struct, e.g. a member pointer.
template <typename Whole, typename Part, typename Accessor>
SettingsGroup<Whole> Lift(const SettingsGroup<Part>& group, Accessor part) {
  SettingsGroup<Whole> out{group.title, {}};
  for (const Setting<Part>& s : group.settings) {
    Setting<Whole> lifted(s.flag, s.env, s.help, s.values);
    lifted.unset_note = s.unset_note;
    lifted.env_aliases = s.env_aliases;
    lifted.flag_aliases = s.flag_aliases;
    lifted.parse = [parse = s.parse, part](Whole& w, const std::string& v) {
      return parse(std::invoke(part, w), v);
    };
    if (s.show) {
      lifted.show = [show = s.show, part](const Whole& w) {
        return show(std::invoke(part, w));
      };
    }
    out.settings.push_back(std::move(lifted));
  }
  return out;
}

namespace settings_internal {

template <typename I>
absl::StatusOr<I> ParseInteger(const std::string& v, I min, I max) {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(v, &parsed) || parsed < static_cast<int64_t>(min) ||
      parsed > static_cast<int64_t>(max)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected an integer in [", min, ", ", max, "], got \"", v, "\""));
  }
  return static_cast<I>(parsed);
}

std::string Range(int64_t min, int64_t max);

}  // namespace settings_internal

// true/false (also 1/0, yes/no).
absl::StatusOr<bool> ParseBool(const std::string& v);

// Comma-separated, blanks dropped.
std::vector<std::string> SplitList(const std::string& v);

// An integer field in [min, max]. `field` maps T& and const T& to the field
// (a member pointer, or a generic lambda for a nested member).
template <typename T, typename Field>
Setting<T> IntegerSetting(std::string flag, std::string env, std::string help,
                          Field field, int64_t min, int64_t max) {
  Setting<T> s(std::move(flag), std::move(env), std::move(help),
               settings_internal::Range(min, max));
  s.parse = [field, min, max](T& c, const std::string& v) -> absl::Status {
    auto parsed = settings_internal::ParseInteger<int64_t>(v, min, max);
    if (!parsed.ok()) return parsed.status();
    auto& target = std::invoke(field, c);
    target = static_cast<std::remove_reference_t<decltype(target)>>(*parsed);
    return absl::OkStatus();
  };
  s.show = [field](const T& c) { return absl::StrCat(std::invoke(field, c)); };
  return s;
}

// A byte-count field (an integer), written as a whole number of MiB in
// [min_mib, max_mib].
template <typename T, typename Field>
Setting<T> MebibyteSetting(std::string flag, std::string env, std::string help,
                           Field field, int64_t min_mib, int64_t max_mib) {
  Setting<T> s(std::move(flag), std::move(env), std::move(help),
               settings_internal::Range(min_mib, max_mib));
  s.parse = [field, min_mib, max_mib](T& c,
                                      const std::string& v) -> absl::Status {
    auto parsed = settings_internal::ParseInteger<int64_t>(v, min_mib, max_mib);
    if (!parsed.ok()) return parsed.status();
    auto& target = std::invoke(field, c);
    target =
        static_cast<std::remove_reference_t<decltype(target)>>(*parsed << 20);
    return absl::OkStatus();
  };
  s.show = [field](const T& c) {
    return absl::StrCat(std::invoke(field, c) >> 20);
  };
  return s;
}

// A std::chrono::duration field, written as an integer count of `Unit`s in
// [min, max].
template <typename Unit, typename T, typename Field>
Setting<T> DurationSetting(std::string flag, std::string env, std::string help,
                           Field field, int64_t min, int64_t max) {
  Setting<T> s(std::move(flag), std::move(env), std::move(help),
               settings_internal::Range(min, max));
  s.parse = [field, min, max](T& c, const std::string& v) -> absl::Status {
    auto parsed = settings_internal::ParseInteger<int64_t>(v, min, max);
    if (!parsed.ok()) return parsed.status();
    auto& target = std::invoke(field, c);
    target =
        std::chrono::duration_cast<std::remove_reference_t<decltype(target)>>(
            Unit(*parsed));
    return absl::OkStatus();
  };
  s.show = [field](const T& c) {
    return absl::StrCat(
        std::chrono::duration_cast<Unit>(std::invoke(field, c)).count());
  };
  return s;
}

template <typename T, typename Field>
Setting<T> BoolSetting(std::string flag, std::string env, std::string help,
                       Field field) {
  Setting<T> s(std::move(flag), std::move(env), std::move(help),
               "true or false");
  s.parse = [field](T& c, const std::string& v) -> absl::Status {
    auto parsed = ParseBool(v);
    if (!parsed.ok()) return parsed.status();
    std::invoke(field, c) = *parsed;
    return absl::OkStatus();
  };
  s.show = [field](const T& c) {
    return std::string(std::invoke(field, c) ? "true" : "false");
  };
  return s;
}

// A string taken as given; `unset_note` stands in the default column when
// the default is empty.
template <typename T, typename Field>
Setting<T> StringSetting(std::string flag, std::string env, std::string help,
                         Field field, std::string unset_note = "") {
  Setting<T> s(std::move(flag), std::move(env), std::move(help), "");
  s.parse = [field](T& c, const std::string& v) -> absl::Status {
    std::invoke(field, c) = v;
    return absl::OkStatus();
  };
  s.show = [field](const T& c) { return std::string(std::invoke(field, c)); };
  s.unset_note = std::move(unset_note);
  return s;
}

// An http:// or https:// URL with nothing a URL cannot hold.
template <typename T, typename Field>
Setting<T> UrlSetting(std::string flag, std::string env, std::string help,
                      Field field, std::string unset_note = "") {
  Setting<T> s =
      StringSetting<T>(std::move(flag), std::move(env), std::move(help), field,
                       std::move(unset_note));
  s.values = "http:// or https:// URL";
  s.parse = [field](T& c, const std::string& v) -> absl::Status {
    if ((!v.starts_with("http://") && !v.starts_with("https://")) ||
        v.find_first_of(" \t\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected an http:// or https:// URL, got \"", v, "\""));
    }
    std::invoke(field, c) = v;
    return absl::OkStatus();
  };
  return s;
}

// One of `choices`.
template <typename T, typename Field>
Setting<T> ChoiceSetting(std::string flag, std::string env, std::string help,
                         Field field, std::vector<std::string> choices) {
  std::string listed;
  for (size_t i = 0; i < choices.size(); ++i) {
    absl::StrAppend(&listed,
                    i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", "),
                    choices[i]);
  }
  Setting<T> s(std::move(flag), std::move(env), std::move(help), listed);
  s.parse = [field, choices, listed](T& c,
                                     const std::string& v) -> absl::Status {
    for (const std::string& choice : choices) {
      if (v == choice) {
        std::invoke(field, c) = v;
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", listed, ", got \"", v, "\""));
  };
  s.show = [field](const T& c) { return std::string(std::invoke(field, c)); };
  return s;
}

}  // namespace ec::common
