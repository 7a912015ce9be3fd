#!/usr/bin/env python3
"""Check the `openstack ...` command lines of bash scripts against the argument
parsers of a real python-tripleoclient release (and of python-heatclient for
`openstack stack ...`).

Usage:
  tripleoclient_check.py --client DIR [--list-stubs] [-v] SCRIPT...

DIR is an unpacked python-tripleoclient sdist (see check-tripleoclient.sh
--fetch).  Its setup.cfg maps command names to classes (the
`openstack.tripleoclient.*` entry points, as the openstack CLI loads them);
the class is imported from DIR and its own get_parser() builds the parser
that `openstack` would use; the command's arguments are parsed with it, as
cliff does (parse_args: unknown, misspelled or missing arguments fail).
`openstack stack ...` commands use the installed python-heatclient's
`openstack.orchestration.v1` entry points the same way.

The command lines are found with a small shell lexer: quotes, backslash line
continuations, $(...) (searched too), heredocs (skipped), ;, &&, ||, |.
Shell expansions become placeholders of the right shape: "${ENV_FILES[@]}"
-> `-e env.yaml`; any other $VAR / ${VAR} / $(...) -> a plain word.
An array expansion the checker does not know is a problem, as is a command
that is not in the release.

Imports that are not needed to build a parser and are not installed in the
checker's venv (tripleo_common, ansible_runner, ...: STUBBED below) are
replaced by inert stub modules; --list-stubs prints those that were used.

Prints `file:line: openstack CMD...: problem` for each problem; exit 1 if any.
"""

import argparse
import configparser
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import itertools
import os
import re
import sys
import types

# Top-level modules that may be replaced by stubs when they are not installed.
# Only these: any other missing import is an error (so that a parser is never
# built from a stub by accident).  None of them is used by a get_parser().
STUBBED = {
    "tripleo_common", "ansible_runner", "ansible", "validations_libs",
    "ironic_inspector_client", "ironicclient", "glanceclient", "mistralclient",
    "zaqarclient", "websocket", "netifaces", "passlib", "git", "openstackclient",
    "mock",
}

# Arrays whose "${NAME[@]}" expansion the checker knows: NAME -> words.
ARRAYS = {"ENV_FILES": ["-e", "env.yaml"]}

RESERVED = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"}


# ---------------------------------------------------------------- stubs

class _StubMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stub_class(cls.__qualname__ + "." + name)

    def __fspath__(cls):
        # e.g. tripleoclient.constants: os.path.isfile(kolla_builder.DEFAULT_PREPARE_FILE)
        return "/nonexistent/" + cls.__qualname__


class _Stub(metaclass=_StubMeta):
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return _Stub()

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Stub()

    def __iter__(self):
        return iter(())


def _stub_class(qualname):
    cls = _StubMeta(qualname.rsplit(".", 1)[-1], (_Stub,), {})
    cls.__qualname__ = qualname
    return cls


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stub_class(self.__name__ + "." + name)


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: serves stubs for STUBBED modules not installed."""

    def __init__(self):
        self.used = set()

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] not in STUBBED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        mod = _StubModule(spec.name)
        mod.__path__ = []
        return mod

    def exec_module(self, module):
        self.used.add(module.__name__.split(".")[0])


# ---------------------------------------------------------------- shell lexer

class Word:
    def __init__(self, line):
        self.line = line
        self.text = []          # the word with expansions replaced
        self.array = None       # "${NAME[@]}": the whole word is this array
        self.raw = ""           # the word as written

    def add(self, s):
        self.text.append(s)


class Lexer:
    """Splits bash source into simple commands: lists of Word."""

    def __init__(self, src, line=1):
        self.s = src
        self.i = 0
        self.line = line
        self.commands = []      # (line, [Word])
        self.heredocs = []      # delimiters pending at the next newline

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def advance(self, n=1):
        for _ in range(n):
            if self.peek() == "\n":
                self.line += 1
            self.i += 1

    def run(self, stop_at_paren=False):
        words = []
        word = None
        depth = 0

        def end_word():
            nonlocal word
            if word is not None:
                words.append(word)
                word = None

        def end_command():
            end_word()
            if words:
                self.commands.append((words[0].line, list(words)))
            words.clear()

        while self.i < len(self.s):
            c = self.peek()
            if c == "\\" and self.peek(1) == "\n":
                self.advance(2)
                continue
            if c in " \t":
                end_word()
                self.advance()
            elif c == "\n":
                end_word()
                self.advance()
                if self.heredocs:
                    self.skip_heredocs()
                end_command()
            elif c == "#" and word is None:
                while self.i < len(self.s) and self.peek() != "\n":
                    self.advance()
            elif c in ";&|":
                end_command()
                self.advance()
            elif c == "(":
                end_command()
                depth += 1
                self.advance()
            elif c == ")":
                end_command()
                self.advance()
                if depth == 0 and stop_at_paren:
                    return
                depth = max(depth - 1, 0)
            elif c in "<>":
                if word is not None and word.raw.isdigit():
                    word = None     # 2>/dev/null: a file descriptor, not an argument
                end_word()
                if c == "<" and self.peek(1) == "<" and self.peek(2) != "<":
                    self.advance(2)
                    if self.peek() == "-":
                        self.advance()
                    while self.peek() in (" ", "\t"):
                        self.advance()
                    delim = Word(self.line)
                    self.read_word_into(delim)
                    self.heredocs.append("".join(delim.text).strip())
                else:
                    while self.peek() in ("<", ">", "&"):
                        self.advance()
                    # the redirection target is not an argument
                    while self.peek() in (" ", "\t"):
                        self.advance()
                    sink = Word(self.line)
                    self.read_word_into(sink)
            else:
                if word is None:
                    word = Word(self.line)
                self.read_word_into(word)
        end_command()

    def skip_heredocs(self):
        for delim in self.heredocs:
            while self.i < len(self.s):
                start = self.i
                end = self.s.find("\n", start)
                end = len(self.s) if end < 0 else end
                body = self.s[start:end]
                self.advance(end - start + (1 if end < len(self.s) else 0))
                if body.strip("\t") == delim:
                    break
        self.heredocs = []

    def read_word_into(self, w):
        """Reads one word (up to unquoted blank or operator) into w."""
        first = True
        start = self.i
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t\n;&|()<>":
                break
            if c == "\\":
                if self.peek(1) == "\n":
                    self.advance(2)
                    continue
                w.add(self.peek(1))
                self.advance(2)
            elif c == "'":
                j = self.s.index("'", self.i + 1)
                w.add(self.s[self.i + 1:j])
                self.advance(j + 1 - self.i)
            elif c == '"':
                self.advance()
                self.read_dquoted(w)
            elif c == "$":
                self.read_dollar(w, first)
            else:
                w.add(c)
                self.advance()
            first = False
        w.raw = re.sub(r"\\\n[ \t]*", "", self.s[start:self.i])

    def read_dquoted(self, w):
        start = self.i
        while self.i < len(self.s):
            c = self.peek()
            if c == '"':
                self.advance()
                return
            if c == "\\" and self.peek(1) in '"\\$`\n':
                if self.peek(1) != "\n":
                    w.add(self.peek(1))
                self.advance(2)
            elif c == "$":
                whole = self.i == start and self.s.startswith("${", self.i)
                self.read_dollar(w, whole, quoted=True)
            else:
                w.add(c)
                self.advance()
        raise SyntaxError("unterminated double quote")

    def read_dollar(self, w, at_word_start, quoted=False):
        s = self.s
        if s.startswith("$(", self.i) and not s.startswith("$((", self.i):
            self.advance(2)
            inner = Lexer(s, self.line)
            inner.i = self.i
            inner.run(stop_at_paren=True)
            self.commands.extend(inner.commands)
            self.line, self.i = inner.line, inner.i
            w.add("cmdsub")
            return
        if s.startswith("$((", self.i):
            j = s.index("))", self.i)
            w.add("1")
            self.advance(j + 2 - self.i)
            return
        if s.startswith("${", self.i):
            depth, j = 0, self.i + 1
            while True:
                if s[j] == "{":
                    depth += 1
                elif s[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            expr = s[self.i + 2:j]
            self.advance(j + 1 - self.i)
            if expr.endswith("[@]") or expr.endswith("[*]"):
                ends_word = (not quoted and self.peek() in ("", " ", "\t", "\n", ";", "&", "|", ")")) or (
                    quoted and self.peek() == '"' and self.peek(1) in ("", " ", "\t", "\n", ";", "&", "|", ")"))
                if at_word_start and ends_word and not w.text:
                    w.array = expr[:-3]
                    return
                w.add("array")
                w.array = "!" + expr[:-3]
                return
            name = ""
            for ch in expr:
                if not (ch.isalnum() or ch == "_"):
                    break
                name += ch
            w.add(placeholder(name or "x"))
            return
        j = self.i + 1
        if j < len(s) and (s[j].isalpha() or s[j] == "_"):
            while j < len(s) and (s[j].isalnum() or s[j] == "_"):
                j += 1
        elif j < len(s) and s[j] in "0123456789@*#?$!-":
            j += 1
        else:
            w.add("$")
            self.advance()
            return
        name = s[self.i + 1:j]
        w.add(placeholder(name))
        self.advance(j - self.i)


def placeholder(name):
    return name.lower() if name and name[0].isalpha() else "x"


def openstack_argvs(path):
    """Yields (line, argv, raw, problem) for each `openstack ...` command."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    lexer = Lexer(src)
    lexer.run()
    for line, words in sorted(lexer.commands, key=lambda c: c[0]):
        k = 0
        while k < len(words):
            t = "".join(words[k].text)
            if words[k].array is None and (t in RESERVED or ("=" in t and t.split("=")[0].isidentifier())):
                k += 1
            elif t in ("command", "exec", "env"):
                k += 1
            elif t == "timeout" and k + 1 < len(words):
                k += 2
            else:
                break
        if k >= len(words) or words[k].array is not None or "".join(words[k].text) != "openstack":
            continue
        raw = " ".join(w.raw for w in words[k:])
        argv, problem = [], None
        for w in words[k + 1:]:
            if w.array is not None:
                if w.array in ARRAYS:
                    argv.extend(ARRAYS[w.array])
                else:
                    problem = "cannot expand %s: the checker knows only the arrays %s" % (
                        w.raw, ", ".join("${%s[@]}" % a for a in sorted(ARRAYS)))
            else:
                argv.append("".join(w.text))
        yield line, argv, raw, problem


# ---------------------------------------------------------------- commands

class ParseError(Exception):
    pass


def _error(self, message):
    raise ParseError(message)


def _exit(self, status=0, message=None):
    raise ParseError(message or "exited with status %d" % status)


def tripleoclient_commands(client):
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(os.path.join(client, "setup.cfg"))
    cmds = {}
    for key, value in cfg.items("entry_points"):
        if not key.startswith("openstack.tripleoclient"):
            continue
        for entry in value.strip().splitlines():
            name, _, target = entry.partition("=")
            cmds[name.strip().replace("_", " ")] = target.strip()
    if not cmds:
        raise SystemExit("tripleoclient_check.py: no openstack.tripleoclient entry points in %s/setup.cfg" % client)
    return cmds


def installed_commands(group):
    cmds = {}
    for ep in importlib.metadata.entry_points(group=group):
        cmds[ep.name.replace("_", " ")] = ep.value
    return cmds


def find_command(argv, tables):
    """cliff's CommandManager.find_command, exact names only."""
    last = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    for i in range(last, 0, -1):
        name = " ".join(argv[:i])
        for owner, table in tables:
            if name in table:
                return name, table[name], owner, argv[i:]
    return None


def load_class(target):
    mod, _, attr = target.partition(":")
    obj = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--client", required=True, help="unpacked python-tripleoclient sdist")
    ap.add_argument("--list-stubs", action="store_true", help="print the stubbed modules used")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each command that parses, too")
    ap.add_argument("scripts", nargs="+")
    args = ap.parse_args()

    client = os.path.abspath(args.client)
    version = "?"
    pkg_info = os.path.join(client, "PKG-INFO")
    if os.path.exists(pkg_info):
        for ln in open(pkg_info, encoding="utf-8"):
            if ln.startswith("Version:"):
                version = ln.split(":", 1)[1].strip()
                break
    release = "python-tripleoclient %s" % version
    tables = [(release, tripleoclient_commands(client))]
    try:
        heat = importlib.metadata.version("python-heatclient")
        tables.append(("python-heatclient %s" % heat, installed_commands("openstack.orchestration.v1")))
    except importlib.metadata.PackageNotFoundError:
        pass

    sys.path.insert(0, client)
    finder = _StubFinder()
    sys.meta_path.append(finder)
    argparse.ArgumentParser.error = _error
    argparse.ArgumentParser.exit = _exit

    import tripleoclient  # noqa: F401  (must be the sdist's)
    if not os.path.abspath(tripleoclient.__file__).startswith(client + os.sep):
        raise SystemExit("tripleoclient_check.py: imported %s, not the one in %s" % (tripleoclient.__file__, client))

    problems = 0
    checked = 0
    parsers = {}
    for path in args.scripts:
        try:
            commands = list(openstack_argvs(path))
        except (OSError, UnicodeDecodeError, ValueError, IndexError, SyntaxError) as e:
            print("%s:0: cannot read it as a shell script: %s" % (path, e))
            problems += 1
            continue
        for line, argv, raw, problem in commands:
            where = "%s:%d: %s" % (path, line, raw)
            checked += 1
            if problem:
                print("%s: %s" % (where, problem))
                problems += 1
                continue
            if argv and argv[0].startswith("-"):
                print("%s: global openstack options are not supported by the checker" % where)
                problems += 1
                continue
            found = find_command(argv, tables)
            if found is None:
                words = " ".join(itertools.takewhile(lambda a: re.fullmatch(r"[a-z][a-z0-9-]*", a), argv))
                print("%s: `openstack %s` is not a command of %s" % (
                    where, words, " nor of ".join(owner for owner, _ in tables)))
                problems += 1
                continue
            name, target, owner, rest = found
            if name not in parsers:
                try:
                    cls = load_class(target)
                    cmd = cls(None, None)
                    parsers[name] = cmd.get_parser("openstack " + name)
                except Exception as e:  # a broken import is the checker's problem, say so
                    parsers[name] = "could not build the parser of `openstack %s` (%s) from %s: %s: %s" % (
                        name, target, owner, type(e).__name__, e)
            if isinstance(parsers[name], str):
                print("%s: %s" % (where, parsers[name]))
                problems += 1
                continue
            try:
                parsers[name].parse_args(rest)
            except ParseError as e:
                print("%s: %s rejects it: %s" % (where, owner, e))
                problems += 1
            else:
                if args.verbose:
                    print("%s: ok (%s %s)" % (where, owner, target))
    if args.list_stubs:
        print("stubbed (not installed, not needed by the parsers): %s" % (", ".join(sorted(finder.used)) or "none"),
              file=sys.stderr)
    print("tripleoclient_check: %s: %d openstack commands in %d scripts, %d problems" % (
        release, checked, len(args.scripts), problems), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
