"""The `saferhub` command line: demo, chat, db upgrade, imports and audit checks."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot import logs
from bot.channels.console.chat import ConsoleChat
from bot.config import ConfigError, Settings, clock_from_env
from bot.conversation import visits
from bot.conversation.hub import Hub, open_hub
from bot.core import subject_access
from bot.core.checks import Refused
from bot.core.csv_import import RefusedImport
from bot.core.exports import NEEDS_A_FILE, ExportFormat, save
from bot.core.seals import append_seal, read_seals
from bot.core.unit import ServiceError
from bot.prevent import area as prevent
from bot.prevent.places import import_gazetteer
from bot.recommendations import progress
from bot.server import serve
from bot.sharing import cli as sharing_cli
from bot.simulation import SAMPLE_START, simulate
from storage import directory, keys
from storage.audit import seal, verify_chain
from storage.crypto import generate_key
from storage.migrate import at_head

NOT_AT_HEAD = (
    "The database is not up to date for this version of Saferhub: "
    "run 'saferhub db upgrade', then start it again."
)
NO_DATA_KEY = (
    "SAFERHUB_DATA_KEY is not set, so what people type would be stored under a public key. "
    "Make one with 'saferhub keys generate' and set it (or SAFERHUB_DEV=1 to try it out)."
)
DEVELOPMENT_DATA_KEY = (
    "Warning: SAFERHUB_DATA_KEY is not set; free text is encrypted under the public development "
    "key, which protects nothing. Fine for a demo, never for real data."
)


DEMO_PERSONAS = (
    ("alex@example.org", "Alex, member of staff"),
    ("priya@example.org", "Priya, Prevent manager"),
    ("jordan@example.org", "Jordan, City Police data owner"),
    ("avery@example.org", "Avery, authoriser"),
    ("dana@example.org", "Dana, challenge reviewer"),
    ("jamie@example.org", "Jamie, partnership coordinator"),
    ("chris@example.org", "Chris, Information Board chair"),
    ("admin@example.org", "Ada, hub administrator"),
    ("rowan@example.org", "Rowan, police liaison (email only)"),
    ("sasha@example.org", "Sasha, contractor (email only)"),
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="saferhub",
        description="Saferhub: information requests, Prevent concerns and recommendations in one hub.",
    )
    root.add_argument(
        "--database", help="database URL (default: SAFERHUB_DATABASE_URL or ./saferhub.db)"
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo", help="create and migrate the database and load the fictional sample data"
    )
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="email", required=True, metavar="EMAIL", help="who you are")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument(
        "action", choices=["upgrade"], help="upgrade: apply migrations up to the latest"
    )
    directory = commands.add_parser("directory", help="the partnership directory")
    directory.add_argument("action", choices=["import"])
    directory.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE.csv",
        help="people, partners, agreements or catalogue CSV (recognised by its header)",
    )
    recs = commands.add_parser("recommendations", help="the recommendations register")
    recs.add_argument("action", choices=["import"])
    recs.add_argument("files", nargs="+", type=Path, metavar="FILE.csv")
    places = commands.add_parser("gazetteer", help="the streets and places of the area")
    places.add_argument(
        "action",
        choices=["import"],
        help="import: replace the gazetteer with OS Open Names CSV file(s) and/or a council's "
        "list (name,kind,postcode,latitude,longitude)",
    )
    places.add_argument("files", nargs="+", type=Path, metavar="FILE.csv")
    serve = commands.add_parser(
        "serve", help="run the bot for Slack and/or Teams (after 'saferhub db upgrade')"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=3978, help="port to listen on (default 3978)")
    hub = commands.add_parser("hub", help="the web hub at /hub")
    hub.add_argument("action", choices=["link"], help="link: print a one-time sign-in link")
    hub.add_argument("--as", dest="email", required=True, metavar="EMAIL", help="who it signs in")
    concerns = commands.add_parser("concerns", help="visual-audit concerns")
    concerns.add_argument(
        "action",
        choices=["export"],
        help="export: concerns as CSV or XLSX for the partnership's records",
    )
    concerns.add_argument("--since", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    concerns.add_argument("--format", choices=tuple(ExportFormat), default=ExportFormat.CSV)
    concerns.add_argument(
        "--with-reporters",
        action="store_true",
        help="include reporters' emails and their own words for the place (admins only)",
    )
    concerns.add_argument(
        "--as",
        dest="email",
        metavar="EMAIL",
        help="who is exporting (needed with --with-reporters)",
    )
    concerns.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE instead of the screen"
    )
    teams = commands.add_parser("teams", help="the Microsoft Teams app")
    teams.add_argument(
        "action", choices=["package"], help="package: write the app package zip to upload to Teams"
    )
    teams.add_argument("--app-id", required=True, metavar="ID", help="the bot's Microsoft App ID")
    teams.add_argument(
        "--host", required=True, metavar="HOST", help="public host name the bot is served from"
    )
    teams.add_argument("--out", type=Path, default=Path("saferhub-teams.zip"), metavar="FILE.zip")
    report = commands.add_parser("report", help="reports from the hub")
    report.add_argument(
        "action", choices=["progress"], help="progress: the recommendations register by source"
    )
    report.add_argument("--source", metavar="NAME", help="only sources whose name contains NAME")
    report.add_argument("--format", choices=["text", *ExportFormat, "png"], default="text")
    report.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE (png: default reports/progress.png)"
    )
    simulate = commands.add_parser(
        "simulate",
        help="advance a fixed clock through office hours and show the nudges, escalations and "
        "digests the sweeps send (on a copy of a SQLite database: yours is left unchanged)",
    )
    simulate.add_argument("--days", type=int, default=30, help="how many days (default 30)")
    simulate.add_argument(
        "--start",
        type=date.fromisoformat,
        default=SAMPLE_START,
        metavar="YYYY-MM-DD",
        help=f"the first simulated day (default {SAMPLE_START}, the sample data's Monday)",
    )
    sharing_cli.add_commands(commands)
    keep = commands.add_parser(
        "retention", help="apply the retention schedule now (serve applies it every hour)"
    )
    keep.add_argument("action", choices=["run"])
    keep.add_argument(
        "--dry-run", action="store_true", help="only count what is due; change nothing"
    )
    sar = commands.add_parser(
        "sar", help="subject access: write everything held about someone to a folder (admins)"
    )
    who = sar.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", metavar="EMAIL", help="a person in the directory")
    who.add_argument("--subject", metavar="TEXT", help="words naming someone in the records")
    sar.add_argument("--as", dest="admin", required=True, metavar="EMAIL", help="the admin asking")
    sar.add_argument("--out", type=Path, required=True, help="the folder to write it to")
    keys = commands.add_parser("keys", help="the data keys that encrypt free text at rest")
    keys.add_argument(
        "action",
        choices=["generate", "check", "rotate"],
        help="generate: print a new key for SAFERHUB_DATA_KEY; check: count what the keys can "
        "read; rotate: re-encrypt everything under the first key (keep the old one after it)",
    )
    audit = commands.add_parser("audit", help="the audit log")
    audit.add_argument(
        "action",
        choices=["verify", "seal"],
        help="verify: check the keyed chain is whole (and matches the seals in --seal FILE); "
        "seal: print the chain's length and head (and append it to --to FILE) to keep elsewhere",
    )
    audit.add_argument("--seal", type=Path, help="verify: a file of seals the chain must match")
    audit.add_argument("--to", type=Path, help="seal: also append the seal to this file")
    return root


async def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "teams":
        from bot.channels.teams.package import write_package

        out = write_package(args.app_id, args.host, args.out)
        print(f"Wrote {out}. Upload it in Teams: Apps > Manage your apps > Upload an app.")
        return 0
    if args.command == "keys" and args.action == "generate":
        print(generate_key())
        return 0
    if args.command in ("demo", "serve", "chat") and settings.keyring is None:
        shared = settings.database_url.startswith("postgresql")
        if args.command == "serve" and shared and os.environ.get("SAFERHUB_DEV") != "1":
            print(NO_DATA_KEY, file=sys.stderr)
            return 2
        print(DEVELOPMENT_DATA_KEY, file=sys.stderr)
    if args.command == "simulate":
        await simulate(settings, args.days, args.start)
        return 0
    exporting = args.command in ("concerns", "report")
    if exporting and args.format == ExportFormat.XLSX and not args.out:
        print(NEEDS_A_FILE.format(option="--out"), file=sys.stderr)
        return 2
    async with open_hub(settings, clock_from_env(os.environ)) as hub:
        if args.command == "demo":
            await hub.migrate()
            for report in await hub.load_sample():
                print(f"Loaded {report}")
            print(f"Demo hub ready at {settings.database_url}.")
            print("Try: saferhub chat --as alex@example.org   (a member of staff)")
            print("     saferhub chat --as priya@example.org  (the Prevent manager: sees alerts)")
            print("     saferhub simulate --days 30            (a month of recommendation nudges)")
            print(
                "The web hub (run 'saferhub serve', then open a link; each works once, for 15 minutes):"
            )
            for email, who in DEMO_PERSONAS:
                token = await visits.make_link(hub, email, limit=False)
                print(f"  {who:<34} {visits.link_url(settings.public_url, token or '')}")
            return 0
        if args.command == "hub":
            await hub.migrate()
            token = await visits.make_link(hub, args.email, limit=False)
            if token is None:
                print(
                    f"{args.email} cannot sign in: not in the directory, or inactive.",
                    file=sys.stderr,
                )
                return 1
            print(visits.link_url(settings.public_url, token))
            print("It works once, for 15 minutes.", file=sys.stderr)
            return 0
        if args.command == "db":
            await hub.migrate()
            print("Database is up to date.")
            return 0
        if args.command in ("directory", "recommendations"):
            await hub.migrate()
            expected = "recommendations" if args.command == "recommendations" else None
            for report in await hub.import_files(args.files, expected):
                print(f"Imported {report}")
            return 0
        if args.command == "gazetteer":
            await hub.migrate()
            async with hub.unit() as uow:
                imported = await import_gazetteer(uow, args.files)
            print(f"Imported {imported} ({'; '.join(imported.notes)})")
            return 0
        if args.command == "concerns":
            async with hub.unit() as uow:
                actor = (
                    await directory.person_by_email(uow.session, args.email) if args.email else None
                )
                table = await prevent.export_concerns(
                    uow,
                    args.since,
                    actor=actor,
                    operator=getpass.getuser(),
                    with_reporters=args.with_reporters,
                )
            if args.out:
                save(table.rendered(args.format), args.out, args.format)
                print(f"Wrote {len(table.rows)} concerns to {args.out}.")
            else:
                print(table.csv_text(), end="")
            return 0
        if args.command == "report":
            async with hub.unit() as uow:
                output = await progress.render_report(uow, args.source, args.format)
            if args.format == "png":
                out = args.out or progress.default_chart_path(Path.cwd())
                save(output, out, args.format)
                print(f"Wrote the chart to {out.resolve()}.")
            elif args.out:
                save(output, args.out, args.format)
                print(f"Wrote the {args.format} report to {args.out}.")
            else:
                print(output, end="")
            return 0
        if args.command == "sharing":
            await hub.migrate()
            return await sharing_cli.run(hub, args)
        if args.command == "audit":
            return await audit(hub, args.action, args.seal, args.to)
        if args.command == "retention":
            await hub.migrate()
            async with hub.unit() as uow:
                counts = await hub.retention(uow, apply=not args.dry_run)
            verb = "due" if args.dry_run else "done"
            for what, count in counts.items():
                print(f"{what}: {count} {verb}" if args.dry_run else f"{what}: {count}")
            if not args.dry_run:
                print(f"Retention applied ({verb}); the audit log records the counts.")
            return 0
        if args.command == "sar":
            async with hub.unit() as uow:
                admin = await directory.person_by_email(uow.session, args.admin)
                outcome = await subject_access.answer(
                    uow,
                    admin,
                    operator=getpass.getuser(),
                    folder=args.out,
                    email=args.person or "",
                    words=args.subject or "",
                )
            if isinstance(outcome, Refused):
                print(outcome.reason, file=sys.stderr)
                return 1
            done = outcome.value
            print(f"Wrote {done.rows} rows from {done.records} records to {done.folder}/.")
            return 0
        if args.command == "keys":
            await hub.migrate()
            return await rotate_keys(hub, write=args.action == "rotate")
        if args.command == "serve":
            if not await at_head(hub.database.engine):
                print(NOT_AT_HEAD, file=sys.stderr)
                return 1
            await serve(hub, os.environ, args.host, args.port, settings.tick_seconds)
            return 0
        if args.command == "chat":
            await hub.migrate()
            await ConsoleChat(hub, args.email).run()
            return 0
    return 2


async def rotate_keys(hub: Hub, *, write: bool) -> int:
    """Re-encrypt under the first data key (or only count); name every value no key can read."""
    report = await keys.rotate(hub.database, hub.database.keyring, write=write)
    done = "re-encrypted under the first key" if write else "readable"
    print(f"{report.rotated} of {report.values} encrypted values {done}.")
    if not report.unreadable:
        return 0
    print(
        f"{len(report.unreadable)} cannot be read with the configured keys (left untouched); "
        "add the key they were written with to SAFERHUB_DATA_KEY:",
        file=sys.stderr,
    )
    for where in report.unreadable:
        print(f"  {where}", file=sys.stderr)
    return 1


async def audit(hub: Hub, action: str, seals: Path | None, to: Path | None) -> int:
    """Seal the audit chain, or verify it against its key and any seals."""
    if hub.settings.audit_key is None:
        print(
            "Warning: SAFERHUB_AUDIT_KEY is not set, so the chain uses the development key and "
            "anyone with database access could re-chain it.",
            file=sys.stderr,
        )
    if action == "seal":
        async with hub.unit() as uow:
            stamp = await seal(uow.session, uow.now)
        if to is not None:
            append_seal(to, stamp)
        print(stamp.line())
        return 0
    try:
        known = read_seals(seals) if seals else []
    except (OSError, ValueError) as error:
        print(f"Cannot read the seals: {error}", file=sys.stderr)
        return 2
    async with hub.database.transaction() as session:
        check = await verify_chain(session, known)
    if check.ok:
        against = f", matching {len(known)} seal(s)" if known else ""
        print(f"Audit chain intact: {check.rows} entries checked{against}.")
        return 0
    where = f" at entry {check.broken_at}" if check.broken_at else ""
    print(f"Audit chain BROKEN{where}: {check.reason}.", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `saferhub` console script."""
    args = parser().parse_args(argv)
    try:
        logs.configure(os.environ.get("SAFERHUB_LOG_LEVEL", "WARNING"))
        settings = Settings.from_env()
        if args.database:
            settings = Settings(**{**settings.__dict__, "database_url": args.database})
        return asyncio.run(run(args, settings))
    except ConfigError as error:
        print(f"Configuration problem: {error}", file=sys.stderr)
        return 2
    except ServiceError as refused:
        print(str(refused), file=sys.stderr)
        return 1
    except RefusedImport as refused:
        print("Nothing was imported:", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
