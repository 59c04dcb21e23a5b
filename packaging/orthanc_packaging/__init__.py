"""Release toolchain for the Orthanc Python plugin.

Finds the Python interpreters of this machine, builds one plugin per Python
version with CMake, runs the integration tests against each build and
assembles ``dist/<version>/`` with checksums and a manifest.

The project's ``packaging/`` folder holds this package and the pinned
requirements (``packaging/requirements/``); it is not itself a package, so
PyPA's ``packaging`` (which pip, nox and pytest import) is never shadowed.
Callers put ``packaging/`` on ``sys.path`` and ``import orthanc_packaging``
(see ``noxfile.py``).
"""
