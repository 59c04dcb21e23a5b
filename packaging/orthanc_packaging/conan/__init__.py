"""The Conan 2 packages of the recipes in recipes/: create the SDK and plugin
packages, upload them to a conan_server on loopback, drop them from the
cache, install them back from that server and load the plugin in Orthanc.

Everything happens under <root>/build/conan/ (its own CONAN_HOME, the
server's folder), so the user's Conan cache and remotes are never touched,
and nothing is downloaded: the conancenter remote is removed and the SDK
header is packaged from the local orthanc-dev install.

One module per concern: plan (names, folders, the plan), commands (command
lines and the client), results (what Conan answered, the installed plugin),
server (the loopback conan_server), session (the deliverable).
"""

from __future__ import annotations

from .commands import conan_env as conan_env
from .commands import install_args as install_args
from .commands import plugin_create_args as plugin_create_args
from .commands import redact as redact
from .commands import sdk_create_args as sdk_create_args
from .commands import upload_args as upload_args

# What the session table and tests/conan use, under the package's name.
from .plan import INSTALLED_PLUGIN_VARIABLE as INSTALLED_PLUGIN_VARIABLE
from .plan import REMOTE as REMOTE
from .plan import SDK_VERSION as SDK_VERSION
from .plan import Plan as Plan
from .plan import layout_for as layout_for
from .results import binaries_by_name as binaries_by_name
from .results import downloaded_problem as downloaded_problem
from .results import exported_symbols as exported_symbols
from .results import find_node as find_node
from .results import host_os as host_os
from .results import plugin_file as plugin_file
from .session import ConanPackages as ConanPackages
