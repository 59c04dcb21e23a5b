"""Python's logging goes to Orthanc's log: levels mapped, the logger's name in
the line, the level following Orthanc's verbosity (PUT /tools/log-level), a
script's own configuration winning, "Python.Logging": false turning it off,
and failing handlers keeping the server up."""

from __future__ import annotations

import re
import time

import pytest

from orthanc_server import OrthancServer, StartOrthanc

pytestmark = pytest.mark.ours

LOGGING = """\
import logging
import orthanc

log = logging.getLogger('my.script')

def Route(output, uri, **request):
    mark = request['get'].get('mark', '')
    log.debug('debug line %s', mark)
    log.info('info line %s', mark)
    log.warning('warning line %s', mark)
    log.error('error line %s', mark)
    log.critical('critical line %s', mark)
    output.AnswerBuffer('ok', 'text/plain')

orthanc.RegisterRestCallback('/log', Route)
"""


def _log_until(server: OrthancServer, seen: str, unseen: str | None = None, timeout: float = 10) -> str:
    """Calls /log with a new mark until `seen` appears in the log for that mark
    (and `unseen` does not): the level follows Orthanc's within a second."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        mark = f"m{attempt}x"
        assert server.get("/log", params={"mark": mark}).text == "ok"
        log = server.wait_for_log(rf"critical line {mark}\b")
        if (re.search(seen.format(mark=mark), log)
                and (unseen is None or not re.search(unseen.format(mark=mark), log))):
            return mark
        if time.monotonic() > deadline:
            raise AssertionError(f"{seen!r} (without {unseen!r}) not seen within {timeout} s")
        time.sleep(0.2)


def test_levels_map_to_orthanc_and_follow_its_verbosity(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(LOGGING)  # started with --verbose: INFO and up
    assert server.get("/log", params={"mark": "first"}).text == "ok"
    log = server.wait_for_log(r"critical line first")
    assert re.search(r"\nI\d{4} [^\n]*my\.script: info line first", log)
    assert re.search(r"\nW\d{4} [^\n]*my\.script: warning line first", log)
    assert re.search(r"\nE\d{4} [^\n]*my\.script: error line first", log)
    assert re.search(r"\nE\d{4} [^\n]*my\.script: critical line first", log)
    assert "debug line first" not in log

    assert server.put("/tools/log-level", data="trace").status_code == 200
    _log_until(server, r"my\.script: debug line {mark}\b")

    assert server.put("/tools/log-level", data="default").status_code == 200
    mark = _log_until(server, r"my\.script: warning line {mark}\b", unseen=r"info line {mark}\b")
    assert f"debug line {mark}" not in server.log_text()


def test_a_script_that_configures_logging_keeps_its_configuration(orthanc_server: StartOrthanc) -> None:
    script = ("import logging, sys\n"
              "logging.basicConfig(force=True, level=logging.DEBUG, stream=sys.stdout,\n"
              "                    format='OWN %(levelname)s %(name)s %(message)s')\n" + LOGGING)
    server = orthanc_server(script)
    assert server.get("/log", params={"mark": "one"}).text == "ok"
    log = server.wait_for_log(r"OWN CRITICAL my\.script critical line one")
    assert "OWN DEBUG my.script debug line one" in log
    assert "my.script: warning line one" not in log  # the bridge's handler is gone

    # Orthanc's verbosity no longer changes the script's level.
    assert server.put("/tools/log-level", data="default").status_code == 200
    time.sleep(1.5)  # the bridge follows Orthanc's level every 0.5 s
    assert server.get("/log", params={"mark": "two"}).text == "ok"
    server.wait_for_log(r"OWN DEBUG my\.script debug line two")


def test_logging_false_turns_the_bridge_off(orthanc_server: StartOrthanc) -> None:
    script = "import logging\nprint('root handlers:', logging.getLogger().handlers)\n" + LOGGING
    server = orthanc_server(script, extra_config={"Python": {"Logging": False}})
    server.wait_for_log(r"root handlers: \[\]")
    assert server.get("/log", params={"mark": "off"}).text == "ok"
    time.sleep(0.5)
    assert "my.script: warning line off" not in server.log_text()


FAILING_HANDLERS = """\
import logging
import orthanc

class Raising(logging.Handler):
    def emit(self, record):
        raise RuntimeError('this handler always fails')

bad = logging.getLogger('bad')
bad.addHandler(Raising())
bad.propagate = False

def Bad(output, uri, **request):
    bad.warning('never written')
    output.AnswerBuffer('not reached', 'text/plain')

def BadArguments(output, uri, **request):
    logging.getLogger('args').warning('%d items', 'not a number')  # the bridge's format fails
    output.AnswerBuffer('answered', 'text/plain')

orthanc.RegisterRestCallback('/bad-handler', Bad)
orthanc.RegisterRestCallback('/bad-arguments', BadArguments)
"""


def test_failing_handlers_keep_the_server_up(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(FAILING_HANDLERS)
    # A script's handler that raises: the exception is the callback's, reported as such.
    assert server.get("/bad-handler").status_code == 500
    log = server.wait_for_log(r"RuntimeError: this handler always fails")
    assert "exception in the REST callback for /bad-handler" in log
    # A record that the bridge cannot format: logging's own report, the callback answers.
    assert server.get("/bad-arguments").text == "answered"
    server.wait_for_log(r"--- Logging error ---")
    assert server.get("/system").status_code == 200
