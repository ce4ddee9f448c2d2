"""The ``gan-latent-env benchmark`` subcommand: arguments and clear errors."""

from __future__ import annotations

import pytest

from gan_latent_env.cli import build_parser, main


def test_parser_has_the_documented_options():
    args = build_parser().parse_args(["benchmark", "--quick", "--envs", "LatentWalk-v0", "--agents", "tabular_q",
                                      "--seeds", "3", "--out", "x", "--device", "cpu", "--tiny", "--threads", "1"])
    assert args.quick and args.envs == ["LatentWalk-v0"] and args.agents == ["tabular_q"] and args.seeds == 3
    assert args.tiny and args.threads == 1 and args.out == "x"


def test_bad_arguments_exit_with_a_clear_error(tmp_path, capsys):
    assert main(["benchmark", "--quick", "--tiny", "--seeds", "0", "--out", str(tmp_path)]) == 2
    assert "--seeds must be >= 1" in capsys.readouterr().err
    assert main(["benchmark", "--quick", "--tiny", "--agents", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown agent" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["benchmark", "--envs", "Nope-v0"])


def test_seed_list_errors_name_the_option(tmp_path, capsys):
    assert main(["benchmark", "--quick", "--tiny", "--seeds", "2", "--seed-list", "1", "--out", str(tmp_path)]) == 2
    assert "exclusive" in capsys.readouterr().err
    assert main(["benchmark", "--quick", "--tiny", "--seed-list", "1", "1", "--out", str(tmp_path)]) == 2
    assert "--seed-list must be distinct integers >= 0" in capsys.readouterr().err
