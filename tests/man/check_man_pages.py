#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks the hand-written man pages against the built programs (run by ctest).

The lists come from the programs themselves, so a new key or subcommand fails this test until
its page documents it:

- config keys: xerod is asked which keys it accepts. A file with an unknown key in a section
  makes `xerod --check-config` answer "unknown key (expected one of ...)"; doing that in every
  section it names, level by level, gives every key path (map-of-name sections such as
  `connections` are probed one level deeper: `connections.NAME.*`). Each path must be a .TP tag
  of man/xerod.yaml.5, and every tag that looks like a key path must be one xerod accepts.
- xerod-ctl: every subcommand and option of `xerod-ctl [SUB...] --help` (CLI11's "Subcommands:"
  and "Options:" lists), recursively. Each command path must start a .TP tag of man/xerod-ctl.1,
  and each of its options must appear in its entry (global options: anywhere in the page).
- xerod: every option of `xerod --help` must be a .TP tag of man/xerod.8.
- each page's .TH names the version `xerod --version` prints.
- the EXAMPLE of xerod.yaml(5) must pass `xerod --check-config` (secrets given as credential
  names, so $CREDENTIALS_DIRECTORY points at a temporary directory with such files).

Usage: check_man_pages.py --xerod BIN --ctl BIN --man-dir DIR
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

PROBE = "zz_probe_key"


def roff_text(line):
    """A roff source line as plain text: font escapes and macro names removed."""
    line = re.sub(r"\\f(\[[A-Z]*\]|[BIRP])", "", line)
    line = line.replace(r"\-", "-").replace(r"\(dq", '"').replace(r"\e", "\\").replace(r"\&", "")
    line = re.sub(r"^\.(B|I|BR|RB|BI|IB|IR|RI)\s+", "", line)
    # .BR "a b" c -> a b c
    return line.replace('"', "").strip()


def read_page(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def tp_entries(lines):
    """[(tag text, [entry lines as text])] for every .TP in the page, nested ones included."""
    entries = []
    i = 0
    while i < len(lines):
        if lines[i].startswith(".TP") and i + 1 < len(lines):
            tag = roff_text(lines[i + 1])
            body = []
            j = i + 2
            while j < len(lines) and not lines[j].startswith((".SS", ".SH")):
                if lines[j].startswith(".TP") and not lines[j - 1].startswith(".RS"):
                    # a sibling entry ends this one unless it is an option list (.RS ... .RE)
                    depth = sum(1 for x in lines[i + 2 : j] if x.startswith(".RS")) - sum(
                        1 for x in lines[i + 2 : j] if x.startswith(".RE")
                    )
                    if depth <= 0:
                        break
                body.append(roff_text(lines[j]))
                j += 1
            entries.append((tag, body))
        i += 1
    return entries


# ---- config keys, from xerod ---------------------------------------------------------------


def yaml_for(paths):
    """A YAML document setting every dotted path in `paths` to 1 (NAME parts are names)."""
    tree = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = 1

    def dump(node, indent):
        out = []
        for key, value in node.items():
            if isinstance(value, dict):
                out.append(" " * indent + key + ":")
                out.extend(dump(value, indent + 2))
            else:
                out.append(" " * indent + key + ": 1")
        return out

    return "\n".join(dump(tree, 0)) + "\n"


def check_config_errors(xerod, text, env=None):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
        name = f.name
    try:
        run = subprocess.run(
            [xerod, "--check-config", "--config", name],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        os.unlink(name)
    return run.returncode, run.stdout + run.stderr


UNKNOWN = re.compile(r": ([A-Za-z0-9_.]+): unknown key \(expected one of ([^)]*)\)")


def accepted_keys(xerod):
    """Every key path xerod accepts; 'NAME' stands for a name chosen by the user."""
    keys = set()
    # Level by level, one run of xerod per level: S.probe.probe in every section S makes a
    # section report "S.probe: unknown key" and a map of names (S.NAME.*) "S.probe.probe: ...";
    # a leaf reports a type error instead.
    sections = [""]
    while sections:
        probes = [f"{s}.{PROBE}.{PROBE}".lstrip(".") for s in sections]
        _, out = check_config_errors(xerod, yaml_for(probes))
        found = {}
        for path, known in UNKNOWN.findall(out):
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            found[parent] = [k.strip() for k in known.split(",") if k.strip()]
        next_sections = []
        for section in sections:
            names_map = f"{section}.{PROBE}" if section else None
            if section in found:
                children = found[section]
                prefix = section
            elif names_map in found:  # a map from names to sections
                children = found[names_map]
                prefix = f"{section}.NAME"
            else:
                continue  # a leaf
            for child in children:
                path = f"{prefix}.{child}".lstrip(".")
                keys.add(path)
                next_sections.append(path.replace("NAME", PROBE))
        sections = next_sections
        keys = {k.replace(PROBE, "NAME") for k in keys}
    return keys


def check_yaml_page(xerod, page, failures):
    lines = read_page(page)
    keys = accepted_keys(xerod)
    if len(keys) < 10:
        failures.append(f"xerod reported only {len(keys)} config keys; the probe is broken")
    tags = {tag.split()[0] for tag, _ in tp_entries(lines) if tag}
    tops = {k for k in keys if "." not in k}
    for key in sorted(keys):
        if key not in tags:
            failures.append(f"xerod.yaml.5: config key {key} has no .TP entry")
    for tag in sorted(tags):
        if tag.split(".")[0] in tops and tag not in keys:
            failures.append(f"xerod.yaml.5: documents {tag}, which xerod does not accept")
    # The EXAMPLE section must be a valid configuration.
    text = "\n".join(lines)
    m = re.search(r"^\.SH EXAMPLE\n(.*?)^\.SH ", text, re.S | re.M)
    ex = re.search(r"^\.EX\n(.*?)^\.EE", m.group(1), re.S | re.M) if m else None
    if not ex:
        failures.append("xerod.yaml.5: no .EX block under EXAMPLE")
        return
    example = ex.group(1).replace(r"\-", "-").replace(r"\e", "\\")
    with tempfile.TemporaryDirectory() as creds:
        for name in re.findall(r"_file: ([a-z0-9-]+)", example):
            path = os.path.join(creds, name)
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write("not-a-real-secret\n")
        env = dict(os.environ, CREDENTIALS_DIRECTORY=creds)
        code, out = check_config_errors(xerod, example, env)
    if code != 0:
        failures.append("xerod.yaml.5: the EXAMPLE is not a valid configuration:\n" + out)
    # The example should show every key too (as a YAML key on some line).
    for key in sorted(keys):
        if not re.search(rf"^\s*{re.escape(key.split('.')[-1])}:", example, re.M):
            failures.append(f"xerod.yaml.5: the EXAMPLE does not show {key}")


# ---- xerod-ctl and xerod, from --help ---------------------------------------------------------


def help_lists(binary, args):
    """(options, subcommands) from CLI11's --help of `binary args`."""
    run = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        raise RuntimeError(f"{binary} {' '.join(args)} --help exited {run.returncode}")
    options, subcommands, section = [], [], None
    for line in run.stdout.splitlines():
        if re.match(r"^[A-Z][A-Za-z ]*:$", line):
            section = line[:-1]
            continue
        m = re.match(r"^  (\S+)", line)  # entries have two spaces; wrapped text has more
        if not m:
            continue
        if section == "Options":
            names = [n for n in m.group(1).split(",") if n.startswith("--")]
            options += [n for n in names if n != "--help"]
        elif section == "Subcommands":
            subcommands.append(m.group(1))
    return options, subcommands


def ctl_commands(ctl, path=()):
    """{('job', 'list'): [options]} for every command path, groups included."""
    options, subcommands = help_lists(ctl, list(path))
    commands = {path: options} if path else {}
    for sub in subcommands:
        commands.update(ctl_commands(ctl, path + (sub,)))
    return commands


def check_ctl_page(ctl, page, failures):
    lines = read_page(page)
    entries = tp_entries(lines)
    text = "\n".join(roff_text(l) for l in lines)
    global_options, _ = help_lists(ctl, [])
    for option in global_options:
        if option not in text:
            failures.append(f"xerod-ctl.1: global option {option} is not documented")
    commands = ctl_commands(ctl)
    if len(commands) < 10:
        failures.append(f"xerod-ctl --help showed only {len(commands)} commands; parser broken?")
    for path, options in sorted(commands.items()):
        name = " ".join(path)
        mine = [e for e in entries if e[0] == name or e[0].startswith(name + " ")]
        if not mine:
            failures.append(f"xerod-ctl.1: subcommand '{name}' has no .TP entry")
            continue
        entry_text = "\n".join(t for tag, body in mine for t in [tag, *body])
        for option in options:
            if not re.search(rf"{re.escape(option)}\b", entry_text):
                failures.append(f"xerod-ctl.1: option {option} of '{name}' is not in its entry")


def check_daemon_page(xerod, page, failures):
    lines = read_page(page)
    tags = " ".join(tag for tag, _ in tp_entries(lines))
    options, _ = help_lists(xerod, [])
    for option in options:
        if not re.search(rf"{re.escape(option)}\b", tags):
            failures.append(f"xerod.8: option {option} has no .TP entry")
    for needed in ("SIGTERM", "SIGINT", "SIGHUP", "Type=notify", "LoadCredential=", "xerod-admin"):
        if needed not in "\n".join(roff_text(l) for l in lines):
            failures.append(f"xerod.8: does not mention {needed}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xerod", required=True)
    parser.add_argument("--ctl", required=True)
    parser.add_argument("--man-dir", required=True)
    args = parser.parse_args()
    failures = []
    version = subprocess.run(
        [args.xerod, "--version"], capture_output=True, text=True, timeout=60
    ).stdout.split()[-1]
    for page in ("xerod.8", "xerod-ctl.1", "xerod.yaml.5"):
        th = next(l for l in read_page(os.path.join(args.man_dir, page)) if l.startswith(".TH"))
        if f'"xerod {version}"' not in th:
            failures.append(f"{page}: .TH does not say xerod {version}: {th}")
    check_yaml_page(args.xerod, os.path.join(args.man_dir, "xerod.yaml.5"), failures)
    check_ctl_page(args.ctl, os.path.join(args.man_dir, "xerod-ctl.1"), failures)
    check_daemon_page(args.xerod, os.path.join(args.man_dir, "xerod.8"), failures)
    for failure in failures:
        print("FAIL:", failure)
    if failures:
        print(f"{len(failures)} problem(s); the pages are in {args.man_dir}")
        return 1
    print("man pages document every config key, xerod-ctl subcommand and option")
    return 0


if __name__ == "__main__":
    sys.exit(main())
