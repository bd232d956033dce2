"""``keras-gate``: the gate's one command, run in a team's repository (or the gate's own).

    keras-gate init                 a working team repository in an empty folder
    keras-gate baselines            record what this environment's Keras does, for every entry that lacks it
    keras-gate run                  the default tier on the catalogue; reports under reports/<env>/
    keras-gate upgrade FROM TO      the gate on two pin sets and the page that compares them
    keras-gate list                 the entries and the kinds of check that apply to each

Arguments after ``--`` go to pytest (``keras-gate run -- -k golden``).
"""
from __future__ import annotations

import argparse
import os
import sys


def environment_name() -> str:
    """$GATE_ENV, else a name from the installed versions: tf221 (TensorFlow's own Keras) or tf221-keras38."""
    if os.environ.get("GATE_ENV"):
        return os.environ["GATE_ENV"]
    from importlib import metadata

    def minor(distribution: str) -> str | None:
        try:
            return "".join(metadata.version(distribution).split(".")[:2])
        except metadata.PackageNotFoundError:
            return None

    tf, keras = minor("tensorflow") or minor("tf-nightly"), minor("keras")
    if tf is None:
        raise SystemExit("keras-gate: TensorFlow is not installed in this environment; install the version to "
                         "gate (pip install 'tensorflow~=2.21.0'), then run again")
    name = f"tf{tf}"
    return name if keras is None or keras.startswith("2") else f"{name}-keras{keras}"


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    return (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])


def _run(args, pytest_args: list[str]) -> int:
    from keras_upgrade_gate.conformance import gate

    env = args.env or environment_name()
    os.environ["GATE_ENV"] = env
    if args.tier:
        os.environ["GATE_TIER"] = args.tier
    return gate.main(["--env", env, *pytest_args])


def _baselines(args, _pytest_args: list[str]) -> int:
    os.environ["GATE_ENV"] = args.env or environment_name()
    from keras_upgrade_gate.conformance import write_baselines

    argv = [*(["--only", *args.only] if args.only else []), *(["--force"] if args.force else []),
            *(["--dry-run"] if args.dry_run else [])]
    return write_baselines.main(argv)


def _upgrade(args, pytest_args: list[str]) -> int:
    from keras_upgrade_gate.reporting import upgrade

    return upgrade.main([args.old, args.new, *(["--reuse"] if args.reuse else []),
                         *(["--fail-on-known"] if args.fail_on_known else []),
                         *(["--", *pytest_args] if pytest_args else [])])


def _list(args, pytest_args: list[str]) -> int:
    os.environ["GATE_ENV"] = args.env or environment_name()
    from keras_upgrade_gate import listing

    return listing.main(pytest_args)


def _init(args, _pytest_args: list[str]) -> int:
    from keras_upgrade_gate import scaffold

    return scaffold.main(args.folder)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="keras-gate", description=__doc__.splitlines()[0],
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog="\n".join(__doc__.splitlines()[2:]))
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, function, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(function=function)
        return sub

    def with_env(sub):
        sub.add_argument("--env", help="the environment's name, for reports/<env>/ and the baselines of its "
                                       "saved files (default: $GATE_ENV, else from the installed versions)")
        return sub

    run = with_env(command("run", _run, "run the gate on the catalogue; reports under reports/<env>/"))
    run.add_argument("--tier", choices=("default", "full"), help="default (covering subsets) or full")
    base = with_env(command("baselines", _baselines, "write the baselines this environment lacks"))
    base.add_argument("--only", nargs="+", metavar="ID", help="only these entries")
    base.add_argument("--force", action="store_true", help="rewrite them even where they are stored")
    base.add_argument("--dry-run", action="store_true", help="print what would be written")
    upgrade = command("upgrade", _upgrade, "the gate on FROM and on TO, and the page of what changed")
    upgrade.add_argument("old", metavar="FROM", help="an environment name, pins ('tensorflow==2.18.*') or a file")
    upgrade.add_argument("new", metavar="TO", help="the same, for the version to move to")
    upgrade.add_argument("--reuse", action="store_true", help="compare the results already under reports/")
    upgrade.add_argument("--fail-on-known", action="store_true", help="exit 1 on known Keras changes that break too")
    with_env(command("list", _list, "the entries, and the kinds of check that apply to each"))
    init = command("init", _init, "make a working team repository here (an empty folder)")
    init.add_argument("folder", nargs="?", default=".", help="where (default: here)")
    return top


def main(argv=None) -> int:
    own, pytest_args = _split(list(sys.argv[1:] if argv is None else argv))
    args = parser().parse_args(own)
    return args.function(args, pytest_args)


if __name__ == "__main__":
    sys.exit(main())
