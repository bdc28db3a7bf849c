"""Deliver due conversions to Convert: once (cron), or as a worker with ``--loop``;
``--check`` reports delivery health instead and exits 1 when something is wrong."""

from __future__ import annotations

import json
import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from django_convert.conf import get_setting
from django_convert.delivery.deliver import DeliveryReport, deliver_due
from django_convert.delivery.durable import DatabaseOutage, is_connection_error
from django_convert.delivery.periodic import run_due_jobs, seconds_until_next_job, wait_for_jobs
from django_convert.delivery.worker import outage_pause
from django_convert.printable import printable

logger = logging.getLogger("django_convert")

STOP_CHECK_SECONDS = 0.05  # while pausing, how often --loop checks for SIGTERM/SIGINT


class Command(BaseCommand):
    help = (
        "Deliver every conversion that is due to Convert and print what happened. "
        "With --loop, keep running as a worker until SIGTERM or SIGINT. With --check, "
        "deliver nothing: report delivery health and exit 1 if something is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep running; stop cleanly on SIGTERM/SIGINT."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="With --loop: seconds to sleep when nothing is due (default 5).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report delivery health (overdue, stuck and failed conversions, the last "
            "delivery) without sending; exit status 1 when there is a problem.",
        )
        parser.add_argument(
            "--json", action="store_true", help="With --check: print the report as JSON."
        )

    def handle(
        self, *args: Any, loop: bool, interval: float, check: bool, json: bool, **options: Any
    ) -> None:
        if interval <= 0:
            raise CommandError(f"--interval must be a positive number of seconds, not {interval}.")
        if check:
            if loop:
                raise CommandError("--check and --loop cannot be combined.")
            self.check_health(as_json=json)
            return
        try:
            if loop:
                self.run_loop(interval)
            else:
                # Jobs first: what the sweep records goes out in this same (cron) run. The
                # config sync runs on its own thread meanwhile (never delaying delivery);
                # the run waits for it at the end, at most TIMEOUT (its own deadline).
                run_due_jobs(force=True)
                self.report(deliver_due(), always=True)
                wait_for_jobs(float(get_setting("TIMEOUT")) + 1.0)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def check_health(self, *, as_json: bool) -> None:
        from django_convert.delivery.health import delivery_health
        from django_convert.forwarding.health import forwarding_health

        health = delivery_health()
        forwarding = forwarding_health()
        if as_json:
            data = {**health.as_dict(), "forwarding": [d.as_dict() for d in forwarding]}
            self.stdout.write(json.dumps(data, indent=2))
        else:
            last = f"{health.last_sent_at:%Y-%m-%d %H:%M:%S %Z}" if health.last_sent_at else "never"
            self.stdout.write(
                f"pending {health.pending}, sending {health.sending}, overdue {health.overdue}, "
                f"stuck {health.stuck}, held {health.held}, failed recently "
                f"{health.failed_recently}, resent recently {health.resent_recently}; "
                f"last delivery: {last} (DELIVERY={health.delivery!r}, "
                f"database {health.database!r})"
            )
            if health.retries:
                reasons = ", ".join(f"{r} {n}" for r, n in sorted(health.retries.items()))
                hours = get_setting("HEALTH_FAILED_HOURS")
                self.stdout.write(f"retries in the last {hours:g} hour(s) by reason: {reasons}")
            for problem in health.problems:
                self.stderr.write(f"PROBLEM [{problem.code}] {printable(problem.message)}")
        if not as_json:
            for destination in forwarding:
                self.stdout.write(f"forwarding to {printable(str(destination))}")
                for text in destination.problems:
                    self.stderr.write(f"PROBLEM [forward:{destination.name}] {printable(text)}")
        if not health.ok:
            codes = ", ".join(problem.code for problem in health.problems)
            raise CommandError(f"Conversion delivery is not healthy: {codes}.", returncode=1)
        unhealthy = [d.name for d in forwarding if not d.ok]
        if unhealthy:
            raise CommandError(f"Forwarding is not healthy: {', '.join(unhealthy)}.", returncode=1)
        if not as_json:
            self.stdout.write("OK: conversions are being delivered.")

    def run_loop(self, interval: float) -> None:
        stopping = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Only a flag: the batch in flight finishes and is recorded before exiting.
            # Not threading.Event.set(): the main thread, interrupted here, may hold that
            # event's lock inside Event.wait(), and the handler would wait for it forever.
            nonlocal stopping
            stopping = True

        def should_stop() -> bool:
            return stopping

        def pause(seconds: float) -> None:
            # Short sleeps, so that a stop request is seen within 50 ms.
            deadline = time.monotonic() + seconds
            while not stopping and (left := deadline - time.monotonic()) > 0:
                time.sleep(min(left, STOP_CHECK_SECONDS))

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self.stdout.write(f"Delivering conversions every {interval:g}s; SIGTERM or Ctrl-C stops.")
        self.stdout.flush()
        database = DatabaseOutage()
        outages = 0  # rounds in a row that ended on a retryable Convert error
        try:
            while not stopping:
                close_old_connections()
                try:
                    report = deliver_due(should_stop=should_stop)
                except DatabaseError as exc:  # e.g. the database restarting: keep the worker up
                    if is_connection_error(exc):
                        database.failed(exc)  # said once per outage
                    else:
                        logger.exception("Delivery round failed; trying again in %gs.", interval)
                        self.stderr.write(f"Delivery round failed: {printable(exc)}")
                    pause(min(interval, 1.0))
                    continue
                database.succeeded()
                self.report(report)
                run_due_jobs()
                outages = outages + 1 if report.transient_error else 0
                if outages:
                    # Convert is down: one probe per pause (doubling up to RETRY_MAX_DELAY).
                    pause(outage_pause(outages))
                elif report.claimed == 0:
                    next_job = seconds_until_next_job()
                    pause(interval if next_job is None else max(0.05, min(interval, next_job)))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped.")

    def report(self, report: DeliveryReport, *, always: bool = False) -> None:
        if always or report.claimed:
            self.stdout.write(str(report))
            self.stdout.flush()
