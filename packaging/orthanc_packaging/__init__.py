"""Release toolchain for the Orthanc Python plugin.

Where to start: sessions.py (what each `nox -s` session does), then
deliverable.py (the prepare/build/check/smoke-test shape of a deliverable)
and the module of the deliverable you care about (windows, docker, wheels,
conan; release.py for the Linux binaries per Python and dist/).
Shared parts: commands.py (running a command), system.py (Debian
packages), ports.py (loopback ports), discovery.py (Pythons), cmake.py;
for the tests and the benchmarks, orthanc_setup.py (the files of an Orthanc
run) and dicom_factory.py (small DICOM files).

Installed into each nox session's venv (`pip install -e packaging`); the
project's ``packaging/`` folder itself is not a package, so PyPA's
``packaging`` (which pip, nox and pytest import) is never shadowed.
"""
