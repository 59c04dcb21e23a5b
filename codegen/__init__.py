"""Code generator of the `orthanc` Python module.

Three steps, each in its own module:
  parse.py     OrthancCPlugin.h --libclang--> model.Module (dumpable to JSON)
  classify.py  model.Module --type mapping--> bindings.Plan (+ coverage)
               (with arguments.py, results.py, handwritten_plan.py, sdk_policy.py)
  render.py    bindings.Plan --Jinja2--> C++ sources, orthanc.pyi, reports

Command line: python -m codegen --header PATH --output-dir DIR [--cache-dir DIR]
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Tuple

from .bindings import Plan


def generate(header: Path) -> Tuple[Plan, Dict[str, bytes]]:
    """Runs the three steps on `header`; returns the plan and the output files."""
    from .classify import classify
    from .parse import parse_header
    from .render import encode, render

    module = parse_header(Path(header))
    plan = classify(module)
    return plan, encode(render(plan, module))
