"""What src/ implements by hand, so that the generator neither wraps it nor
reports it as missing.

Edit these tables together with the hand-written C++ code.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

# SDK function -> Python name of the module function written by hand in src/.
# The generator does not wrap these; the coverage report lists them as
# "hand-written" (several SDK functions may share one Python function).
HANDWRITTEN_FUNCTIONS: Dict[str, str] = {
    "OrthancPluginRegisterRestCallback": "RegisterRestCallback",
    "OrthancPluginRegisterRestCallbackNoLock": "RegisterRestCallback",
    "OrthancPluginRegisterOnChangeCallback": "RegisterOnChangeCallback",
    "OrthancPluginRegisterOnStoredInstanceCallback": "RegisterOnStoredInstanceCallback",
    "OrthancPluginRegisterIncomingHttpRequestFilter": "RegisterIncomingHttpRequestFilter",
    "OrthancPluginRegisterIncomingHttpRequestFilter2": "RegisterIncomingHttpRequestFilter",
}

# Python class -> methods written by hand in src/: (method name, C symbol, docstring).
# The generated OrthancGenerated.h declares, at global scope,
#   PyObject* <C symbol>(PyObject* self, PyObject* args);
# and the class's method table lists it with METH_VARARGS.  A hand-written
# method named like a generated one replaces it (the SDK function is then
# reported as hand-written).
HANDWRITTEN_METHODS: Dict[str, List[Tuple[str, str, str]]] = {}
