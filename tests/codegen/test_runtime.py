"""The generated wrappers, built into an extension module against a fake
Orthanc (data/runtime_stubs.cpp), behave as specified when called from Python."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

# Paths computed here: `from conftest import` could pick another conftest.py.
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"

SCRIPT = textwrap.dedent(
    r'''
    import gc, inspect, sys
    import orthanc

    # Enumerations: classes with int attributes.
    assert orthanc.ChangeType.STABLE_STUDY == 9
    assert orthanc.ErrorCode.INTERNAL_ERROR == -1
    assert orthanc.PixelFormat.RGB24 == 4
    assert orthanc.ChangeType.__module__ == "orthanc"

    # Strings.
    assert orthanc.LogWarning("héllo") is None
    assert orthanc._last_log() == "héllo"
    for bad in ((1,), (), ("a", "b")):
        try:
            orthanc.LogWarning(*bad)
        except TypeError:
            pass
        else:
            raise AssertionError("LogWarning{} did not raise".format(bad))

    # Owned handles: created by the SDK, freed by tp_dealloc with the Free function.
    image = orthanc.CreateImage(orthanc.PixelFormat.RGB24, 10, 20)
    assert type(image) is orthanc.Image
    assert (image.GetImageWidth(), image.GetImageHeight()) == (10, 20)
    assert image.GetImagePixelFormat() == orthanc.PixelFormat.RGB24
    del image
    gc.collect()
    assert orthanc._freed_images() == 1

    # Unsigned integers are range-checked, floats refused.
    for args, error in (((2, -1, 5), OverflowError), ((2, 2 ** 32, 5), OverflowError), ((2, 1.5, 5), TypeError)):
        try:
            orthanc.CreateImage(*args)
        except error:
            pass
        else:
            raise AssertionError("CreateImage{} did not raise {}".format(args, error.__name__))

    # No constructor from Python.
    try:
        orthanc.Image()
    except TypeError:
        pass
    else:
        raise AssertionError("orthanc.Image() did not raise")

    # Buffers: bytes-like or str, the size argument is implicit.
    assert orthanc.ComputeMd5(b"abc") == "len=3"
    assert orthanc.ComputeMd5("abcd") == "len=4"
    assert orthanc.ComputeMd5(bytearray(5)) == "len=5"
    assert orthanc.ComputeMd5(memoryview(b"123456")) == "len=6"
    try:
        orthanc.ComputeMd5(12)
    except TypeError:
        pass
    else:
        raise AssertionError("ComputeMd5(12) did not raise")

    # Pixel buffers are checked against pitch * height before the SDK reads them.
    for args in ((orthanc.PixelFormat.RGB24, 4, 4, 12, bytes(47)),   # one byte short
                 (orthanc.PixelFormat.RGB24, 4, 4, 11, bytes(64)),   # pitch shorter than a row
                 (99, 4, 4, 12, bytes(48))):                         # unknown format
        try:
            orthanc.CompressPngImage(*args)
        except ValueError:
            pass
        else:
            raise AssertionError("CompressPngImage{} did not raise ValueError".format(args[:4]))
    try:
        orthanc.CompressPngImage(orthanc.PixelFormat.RGB24, 4, 4, 12, bytes(48))
    except RuntimeError as error:  # a right-sized buffer reaches the (fake) SDK
        assert "orthanc error" in str(error)

    # Mappings of str become the SDK's count/keys/values.
    for bad in ("not a mapping", {"a": 1}, {1: "b"}):
        try:
            orthanc.RestApiGet2("/x", bad, 0)
        except TypeError:
            pass
        else:
            raise AssertionError("RestApiGet2 accepted {!r}".format(bad))

    # The hand-written functions are in the module, with their signature.
    assert str(inspect.signature(orthanc.RegisterRestCallback)) == "(pathRegularExpression, callback, /)"
    assert str(inspect.signature(orthanc.Image.GetImageBuffer)) == "(self, /)"

    # MemoryBuffer results are bytes.
    assert orthanc.RestApiGet("/system") == b"/system"

    # Handle arguments are type-checked; None where the SDK accepts NULL.
    image = orthanc.CreateImage(2, 1, 1)
    assert orthanc.CreateDicom("{}", image, 0) == b"{}+image"
    assert orthanc.CreateDicom("{}", None, 0) == b"{}+no-image"
    try:
        orthanc.CreateDicom("{}", "not an image", 0)
    except TypeError:
        pass
    else:
        raise AssertionError("CreateDicom accepted a str as image")

    # SubmitJob hands the job over to Orthanc: the wrapper is invalidated, never freed.
    job = orthanc._make_job()
    assert job.SubmitJob(7) == "job-7"
    try:
        job.SubmitJob(1)
    except RuntimeError:
        pass
    else:
        raise AssertionError("an invalidated job was accepted")
    del job
    gc.collect()
    assert orthanc._freed_jobs() == 0

    # Error codes become exceptions.
    try:
        orthanc.RestApiDelete("/x")
    except RuntimeError as error:
        assert "orthanc error 2" in str(error)
    else:
        raise AssertionError("RestApiDelete did not raise")

    # Docstrings carry a signature for inspect.
    assert str(inspect.signature(orthanc.RestApiGet)) == "(uri, /)"
    assert str(inspect.signature(orthanc.Image.GetImageWidth)) == "(self, /)"
    assert orthanc.RestApiGet.__doc__.startswith("Make a GET call to the built-in Orthanc REST API.")

    # Every SDK call was made without the GIL.
    assert not orthanc._gil_held_in_sdk()
    print("runtime ok")
    '''
)


def _handwritten_stubs(plan) -> str:
    """C++ definitions of the hand-written symbols (src/ has the real ones, built
    with the plugin): each raises NotImplementedError."""
    lines = ['#include "OrthancGenerated.h"', ""]
    entries = [(h.symbol, h.keywords) for h in plan.handwritten_functions]
    entries += [(m.symbol, m.keywords) for c in plan.classes for m in c.handwritten]
    for symbol, keywords in entries:
        lines.append(f"PyObject* {symbol}(PyObject*, PyObject*{', PyObject*' if keywords else ''})")
        lines.append('{ PyErr_SetString(PyExc_NotImplementedError, "hand-written"); return nullptr; }')
    return "\n".join(lines) + "\n"


def test_generated_module_runs(real_output_dir, real_plan, real_header, tmp_path):
    compiler = shutil.which("g++")
    include = sysconfig.get_paths()["include"]
    if compiler is None or not (Path(include) / "Python.h").is_file():
        pytest.skip("g++ or the Python headers are missing")
    module = tmp_path / ("orthanc" + sysconfig.get_config_var("EXT_SUFFIX"))
    stubs = tmp_path / "handwritten_stubs.cpp"
    stubs.write_text(_handwritten_stubs(real_plan), encoding="utf-8")
    # src/Arguments.cpp, src/Convert.cpp and src/LargeBlocks.cpp only use Python and the (fake)
    # context: the real ones are built in.
    sources = [DATA / "runtime_stubs.cpp", stubs, ROOT / "src" / "Arguments.cpp", ROOT / "src" / "Convert.cpp",
               ROOT / "src" / "LargeBlocks.cpp"]
    sources += sorted(real_output_dir.glob("Orthanc*.cpp"))
    command = [
        compiler, "-std=c++17", "-shared", "-fPIC", "-O0", "-Wall", "-Wextra", "-Werror",
        "-I", str(real_header.parent.parent), "-I", str(ROOT / "src"), "-I", str(real_output_dir), "-I", include,
        *map(str, sources), "-o", str(module),
    ]
    build = subprocess.run(command, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([sys.executable, "-X", "dev", "-c", SCRIPT], cwd=str(tmp_path), capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "runtime ok" in run.stdout
