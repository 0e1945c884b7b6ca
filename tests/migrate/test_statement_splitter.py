import pytest

from app.migrate.splitter import is_schema_statement, split_statements


def test_splits_on_semicolons_and_drops_empties() -> None:
    assert split_statements("RETURN 1;\n\n RETURN 2 ;;") == ["RETURN 1", "RETURN 2"]


def test_semicolon_inside_strings_is_not_a_separator() -> None:
    script = "CREATE (:A {s: 'a;b'}); CREATE (:B {s: \"c;d\"}); MATCH (`x;y`) RETURN 1"
    assert split_statements(script) == [
        "CREATE (:A {s: 'a;b'})",
        'CREATE (:B {s: "c;d"})',
        "MATCH (`x;y`) RETURN 1",
    ]


def test_escaped_quote_does_not_end_the_string() -> None:
    statements = split_statements(r"RETURN 'it\'s; fine'; RETURN 2")
    assert statements == [r"RETURN 'it\'s; fine'", "RETURN 2"]


def test_comments_are_removed_with_their_semicolons() -> None:
    script = "// first; comment\nRETURN 1; /* block; comment */ RETURN 2 // tail;"
    assert split_statements(script) == ["RETURN 1", "RETURN 2"]


def test_comment_markers_inside_strings_are_kept() -> None:
    assert split_statements("RETURN '// not a comment; really'") == [
        "RETURN '// not a comment; really'"
    ]


def test_unterminated_string_is_an_error() -> None:
    with pytest.raises(ValueError, match="Unterminated"):
        split_statements("RETURN 'oops; RETURN 2")


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("CREATE CONSTRAINT x IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE", True),
        ("create range index e IF NOT EXISTS FOR (e:Event) ON (e.ts)", True),
        ("DROP INDEX e IF EXISTS", True),
        ("CREATE OR REPLACE INDEX x FOR (n:A) ON (n.b)", True),
        ("CREATE (:User {user_id: 'u'})", False),
        ("MERGE (:Purpose {name: 'x'})", False),
        ("UNWIND [1] AS x CREATE (:Index {x: x})", False),
    ],
)
def test_schema_statement_detection(statement: str, expected: bool) -> None:
    assert is_schema_statement(statement) is expected
