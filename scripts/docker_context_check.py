#!/usr/bin/env python3
"""What `docker build` would find missing, checked without an engine (scripts/docker-lint.sh).

The build context is the repository's files (tracked, or untracked and not git-ignored)
less what .dockerignore excludes. Checks that
  - every COPY source (not --from) of the Dockerfile is in that context;
  - the stage that runs `cargo build` holds Cargo.toml, Cargo.lock, every workspace
    member's manifest and src/, and every file the crates embed with include_str! /
    include_bytes! (a plain literal, concat!(env!("CARGO_MANIFEST_DIR"), "…"), or a
    macro_rules! wrapping the latter with a `$file` argument, as api/src/http/web.rs does).
An include of another shape is reported as unchecked (a warning, not a failure).
Exit status 1 on any problem. Usage: docker_context_check.py REPO_ROOT
"""

import os
import re
import shlex
import subprocess
import sys
import tomllib

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
problems: list[str] = []
warnings: list[str] = []


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    """(negated, regex) per line, with the semantics of moby's patternmatcher."""
    path = os.path.join(root, ".dockerignore")
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:].strip()
        line = os.path.normpath(line).lstrip("/")
        regex, i = "", 0
        while i < len(line):
            if line.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif line.startswith("**", i):
                regex += ".*"
                i += 2
            elif line[i] == "*":
                regex += "[^/]*"
                i += 1
            elif line[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(line[i])
                i += 1
        out.append((negated, re.compile(regex + r"\Z")))
    return out


def ignored(path: str, patterns) -> bool:
    """A path is excluded when the last pattern matching it or one of its parents excludes."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for negated, regex in patterns:
        if any(regex.match(c) for c in candidates):
            excluded = not negated
    return excluded


listed = subprocess.run(
    ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    check=True,
    capture_output=True,
).stdout.decode()
patterns = dockerignore_patterns()
context = {
    f for f in listed.split("\0") if f and os.path.isfile(os.path.join(root, f)) and not ignored(f, patterns)
}


def under(src: str) -> list[str]:
    src = os.path.normpath(src).lstrip("/")
    if src == ".":
        return sorted(context)
    return sorted(f for f in context if f == src or f.startswith(src + "/"))


# --- The Dockerfile: stages, WORKDIR, COPY -------------------------------------------------
instructions, current = [], ""
for raw in open(os.path.join(root, "Dockerfile"), encoding="utf-8"):
    line = raw.rstrip("\n")
    if not current and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if line.endswith("\\"):
        current += line[:-1] + " "
        continue
    instructions.append((current + line).strip())
    current = ""

stages: dict[str, dict] = {}  # name -> {"files": {image path}, "workdir": str}
stage = None
build_stage = None
for ins in instructions:
    word, _, rest = ins.partition(" ")
    word = word.upper()
    if word == "FROM":
        args = shlex.split(rest)
        args = [a for a in args if not a.startswith("--")]
        base = args[0]
        name = args[2] if len(args) >= 3 and args[1].lower() == "as" else f"#{len(stages)}"
        inherited = stages.get(base, {"files": set(), "workdir": "/"})
        stage = {"files": set(inherited["files"]), "workdir": inherited["workdir"]}
        stages[name] = stage
    elif word == "WORKDIR":
        stage["workdir"] = os.path.normpath(os.path.join(stage["workdir"], rest.strip()))
    elif word in ("COPY", "ADD"):
        args = shlex.split(rest)
        if any(a.startswith("--from") for a in args):
            continue
        args = [a for a in args if not a.startswith("--")]
        *sources, dest = args
        dest_dir = dest.endswith("/") or len(sources) > 1
        dest = os.path.join(stage["workdir"], dest)
        for src in sources:
            files = under(src)
            if not files:
                problems.append(f"Dockerfile: {word} {src}: not in the build context (missing, or excluded by .dockerignore)")
                continue
            norm = os.path.normpath(src).lstrip("/")
            for f in files:
                if f == norm:  # a file
                    target = os.path.join(dest, os.path.basename(f)) if dest_dir else dest
                else:  # a directory's contents
                    target = os.path.join(dest, os.path.relpath(f, norm if norm != "." else ""))
                stage["files"].add(os.path.normpath(target))
    elif word == "RUN" and re.search(r"\bcargo\s+build\b", rest):
        build_stage = stage

if build_stage is None:
    problems.append("Dockerfile: no stage runs `cargo build`")
    build_stage = {"files": set(), "workdir": "/"}


def in_build(repo_path: str, why: str) -> None:
    image_path = os.path.normpath(os.path.join(build_stage["workdir"], repo_path))
    if repo_path not in context:
        problems.append(f"{why}: {repo_path} is not in the build context")
    elif image_path not in build_stage["files"]:
        problems.append(f"{why}: {repo_path} is not copied into the build stage (at {image_path})")


# --- What the workspace build reads --------------------------------------------------------
workspace = tomllib.load(open(os.path.join(root, "Cargo.toml"), "rb"))
members = workspace.get("workspace", {}).get("members", [])
in_build("Cargo.toml", "workspace manifest")
in_build("Cargo.lock", "lock file")

plain = re.compile(r'include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)')
manifest = re.compile(r'include_(?:str|bytes)!\(\s*concat!\(\s*env!\(\s*"CARGO_MANIFEST_DIR"\s*\)\s*,\s*"([^"]+)"\s*\)\s*\)')
wrapper = re.compile(
    r'macro_rules!\s*(\w+)\s*\{.*?include_(?:str|bytes)!\(\s*concat!\(\s*env!\(\s*"CARGO_MANIFEST_DIR"\s*\)'
    r'\s*,\s*"([^"]*)"\s*,\s*\$\w+\s*\)\s*\)',
    re.S,
)
anywhere = re.compile(r"include_(?:str|bytes)!\(")
embedded = 0
for member in members:
    in_build(f"{member}/Cargo.toml", f"member {member}")
    sources = [f for f in sorted(context) if f.startswith(f"{member}/src/")]
    if not sources:
        problems.append(f"member {member}: no {member}/src/ in the build context")
    for f in sources:
        in_build(f, f"member {member}")
        if not f.endswith(".rs"):
            continue
        text = open(os.path.join(root, f), encoding="utf-8").read()
        # Drop line comments, so that prose naming include_bytes! is not taken for a use.
        code = re.sub(r"//[^\n]*", "", text)
        found, covered = [], set()
        for m in plain.finditer(code):
            found.append(os.path.join(os.path.dirname(f), m.group(1)))
            covered.add(m.start())
        for m in manifest.finditer(code):
            found.append(os.path.join(member, m.group(1).lstrip("/")))
            covered.add(m.start())
        for m in wrapper.finditer(code):
            name, prefix = m.group(1), m.group(2)
            covered.update(i.start() for i in anywhere.finditer(code, m.start(), m.end()))
            for call in re.finditer(rf'\b{name}!\(\s*"([^"]+)"\s*\)', code):
                found.append(os.path.join(member, prefix.lstrip("/") + call.group(1)))
        for m in anywhere.finditer(code):
            if m.start() not in covered:
                line = code.count("\n", 0, m.start()) + 1
                warnings.append(f"{f}:{line}: an include_*! of a shape this check does not read: check by hand")
        for path in found:
            embedded += 1
            in_build(os.path.normpath(path), f"embedded by {f}")

print(f"build context: {len(context)} files after .dockerignore; build stage: {len(build_stage['files'])} files")
print(f"workspace members checked: {', '.join(members)}; embedded files checked: {embedded}")
for w in warnings:
    print(f"warning: {w}")
for p in problems:
    print(f"error: {p}")
sys.exit(1 if problems else 0)
