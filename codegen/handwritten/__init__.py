"""What src/ implements by hand, so that the generator neither wraps it nor
reports it as missing, and so that the hand-written functions get the same
treatment as the generated ones: one method table, a docstring made from the
SDK documentation, a typed entry in orthanc.pyi.

Edit these tables together with the hand-written C++ code: every `symbol`
is a C++ function at global scope,
    PyObject* <symbol>(PyObject* self, PyObject* args)                      (keywords=False)
    PyObject* <symbol>(PyObject* self, PyObject* args, PyObject* kwargs)    (keywords=True)
that the generated OrthancGenerated.h declares and the generated method
tables list.

One module per concern: entry (the Handwritten record), callbacks (the
callback registrations), services (the other functions and the methods),
coverage_policy (the SDK functions reachable without a wrapper, or left out),
stub_types (the types the signatures use in orthanc.pyi).
"""

from __future__ import annotations

from typing import List

from .callbacks import CALLBACK_FUNCTIONS
from .coverage_policy import INTERNAL as INTERNAL
from .coverage_policy import NOT_WRAPPED as NOT_WRAPPED
from .entry import Handwritten as Handwritten
from .services import METHODS as METHODS
from .services import SERVICE_FUNCTIONS
from .stub_types import STUB_TYPES as STUB_TYPES

# The module functions in the order of the method table: callbacks first.
FUNCTIONS: List[Handwritten] = CALLBACK_FUNCTIONS + SERVICE_FUNCTIONS
