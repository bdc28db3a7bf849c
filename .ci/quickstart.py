"""Follow docs/quickstart.rst word for word, with the built wheel, in a fresh directory.

Usage: python .ci/quickstart.py --python python3.13 --wheel dist/django_convert-X-py3-none-any.whl

The page's blocks are the script:
- ``console`` blocks: each ``$ command`` runs in the project directory (``python -m venv``
  uses --python; ``. .venv/bin/activate`` puts the venv first on PATH); the lines after a
  command are output it must print. ``runserver`` and the tracking stand-in keep running in
  the background.
- a ``python`` or ``html+django`` block captioned ``PATH`` writes that file;
  ``PATH (add at the end)`` appends to it.

Only these substitutions are made: ``pip install ./django-convert`` (the page's checkout)
installs the wheel, and the
page's ports (8000, 8001) become free ones (the stand-in gets ``--port 0`` and its URL is
read from its first line). Then the page's promises are checked: the home page has the
identify push for the visitor's own id before Convert's script tag, and pressing *Buy*
makes the stand-in print that it accepted the conversion.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "quickstart.rst"
DIRECTIVE = re.compile(r"^\.\. code-block:: *(\S+)\s*$")
APPEND = " (add at the end)"


@dataclass
class Block:
    language: str
    caption: str | None
    lines: list[str]


@dataclass
class Background:
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def start_reading(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip("\n"))
                print(f"    | {line.rstrip()}", flush=True)

        threading.Thread(target=read, daemon=True).start()

    def wait_for(self, pattern: str, timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output:
                if re.search(pattern, line):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit(f"FAIL: {what}: no line matching {pattern!r} in:\n" + self.log())

    def log(self) -> str:
        return "\n".join(self.output)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # runserver's reloader child too
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i])
        i += 1
        if not match:
            continue
        caption = None
        while i < len(lines) and lines[i].strip().startswith(":"):
            option = lines[i].strip()
            if option.startswith(":caption:"):
                caption = option.removeprefix(":caption:").strip()
            i += 1
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
            body.append(lines[i][3:])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        found.append(Block(match.group(1), caption, body))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Follower:
    def __init__(self, python: str, wheel: Path, work: Path) -> None:
        self.python, self.wheel, self.work = python, wheel, work
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYENV_")}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.pop("VIRTUAL_ENV", None)
        self.port = free_port()
        self.replace: dict[str, str] = {"127.0.0.1:8000": f"127.0.0.1:{self.port}"}
        self.background: dict[str, Background] = {}

    def run(self, block: Block) -> None:
        if block.language == "console":
            self.console(block.lines)
        elif block.caption and block.language in ("python", "html+django"):
            self.write(block.caption, block.lines)

    def write(self, caption: str, lines: list[str]) -> None:
        append = caption.endswith(APPEND)
        path = self.work / caption.removesuffix(APPEND)
        text = "\n".join(lines) + "\n"
        for old, new in self.replace.items():
            text = text.replace(old, new)
        print(f"--- {'append to' if append else 'write'} {path.relative_to(self.work)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if append:
            assert path.exists(), f"{path} should exist before the page appends to it"
            with path.open("a") as file:
                file.write("\n" + text)
        else:
            path.write_text(text)

    def console(self, lines: list[str]) -> None:
        commands: list[tuple[str, list[str]]] = []
        for line in lines:
            if line.startswith("$ "):
                commands.append((line[2:], []))
            elif commands:
                commands[-1][1].append(line)
        for command, expected in commands:
            self.command(command, expected)

    def command(self, command: str, expected: list[str]) -> None:
        print(f"$ {command}", flush=True)
        argv = shlex.split(command)
        if argv[:3] == ["python", "-m", "venv"]:
            argv[0] = self.python
        elif argv[:2] == [".", ".venv/bin/activate"]:
            venv = self.work / ".venv"
            self.env["VIRTUAL_ENV"] = str(venv)
            self.env["PATH"] = f"{venv / 'bin'}:{self.env['PATH']}"
            return
        if argv[-2:] == ["install", "./django-convert"]:  # the page's checkout: the wheel
            argv[-1] = str(self.wheel)
        if "tracking_server" in command:
            argv[argv.index("--port") + 1] = "0"
            server = self.start("tracking_server", argv)
            line = server.wait_for(r"^listening on http://", 20, "the stand-in did not start")
            url = line.removeprefix("listening on ")
            for documented in expected:
                if documented.startswith("listening on "):
                    documented_url = documented.removeprefix("listening on ")
                    self.replace[documented_url] = url
                    # The same server's base URL (CONFIG_URL) moves with it.
                    self.replace[documented_url.removesuffix("/v1/track")] = url.removesuffix(
                        "/v1/track"
                    )
            return
        if "runserver" in argv:
            argv = [self.replace.get(arg, arg) for arg in argv]
            server = self.start("runserver", argv)
            server.wait_for(r"Quit the server with", 60, "runserver did not start")
            return
        result = subprocess.run(
            argv, cwd=self.work, env=self.env, text=True, capture_output=True, timeout=600
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise SystemExit(f"FAIL: {command!r} exited {result.returncode}:\n{output}")
        for line in expected:
            if line not in output:
                raise SystemExit(f"FAIL: {command!r} did not print {line!r}:\n{output}")

    def start(self, name: str, argv: list[str]) -> Background:
        process = subprocess.Popen(
            argv,
            cwd=self.work,
            env={**self.env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.background[name] = Background(process)
        self.background[name].start_reading()
        return self.background[name]

    def stop(self) -> None:
        for server in self.background.values():
            server.stop()

    def check_the_promises(self) -> None:
        python = self.work / ".venv" / "bin" / "python"
        version = subprocess.run(
            [python, "-c", "import django, sys; print(django.get_version(), sys.version[:4])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"--- Django and Python in the quick start's venv: {version}")
        base = f"http://127.0.0.1:{self.port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(base + "/", timeout=10).read().decode()
        # The page is the same for every visitor (cacheable): no id, no cookie from the server.
        assert "convert_vid" not in {cookie.name for cookie in jar}, list(jar)
        snippet = 'what:"identify",params:{visitorId:'
        script = '<script src="//cdn-4.convertexperiments.com/v1/js/10012345-10056789.js">'
        assert snippet in html, f"no identify push in:\n{html}"
        assert script in html, f"no Convert script tag in:\n{html}"
        assert html.index(snippet) < html.index(script), "identify must precede the script"
        print(f"--- the page has the identify snippet, then {script}")
        # What the snippet does in a browser: create the id in the first-party cookie.
        visitor = secrets.token_hex(16)
        jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                "convert_vid",
                visitor,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, "no CSRF token in the page's form"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1)}).encode()
        answer = opener.open(base + "/checkout/", data=body, timeout=30).read().decode()
        assert "Thank you" in answer, answer
        line = self.background["tracking_server"].wait_for(
            r"^accepted 200 /v1/track/10012345/10056789: 1 conversion\(s\), goals "
            r"\['100037225'\]",
            30,
            "the conversion did not reach the stand-in",
        )
        print(f"--- the stand-in printed: {line}")
        # Stricter than the page: no warning either, and the wheel's migrations are complete.
        for argv in (["check", "--fail-level", "WARNING"], ["makemigrations", "--check"]):
            result = subprocess.run(
                [python, "manage.py", *argv], cwd=self.work, env=self.env, capture_output=True
            )
            assert result.returncode == 0, f"manage.py {argv}: {result.stdout}{result.stderr}"
        print("--- check --fail-level WARNING and makemigrations --check pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="the interpreter of the fresh venv")
    parser.add_argument("--wheel", required=True, type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the project directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="quickstart-"))
    follower = Follower(args.python, args.wheel.resolve(), work)
    try:
        for block in blocks(PAGE.read_text()):
            follower.run(block)
        follower.check_the_promises()
    except (AssertionError, subprocess.CalledProcessError) as error:
        for name, server in follower.background.items():
            print(f"--- {name} output:\n{server.log()}", file=sys.stderr)
        raise SystemExit(f"FAIL: {error}") from error
    finally:
        follower.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("quick start followed literally: page with the tag, conversion accepted")


if __name__ == "__main__":
    main()
