#!/usr/bin/env python3
"""The architecture rule, checked: which folder may include which.

The rules are the fenced block under "## The rule" in docs/architecture.md,
one line per source folder:

    folder (namespace) -> what it may include

where "what" names other folders and these stand-ins for libraries with
I/O or transport: log (common/log.h, spdlog), grpc (grpc++ and the generated
*.grpc.pb.h), proto (the generated messages *.pb.h), pqxx, curl,
prometheus (and civetweb), jwt (libjwt), boost (Asio, Beast). Everything
else (the standard library, Abseil, protobuf's own headers, nlohmann JSON,
OpenSSL's crypto) is allowed everywhere. A folder may always include itself.

Checked, for every .cc and .h under a folder that has a rule:
  - every #include resolves to an allowed folder or library;
  - every `namespace ec...` it opens is the folder's namespace (one C++
    namespace per folder; anonymous and third-party forward declarations
    are fine);
  - headers declare no namespace aliases (`namespace x = y;`), here and in
    tests/;
  - every folder with sources has a rule, and every rule names a folder.

Usage: check-architecture.py [--root DIR] [--pretend FILE:INCLUDE ...]
--pretend adds an include to a file (as if it were written there), so a
test can show that a forbidden arrow is refused without editing a source.
Exit status 0 when the tree keeps the rule, 1 with one line per violation.
"""

import argparse
import os
import re
import sys

LIBRARIES = {"log", "grpc", "proto", "pqxx", "curl", "prometheus", "jwt",
             "boost", "*"}
# Folders that hold no rule of their own: generated code, build trees,
# scripts and the tests (which may include anything, but see aliases).
SKIPPED = ("proto", "build", "cmake", "scripts", "deploy", "docs", ".git",
           ".ci", "tests")

RULE = re.compile(r"^(\S+)\s+\((\S*)\)\s+->\s*(.*)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')
NAMESPACE = re.compile(r"^\s*namespace\s+([A-Za-z_][\w:]*)\s*\{")
ALIAS = re.compile(r"^\s*namespace\s+\w+\s*=")


def read_rules(root):
    path = os.path.join(root, "docs", "architecture.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## The rule", 1)
    if len(section) < 2 or "```" not in section[1]:
        sys.exit(f"{path}: no fenced block under '## The rule'")
    block = section[1].split("```", 2)[1]
    rules = {}
    for line in block.splitlines()[1:]:
        line = line.strip()
        if not line:
            continue
        m = RULE.match(line)
        if not m:
            sys.exit(f"{path}: not a rule line: {line!r}")
        folder, namespace, allowed = m.group(1), m.group(2), m.group(3).split()
        rules[folder] = (namespace, set(allowed))
    return rules


def module_of(include, quoted, folders):
    """The folder or library an include belongs to; None if always allowed."""
    if include == "common/log.h" or include.startswith("spdlog/"):
        return "log"
    if include.endswith(".grpc.pb.h"):
        return "grpc"
    if include.endswith(".pb.h") and not include.startswith("google/"):
        return "proto"
    if include.startswith(("grpcpp/", "grpc/")):
        return "grpc"
    for lib, prefixes in (("pqxx", ("pqxx/",)), ("curl", ("curl/",)),
                          ("prometheus", ("prometheus/", "civetweb",
                                          "CivetServer")),
                          ("jwt", ("jwt.h",)), ("boost", ("boost/",))):
        if include.startswith(prefixes):
            return lib
    if quoted:
        # The longest folder that prefixes the path (storage/pg before
        # storage).
        best = None
        for folder in folders:
            if include.startswith(folder + "/") and \
                    (best is None or len(folder) > len(best)):
                best = folder
        if best:
            return best
        top = include.split("/", 1)[0]
        if top in ("tests",):
            return "tests"
    return None


def source_folders(root):
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        if rel != "." and rel.split("/")[0].startswith(SKIPPED):
            dirnames[:] = []
            continue
        if rel != "." and any(f.endswith((".cc", ".h")) for f in filenames):
            out.add(rel)
    return out


def sources(root, folder):
    path = os.path.join(root, folder)
    for name in sorted(os.listdir(path)):
        if name.endswith((".cc", ".h")):
            yield f"{folder}/{name}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--pretend", action="append", default=[])
    args = parser.parse_args()
    root = args.root
    rules = read_rules(root)
    pretend = {}
    for item in args.pretend:
        file, include = item.split(":", 1)
        pretend.setdefault(file, []).append(include)

    problems = []
    found = source_folders(root)
    for folder in sorted(found - set(rules)):
        problems.append(f"{folder}/: no rule in docs/architecture.md")
    for folder in sorted(set(rules) - found):
        problems.append(f"docs/architecture.md: rule for {folder}, which has "
                        "no sources")

    for folder in sorted(set(rules) & found):
        namespace, allowed = rules[folder]
        for file in sources(root, folder):
            with open(os.path.join(root, file), encoding="utf-8") as f:
                lines = f.read().splitlines()
            lines += [f"#include {inc}" for inc in pretend.get(file, [])]
            for number, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m:
                    include = m.group(2)
                    module = module_of(include, m.group(1) == '"', rules)
                    if module and module != folder and \
                            "*" not in allowed and module not in allowed:
                        problems.append(
                            f"{file}:{number}: {folder} may not include "
                            f"{module} ({include}); it may include: "
                            f"{' '.join(sorted(allowed)) or 'nothing'}")
                    continue
                m = NAMESPACE.match(line)
                if m and m.group(1).split("::")[0] == "ec" and \
                        m.group(1) != namespace:
                    problems.append(
                        f"{file}:{number}: namespace {m.group(1)} in "
                        f"{folder}/, whose namespace is {namespace}")
                if file.endswith(".h") and ALIAS.match(line):
                    problems.append(f"{file}:{number}: namespace alias in a "
                                    "header")

    for dirpath, _, filenames in os.walk(os.path.join(root, "tests")):
        for name in filenames:
            if not name.endswith(".h"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if ALIAS.match(line):
                        problems.append(
                            f"{os.path.relpath(path, root)}:{number}: "
                            "namespace alias in a header")

    for problem in problems:
        print(f"architecture: {problem}")
    if problems:
        print(f"architecture: {len(problems)} violation(s); the rule is in "
              "docs/architecture.md")
        return 1
    print(f"architecture: {len(found)} folders keep the rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
