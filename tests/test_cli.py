"""Bad use of the command is one line on stderr and exit status 2, never a traceback."""

import pytest

from overspec.cli import main


@pytest.mark.parametrize(
    "argv, message",
    [
        (["verify", "--claim", "SS16.Lemma99"], "unknown claim ID 'SS16.Lemma99'"),
        (["verify", "--profile", "fast"], "unknown profile 'fast'"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_use_is_a_one_line_error(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_list_names_every_claim(capsys):
    from overspec.registry import registry

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == list(registry())
