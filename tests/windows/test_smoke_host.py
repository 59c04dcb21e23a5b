"""The built Windows DLL, loaded by the smoke-test host (windows/smoke-host,
not Orthanc) under Wine on Linux or natively on Windows, with the real
Windows Python: the script runs, its print() comes out, its REST callback
answers a GET."""

from __future__ import annotations

from pathlib import Path

from windows_env import Built, windows

HELLO_AND_REST = """\
import sys
import orthanc

print('Hello world from Python %d.%d on %s, %d-bit' % (
    sys.version_info[0], sys.version_info[1], sys.platform, 64 if sys.maxsize > 2**32 else 32))

def OnRest(output, uri, **request):
    print('Accessing uri: %s' % uri)
    output.AnswerBuffer('ok %s %s groups=%s get=%s agent=%s\\n' % (
        request['method'], uri, list(request['groups']), request['get'],
        request['headers'].get('user-agent')), 'text/plain')

orthanc.RegisterRestCallback('/(to)(t)o', OnRest)
orthanc.RegisterRestCallback('/tata', OnRest)
"""


def run(built: Built, tmp_path: Path, script: str, *route: str) -> windows.SmokeRun:
    result = windows.run_smoke_host(
        built.host,
        built.plugin,
        built.python_home,
        script,
        tmp_path,
        route[0] if route else None,
        route[1] if route else "",
        route[2:],
        wine_prefix=built.wine_prefix,
    )
    print(result.output)  # shown by pytest when an assertion fails
    return result


def test_hello_world_and_rest_callback(built: Built, tmp_path: Path) -> None:
    result = run(built, tmp_path, HELLO_AND_REST, "/(to)(t)o", "/toto", "to", "t")

    assert result.returncode == 0
    lines = result.output.splitlines()
    assert f"Hello world from Python {built.minor} on win32, 64-bit" in lines
    assert "[host] REST route registered (no lock): /(to)(t)o" in lines
    assert "[host] REST route registered (no lock): /tata" in lines
    assert "[host] OrthancPluginInitialize returned 0" in lines
    assert "Accessing uri: /toto" in lines
    answer = "ok GET /toto groups=['to', 't'] get={'smoke': '1'} agent=orthanc-python-smoke-host\n"
    assert (
        f"[host] REST answer (text/plain, {len(answer)} bytes): {answer}"
        in result.output
    )
    # print() of the script comes before the answer, the answer before finalization.
    assert lines.index("Accessing uri: /toto") < lines.index(
        "[host] REST callback returned 0"
    )
    assert lines[-2:] == ["[host] OrthancPluginFinalize done", "[host] exit code 0"]


def test_plugin_reports_the_python_it_runs(built: Built, tmp_path: Path) -> None:
    script = "import sys\nprint('executable=' + sys.executable)\n"
    result = run(built, tmp_path, script)

    assert result.returncode == 0
    tag = windows.python_tag(built.minor)
    assert (
        f"python{tag}.dll" in result.output
    )  # "using Python 3.X.Y from ...\\python3XY.dll"
    assert "executable=" in result.output and "python.exe" in result.output


def test_script_error_fails_initialization_with_the_traceback(
    built: Built, tmp_path: Path
) -> None:
    script = "raise RuntimeError('broken on purpose')\n"
    result = run(built, tmp_path, script, "/tata", "/tata")

    assert result.returncode == 4  # EXIT_INITIALIZE
    assert "[host] OrthancPluginInitialize returned -1" in result.output
    assert "RuntimeError: broken on purpose" in result.output
    assert "[host] plugin error:" in result.output


RESTARTED = """\
import sys
import orthanc

# The host restarts the plugin as Orthanc's POST /tools/reset does (FreeLibrary,
# LoadLibrary, a new context): the DLL stays loaded, Python keeps running, and
# the script is imported again in the same interpreter.
sys.smoke_runs = getattr(sys, 'smoke_runs', 0) + 1
print('imported for run %d' % sys.smoke_runs)

def OnRest(output, uri, **request):
    output.AnswerBuffer('run %d\\n' % sys.smoke_runs, 'text/plain')

orthanc.RegisterRestCallback('/run', OnRest)
"""


def test_restarts_keep_python_running(built: Built, tmp_path: Path) -> None:
    result = windows.run_smoke_host(built.host, built.plugin, built.python_home, RESTARTED, tmp_path,
                                    "/run", "/run", wine_prefix=built.wine_prefix, resets=3)
    print(result.output)

    assert result.returncode == 0
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("imported for run")] == [
        f"imported for run {run}" for run in (1, 2, 3, 4)]
    assert [line for line in lines if line.startswith("[host] REST answer")] == [
        f"[host] REST answer (text/plain, 6 bytes): run {run}" for run in (1, 2, 3, 4)]
    assert result.output.count("the scripts are imported again") == 3
    assert lines[-2:] == ["[host] OrthancPluginFinalize done", "[host] exit code 0"]
