"""Names: what the generator (and the hand-written table) produce vs. the
upstream plugin 4.0.  Full parity is later work: the missing names are only
printed; the produced ones must be spelled exactly as upstream."""

from __future__ import annotations

from codegen.classify import produced_names


def _upstream_callables(upstream_api):
    names = set(upstream_api["functions"])
    for cls, members in upstream_api["classes"].items():
        names.update(f"{cls}.{m}" for m, kind in members.items() if kind == "method")
    return names


def test_missing_produced_names_are_listed(real_plan, upstream_api):
    produced = set(produced_names(real_plan))
    missing = sorted(_upstream_callables(upstream_api) - produced)
    print(f"\nUpstream names not produced yet ({len(missing)}):")
    for name in missing:
        print("  " + name)
    extra = sorted(produced - _upstream_callables(upstream_api))
    print("Produced names that upstream 4.0 does not have ({}): {}".format(len(extra), ", ".join(extra)))


def test_produced_names_are_spelled_as_upstream(real_plan, upstream_api):
    upstream = _upstream_callables(upstream_api)
    by_folded = {name.lower(): name for name in upstream}
    for name in produced_names(real_plan):
        if name.lower() in by_folded:
            assert name == by_folded[name.lower()], f"{name} is spelled {by_folded[name.lower()]} upstream"
        # A method upstream has on another class would be misplaced.
        short = name.split(".")[-1]
        owners = {u.split(".")[0] for u in upstream if "." in u and u.split(".")[-1] == short}
        if "." in name and owners:
            assert name.split(".")[0] in owners, f"{name} is a method of {owners} upstream"
        if "." not in name and owners:
            assert name in upstream, f"{name} is a method of {owners} upstream, not a function"
        if "." in name and short in upstream and not owners:
            raise AssertionError(f"{name} is a module function upstream, not a method")


def test_every_upstream_class_exists(real_plan, upstream_api):
    classes = {c.name for c in real_plan.classes} | {e.name for e in real_plan.enums}
    for name in upstream_api["classes"]:
        assert name in classes, f"class orthanc.{name} is not produced"
