"""Deliver due conversions to Convert: once (cron), or as a worker with ``--loop``."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from django_convert.delivery.deliver import DeliveryReport, deliver_due
from django_convert.project.sync import sync_if_stale_in_worker

logger = logging.getLogger("django_convert")

STOP_CHECK_SECONDS = 0.05  # while pausing, how often --loop checks for SIGTERM/SIGINT


class Command(BaseCommand):
    help = (
        "Deliver every conversion that is due to Convert and print what happened. "
        "With --loop, keep running as a worker until SIGTERM or SIGINT."
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

    def handle(self, *args: Any, loop: bool, interval: float, **options: Any) -> None:
        if interval <= 0:
            raise CommandError(f"--interval must be a positive number of seconds, not {interval}.")
        try:
            if loop:
                self.run_loop(interval)
            else:
                self.report(deliver_due(), always=True)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

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
        try:
            while not stopping:
                close_old_connections()
                # The project config (names, checks), every CONFIG_SYNC_INTERVAL.
                sync_if_stale_in_worker(trigger="convert_deliver")
                try:
                    report = deliver_due(should_stop=should_stop)
                except DatabaseError as exc:  # e.g. the database restarting: keep the worker up
                    logger.exception("Delivery round failed; trying again in %gs.", interval)
                    self.stderr.write(f"Delivery round failed: {exc}")
                    pause(interval)
                    continue
                self.report(report)
                if report.claimed == 0 or report.transient_error:
                    pause(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped.")

    def report(self, report: DeliveryReport, *, always: bool = False) -> None:
        if always or report.claimed:
            self.stdout.write(str(report))
            self.stdout.flush()
