"""Write ``docs/cli.md``, the command-line reference, from the typer app itself.

Run from the top of the checkout::

    python docs/gen_cli.py            # rewrite docs/cli.md
    python docs/gen_cli.py --check    # exit 1 if docs/cli.md is out of date

The reference walks the click command tree behind ``borderforecast.cli.app``
(every command, its help text, arguments and options with their defaults), so
it cannot drift from the code; ``tests/test_docs.py`` runs the check.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import sys
from pathlib import Path
from typing import Any

from borderforecast.cli import command

OUT = Path(__file__).resolve().parent / "cli.md"
PROG = "borderforecast"

HEADER = """# Command-line reference

Every command of `borderforecast`, generated from the code by `python docs/gen_cli.py` (do not
edit by hand). `borderforecast COMMAND --help` prints the same help in the terminal.

Errors print one line starting with `borderforecast: error:` and no traceback. Exit codes, the
same for every command:

| code | meaning |
|---|---|
| 0 | success |
| 1 | internal error (a bug or an environment problem; `--verbose` shows the traceback) |
| 2 | bad data or a bad value: a malformed or invalid file, an unknown model or series, \
a month outside the data, an option value of the wrong type |
| 64 | usage error: an unknown option or command, a missing required option, bad option syntax |
| 130 | interrupted (Ctrl-C) |

Every command that prints results takes `--json`; percentages are in percent points (`-29.6` =
29.6% lower). Commands that work on a series take `--input FILE` (a CSV or Excel file of your
own, with `--id-col`, `--date-col`, `--value-col`) instead of a bundled `--series`; see
[Your own data](guide/your-data.md).
"""

_WORDS = {"str": "text", "int": "integer", "float": "number", "Path": "path"}


def _clean(text: str | None) -> str:
    """A help text without click's ``\\b`` markers, dedented, trailing blanks removed."""
    if not text:
        return ""
    lines = [ln for ln in inspect.cleandoc(text).splitlines() if ln.strip() != "\b"]
    return "\n".join(ln.rstrip() for ln in lines).strip()


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False))


def _is_argument(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _type_name(param: Any, ctx: Any) -> str:
    """The value type as a short word (works with click and typer's own click)."""
    if _is_flag(param):
        return "flag"
    if hasattr(param, "display_type"):  # typer >= 0.20 (its own click)
        name = str(param.display_type(ctx)).strip("<>")
        if name.startswith("list[") and name.endswith("]"):
            inner = name[5:-1]
            return f"{_WORDS.get(inner, inner)}, repeatable"
        return ", ".join(_WORDS.get(n, n) for n in name.split(","))
    else:
        t = param.type
        choices = getattr(t, "choices", None)
        name = " | ".join(map(str, choices)) if choices else str(getattr(t, "name", t)).lower()
        if getattr(param, "multiple", False):
            name = f"list[{name}]"
    return name


def _default(param: Any) -> str:
    if param.required:
        return "required"
    if _is_flag(param):
        return "on" if param.default else "off"
    d = param.default
    if d is None or callable(d) or d == () or d == [] or type(d).__name__ == "Sentinel":
        return ""
    if isinstance(d, (list, tuple)):
        return ", ".join(f"`{v}`" for v in d)
    return f"`{d}`"


def _names(param: Any) -> str:
    if _is_argument(param):
        return f"`{str(param.name).upper()}`"
    opts = list(param.opts) + list(getattr(param, "secondary_opts", []))
    return ", ".join(f"`{o}`" for o in opts)


def _section(cmd: Any, path: list[str], depth: int) -> list[str]:
    ctx = _context(cmd, " ".join(path))
    usage = " ".join(path + cmd.collect_usage_pieces(ctx))
    out = [f"{'#' * depth} `{' '.join(path)}`", ""]
    help_text = _clean(cmd.help)
    if help_text:
        out += [help_text, ""]
    out += ["```text", f"Usage: {usage}", "```", ""]
    params = [p for p in cmd.params if not getattr(p, "hidden", False) and p.name != "help"]
    if params:
        out += ["| argument / option | type | default | meaning |", "|---|---|---|---|"]
        for p in params:
            out.append(
                f"| {_names(p)} | {_escape(_type_name(p, ctx))} | {_escape(_default(p))} "
                f"| {_escape(_clean(getattr(p, 'help', None)))} |"
            )
        out.append("")
    if hasattr(cmd, "list_commands"):
        subs = list(cmd.list_commands(ctx))
        if subs:
            out += ["Subcommands: " + ", ".join(f"`{s}`" for s in subs) + ".", ""]
        for name in subs:
            sub = cmd.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                out += _section(sub, path + [name], min(depth + 1, 4))
    return out


def _context(cmd: Any, name: str) -> Any:
    """A click context for ``cmd``, from whichever click the command was built with."""
    module = sys.modules[type(cmd).__mro__[1].__module__]
    context_class = getattr(module, "Context", None) or cmd.context_class
    return context_class(cmd, info_name=name)


def generate() -> str:
    """The Markdown text of the CLI reference."""
    root = command()  # the click command behind app, as --help prints it
    lines = [HEADER.rstrip(), ""]
    lines += _section(root, [PROG], 2)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/cli.md from the typer app.")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is stale")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if old != text:
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True), text.splitlines(keepends=True), "cli.md", "new"
                )
            )
            print("docs/cli.md is out of date: run python docs/gen_cli.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
