"""Samples 'Hello world' and 'Extending the REST API'."""

from __future__ import annotations

from orthanc_server import StartOrthanc, load_script


def test_hello_world_is_printed_at_start(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("hello_world.py"))
    log = server.wait_for_log(r"Hello world!")
    # The script runs while the plugin is initialized, before Orthanc is up.
    assert log.index("Hello world!") < log.index("Orthanc has started")


def test_rest_routes_with_regex_groups(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("rest_callbacks.py"))

    r = server.get("/toto")
    assert r.status_code == 200
    assert r.text == "ok\n"
    assert r.headers["Content-Type"].startswith("text/plain")
    log = server.wait_for_log(r"Accessing uri: /toto")
    # pprint.pprint(request) shows the groups captured by '/(to)(t)o'.
    assert "'groups': ('to', 't')" in log
    assert "'method': 'GET'" in log

    r = server.get("/tata")
    assert (r.status_code, r.text) == (200, "ok\n")
    server.wait_for_log(r"Accessing uri: /tata")


def test_rest_route_request_arguments(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("rest_callbacks.py"))
    r = server.get("/tata", params={"answer": "42"}, headers={"X-Custom": "hello"})
    assert (r.status_code, r.text) == (200, "ok\n")
    log = server.wait_for_log(r"Accessing uri: /tata")
    assert "'get': {'answer': '42'}" in log
    assert "'x-custom': 'hello'" in log  # header names are lower-cased

    r = server.post("/tata", data=b"payload")
    assert (r.status_code, r.text) == (200, "ok\n")
    log = server.wait_for_log(r"Accessing uri: /tata", count=2)
    assert "'body': b'payload'" in log
    assert "'method': 'POST'" in log


def test_unregistered_route_is_not_found(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("rest_callbacks.py"))
    # '/(to)(t)o' must match the whole URI, not a prefix.
    assert server.get("/totox").status_code == 404
    assert server.get("/tito").status_code == 404
