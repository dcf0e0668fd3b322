"""`saferhub sharing ...`: the register of information sharing, the agreements and the board pack."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.conversation.hub import Hub
from bot.core.charts import ChartsUnavailable
from bot.core.csv_import import parse_date
from bot.core.exports import NEEDS_A_FILE, ExportFormat, save
from bot.sharing import board_pack
from bot.sharing import register as sharing_register


def add_commands(commands: Any) -> None:
    """Add the `sharing` command and its actions to the CLI's subcommands."""
    sharing = commands.add_parser(
        "sharing", help="the information-sharing register, agreements and board pack"
    )
    actions = sharing.add_subparsers(dest="sharing_action", required=True, metavar="ACTION")
    register = actions.add_parser(
        "register", help="every request with a step since DATE, with its decision record"
    )
    register.add_argument(
        "--since", required=True, type=_date, metavar="DATE", help="2026-11-01 or 01/11/2026"
    )
    register.add_argument("--format", choices=sharing_register.FORMATS, default="csv")
    register.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    agreements = actions.add_parser(
        "agreements", help="the sharing agreements as CSV or XLSX, with review status"
    )
    agreements.add_argument("--format", choices=tuple(ExportFormat), default=ExportFormat.CSV)
    agreements.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    pack = actions.add_parser("board-pack", help="the monthly board pack (text, and a chart)")
    pack.add_argument(
        "--month", type=_month, metavar="YYYY-MM", help="default: the latest month with requests"
    )
    pack.add_argument("--chart", type=Path, metavar="FILE.png", help="also write the chart")


def _date(raw: str) -> date:
    try:
        return parse_date(raw)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _month(raw: str) -> date:
    try:
        return date.fromisoformat(f"{raw}-01")
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a month (use 2026-11)") from error


async def run(hub: Hub, args: argparse.Namespace) -> int:
    """Carry out `saferhub sharing ACTION`; the exit status."""
    if args.sharing_action in ("register", "agreements"):
        if args.format == ExportFormat.XLSX and not args.output:
            print(NEEDS_A_FILE.format(option="--output"), file=sys.stderr)
            return 2
        async with hub.unit() as uow:
            if args.sharing_action == "register":
                content = await sharing_register.export_register(
                    uow, args.since, args.format, getpass.getuser()
                )
            else:
                content = (await sharing_register.agreements_register(uow)).rendered(args.format)
        if args.output:
            save(content, args.output, args.format)
            print(f"{args.sharing_action.capitalize()} written to {args.output}.")
        else:
            assert isinstance(content, str)  # XLSX without --output was refused above
            sys.stdout.write(content)
        return 0
    async with hub.unit() as uow:
        month = args.month or await board_pack.latest_month(uow)
        if month is None:
            print("No information requests have been received yet, so there is no board pack.")
            return 0
        pack = await board_pack.build_pack(uow, month)
    if not args.month:
        print(f"No month given: showing {month:%B %Y}, the latest month with requests.")
    print(f"Information sharing board pack, {month:%B %Y}")
    for line in pack.lines():
        print(line)
    if args.chart:
        if not pack.partners:
            print("No requests were received that month, so there is no chart.")
            return 0
        try:
            args.chart.write_bytes(pack.chart())
        except ChartsUnavailable as missing:
            print(str(missing), file=sys.stderr)
            return 1
        print(f"Chart written to {args.chart}.")
    return 0
