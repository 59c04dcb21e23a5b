"""Release toolchain for the Orthanc Python plugin.

Finds the Python interpreters of this machine, builds one plugin per Python
version with CMake, runs the integration tests against each build and
assembles ``dist/<version>/`` with checksums and a manifest.

The folder is named ``packaging`` like the PyPA library that nox and pytest
import, so callers load it under another name (see ``noxfile.py``); modules
here therefore only import each other relatively.
"""
