"""Decides how each SDK function is exposed to Python (the type mapping), and
why a function is not wrapped when it cannot be.

Input: a model.Module.  Output: a bindings.Plan, with one coverage entry per
SDK function of the header.  The parameters are mapped by arguments.py, the
results by results.py, the hand-written functions planned by
handwritten_plan.py; sdk_policy.py holds what the declarations do not say.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import bindings as b
from . import handwritten as hw
from . import model as m
from .arguments import ArgumentMapper
from .docstrings import describe
from .handwritten_plan import HandwrittenPlanner
from .mapping import (
    RESERVED_LOCALS,
    HeaderTypes,
    NotMappable,
    is_context,
    local_name,
    pointer_spelling,
)
from .naming import (
    is_internal_sentinel,
    python_class_name,
    python_enum_value_name,
    python_method_name,
)
from .results import ResultMapper
from .sdk_policy import (
    DEFERRED_ANSWERS,
    ERROR_CODE_TYPE,
    HANDLE_CONSUMERS,
    MEMORY_BUFFER_TYPES,
    MINIMAL_ORTHANC,
    NOT_AN_ANSWER,
    REST_OUTPUT_TYPE,
    since,
)


class _Classifier:
    def __init__(
        self,
        module: m.Module,
        handwritten_functions: Iterable[hw.Handwritten],
        handwritten_methods: Dict[str, List[hw.Handwritten]],
        internal: Dict[str, str],
        excluded: Optional[Dict[str, str]] = None,
    ) -> None:
        self.module = module
        self.excluded = hw.NOT_WRAPPED if excluded is None else excluded
        self.internal = internal
        self.known = {f.name: f for f in module.functions}
        self.handwritten = HandwrittenPlanner(self.known, handwritten_functions, handwritten_methods)
        self.types = HeaderTypes.of(module)
        self.arguments = ArgumentMapper(self.types)
        self.results = ResultMapper(self.types)

    def run(self) -> b.Plan:
        classes = [
            b.WrapperClass(
                name=python_class_name(h.name),
                c_type=h.name,
                docstring=describe(h.doc),
                destructor=self.types.destructors.get(h.name, ""),
            )
            for h in self.module.classes
        ]
        by_name = {c.name: c for c in classes}
        self.handwritten.add_methods(by_name)

        functions: List[b.Wrapper] = []
        coverage: List[b.CoverageEntry] = []
        for function in self.module.functions:
            covered, wrapper = self._classify(function, by_name)
            coverage.append(covered)
            if wrapper is None:
                continue
            if wrapper.class_name:
                by_name[wrapper.class_name].methods.append(wrapper)
            else:
                functions.append(wrapper)

        return b.Plan(
            header=self.module.header,
            header_sha256=self.module.header_sha256,
            sdk_version=self.module.sdk_version,
            functions=functions,
            classes=classes,
            enums=self._enums(),
            handwritten_functions=self.handwritten.plan_functions(),
            coverage=coverage,
            stub_types=hw.STUB_TYPES if (self.handwritten.functions or self.handwritten.methods) else "",
            minimal_orthanc=list(m.version_key(MINIMAL_ORTHANC)),
            left_out=self.handwritten.left_out(),
        )

    def _classify(
        self, function: m.Function, classes: Dict[str, b.WrapperClass]
    ) -> Tuple[b.CoverageEntry, Optional[b.Wrapper]]:
        name = function.name
        C = b.Coverage

        def entry(kind: b.Coverage, python_name: str = "", reason: str = "") -> b.CoverageEntry:
            return b.CoverageEntry(name, kind, python_name, reason, function.line,
                                   entry_point=not function.is_inline, since=function.since)

        if not function.is_inline:
            return entry(C.NOT_WRAPPED, reason="entry point that the plugin itself implements, not an SDK service"), None
        if name in self.handwritten.reached_by:
            return entry(C.HANDWRITTEN, "orthanc." + self.handwritten.reached_by[name]), None
        for c_type, destructor in self.types.destructors.items():
            if destructor == name:
                return entry(C.DESTRUCTOR, "orthanc." + self.types.handle_classes[c_type]), None
        if name in self.internal:
            return entry(C.INTERNAL, reason=self.internal[name]), None
        if name in self.excluded:
            return entry(C.NOT_WRAPPED, reason=self.excluded[name]), None
        if self._frees_result_memory(function):
            return entry(C.NOT_WRAPPED, reason="frees a string or buffer returned by Orthanc: the generated "
                         "wrappers convert such results to str/bytes and free them themselves"), None
        try:
            wrapper = self._wrap(function)
        except NotMappable as error:
            return entry(C.NOT_WRAPPED, reason=str(error)), None

        if wrapper.class_name:
            cls = classes[wrapper.class_name]
            for method in cls.handwritten:
                if method.name == wrapper.py_name:
                    # A hand-written method replaces the generated one.
                    method.sdk_names.append(name)
                    return entry(C.HANDWRITTEN, "orthanc." + wrapper.qualified_name), None
        elif any(h.name == wrapper.py_name for h in self.handwritten.functions):
            return entry(C.HANDWRITTEN, "orthanc." + wrapper.py_name), None
        return entry(C.GENERATED, "orthanc." + wrapper.qualified_name), wrapper

    def _frees_result_memory(self, function: m.Function) -> bool:
        """OrthancPluginFreeString / FreeMemoryBuffer(64): the conversions do it."""
        params = function.params
        if not function.name.startswith("OrthancPluginFree") or len(params) != 2:
            return False
        t = params[1].type
        is_string = t.is_pointer_to(m.INTEGER, "char") and t.pointee is not None and not t.pointee.is_const
        return is_string or any(t.is_pointer_to(m.STRUCT, name) for name in MEMORY_BUFFER_TYPES)

    def _wrap(self, function: m.Function) -> b.Wrapper:
        params = list(function.params)
        if not params or not is_context(params[0]):
            raise NotMappable("its first parameter is not the OrthancPluginContext")
        params = params[1:]
        call: List[b.CallSlot] = [b.CallSlot(b.CallSlotKind.CONTEXT)]
        locals_in_use = set(RESERVED_LOCALS)

        result: Optional[b.Result] = None
        ret = function.return_type
        outputs = self.results.outputs(params, locals_in_use)
        output_slots = {o.name: b.CallSlot(b.CallSlotKind.OUTPUT, i) for i, o in enumerate(outputs)}
        if outputs:
            result = self.results.outputs_result(function, outputs)
        elif (
            params
            and ret.kind == m.ENUM
            and ret.name == ERROR_CODE_TYPE
            and params[0].type.kind == m.POINTER
            and params[0].type.pointee is not None
            and not params[0].type.pointee.is_const
            and params[0].type.pointee.name in MEMORY_BUFFER_TYPES
        ):
            buffer_type = params[0].type.pointee.name
            result = b.Result(
                kind=MEMORY_BUFFER_TYPES[buffer_type], c_type=buffer_type, py_type="bytes", doc_type="bytes",
            )
            params = params[1:]
            call.append(b.CallSlot(b.CallSlotKind.TARGET))

        # The SDK writes the outputs through pointers wherever they stand in its list.
        while params and params[0].name in output_slots:
            call.append(output_slots[params.pop(0).name])

        class_name = ""
        self_handle: Optional[b.SelfHandle] = None
        if params and self.types.handle_of(params[0].type) is not None:
            class_name = self.types.handle_of(params[0].type) or ""
            first = params.pop(0)
            local = local_name(first.name, locals_in_use)
            self_handle = b.SelfHandle(
                local=local,
                c_type=pointer_spelling(first.type),
                consumed=HANDLE_CONSUMERS.get(function.name) == first.name,
            )
            call.append(b.CallSlot(b.CallSlotKind.SELF))

        args: List[b.Arg] = []
        index = 0
        while index < len(params):
            if params[index].name in output_slots:
                call.append(output_slots[params[index].name])
                index += 1
                continue
            arg, used = self.arguments.map_param(function, params[index:], args, locals_in_use)
            call.append(b.CallSlot(b.CallSlotKind.ARG, len(args)))
            args.append(arg)
            index += used

        if result is None:
            result = self.results.map_result(function)

        on_rest_output = self_handle is not None and REST_OUTPUT_TYPE in self_handle.c_type
        py_name, old_name = python_method_name(function.name, class_name)
        symbol = "{}_{}".format(class_name or "Function", py_name)
        arg_names = ", ".join(["$self" if class_name else "$module"] + [a.name for a in args] + ["/"])
        return b.Wrapper(
            sdk_name=function.name,
            py_name=py_name,
            class_name=class_name,
            symbol=symbol,
            args=args,
            result=result,
            self_handle=self_handle,
            call=call,
            docstring=describe(function.doc, args, result),
            text_signature=f"({arg_names})",
            since=since(self.known, [function.name]),
            deprecated_aliases=[old_name] if old_name else [],
            defers_answer=function.name in DEFERRED_ANSWERS,
            flushes_deferred_answer=on_rest_output and function.name not in DEFERRED_ANSWERS,
            answers_request=on_rest_output and function.name not in NOT_AN_ANSWER,
        )

    def _enums(self) -> List[b.EnumClass]:
        result = []
        for enum in self.module.enums:
            if enum.name.startswith("_"):
                continue  # private to the SDK (_OrthancPluginService, ...)
            members = [
                b.EnumMember(name=python_enum_value_name(enum.name, v.name), value=v.value, doc=v.doc)
                for v in enum.values
                if not is_internal_sentinel(v.name)
            ]
            result.append(
                b.EnumClass(
                    name=python_class_name(enum.name), c_name=enum.name, docstring=describe(enum.doc), members=members
                )
            )
        return result


def classify(
    module: m.Module,
    handwritten_functions: Optional[Iterable[hw.Handwritten]] = None,
    handwritten_methods: Optional[Dict[str, List[hw.Handwritten]]] = None,
    internal: Optional[Dict[str, str]] = None,
    excluded: Optional[Dict[str, str]] = None,
) -> b.Plan:
    """The plan for `module`; the hand-written tables default to codegen/handwritten/
    (pass empty ones to see what the generator alone does)."""
    return _Classifier(
        module,
        hw.FUNCTIONS if handwritten_functions is None else handwritten_functions,
        hw.METHODS if handwritten_methods is None else handwritten_methods,
        hw.INTERNAL if internal is None else internal,
        excluded,
    ).run()


def produced_names(plan: b.Plan) -> Sequence[str]:
    """Every Python name the plan produces: "X" for functions, "C.M" for methods."""
    names = [f.py_name for f in plan.functions] + [h.py_name for h in plan.handwritten_functions]
    for cls in plan.classes:
        names.extend(f"{cls.name}.{w.py_name}" for w in cls.methods)
        names.extend(f"{cls.name}.{h.name}" for h in cls.handwritten)
    return names
