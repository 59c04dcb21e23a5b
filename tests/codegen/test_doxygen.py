"""doxygen.py: the comment parts that docstrings use."""

from __future__ import annotations

from codegen.doxygen import parse_doc, parse_trailing

COMMENT = """/**
   * @brief Issue a HTTP GET call.
   *
   * Make a HTTP GET call to the given URL. The result
   * is stored into a newly allocated memory buffer.
   *
   * Second paragraph.
   *
   * @param context The Orthanc plugin context.
   * @param username The username (can be <tt>NULL</tt> if no
   * password protection).
   * @return 0 if success, or the error code
   * if failure.
   * @ingroup Toolbox
   * @see OrthancPluginHttpPost
   * @note Beware of
   * this.
   * @deprecated Use something else.
   **/"""


def test_sections():
    doc = parse_doc(COMMENT)
    assert doc.brief == "Issue a HTTP GET call."
    assert doc.details == [
        "Make a HTTP GET call to the given URL. The result is stored into a newly allocated memory buffer.",
        "Second paragraph.",
    ]
    assert [(p.name, p.text) for p in doc.params] == [
        ("context", "The Orthanc plugin context."),
        ("username", "The username (can be NULL if no password protection)."),
    ]
    assert doc.returns == "0 if success, or the error code if failure."
    assert doc.notes == ["Note: Beware of this.", "Deprecated: Use something else."]


def test_no_brief_takes_first_paragraph():
    doc = parse_doc("/**\n   * The various error codes.\n   *\n   * More.\n   **/")
    assert doc.brief == "The various error codes."
    assert doc.details == ["More."]


def test_trailing_member_comment():
    assert parse_trailing("/*!< Internal error */") == "Internal error"
    assert parse_trailing(None) == ""


def test_list_items_keep_their_lines():
    doc = parse_doc("/**\n * @brief B.\n *\n * Steps:\n * - first\n * - second\n **/")
    assert doc.details == ["Steps:\n- first\n- second"]
