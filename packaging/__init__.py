"""Release toolchain for the Orthanc Python plugin.

Finds the Python interpreters of this machine, builds one plugin per Python
version with CMake, runs the integration tests against each build and
assembles ``dist/<version>/`` with checksums and a manifest.

The folder is named ``packaging`` like the PyPA library that pip, nox,
virtualenv and pytest import. Our callers load it under another name,
``orthanc_packaging`` (see ``noxfile.py``), so modules here only import each
other relatively. Imported as plain ``packaging`` (``python -m nox`` run from
the project root puts the root on sys.path), it hands over to the PyPA library.
"""

from __future__ import annotations

if __name__ == "packaging":
    import importlib.machinery
    import importlib.util
    import os
    import sys

    _root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _elsewhere = [p for p in sys.path if os.path.abspath(p or os.curdir) != _root]
    _spec = importlib.machinery.PathFinder.find_spec("packaging", _elsewhere)
    if _spec is not None and _spec.loader is not None:
        _pypa = importlib.util.module_from_spec(_spec)
        # The import system returns whatever sys.modules holds once this
        # module has run, so the importer gets the PyPA package.
        sys.modules["packaging"] = _pypa
        _spec.loader.exec_module(_pypa)
