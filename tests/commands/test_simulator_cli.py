"""``flask call`` and ``flask sms``: the simulator on the command line."""

from __future__ import annotations


def test_scripted_call_that_ends_with_a_hang_up_exits_zero(runner) -> None:
    result = runner.invoke(args=["call", "--script", "1,9,hangup"])
    assert "Thank you for calling the VOICE hotline" in result.output
    assert result.exit_code == 0, result.output


def test_scripted_call_left_waiting_for_input_exits_non_zero(runner) -> None:
    result = runner.invoke(args=["call", "--script", "1"])
    assert result.exit_code == 1
    assert "still waiting for input" in result.output


def test_sms_command_prints_the_reply(runner) -> None:
    result = runner.invoke(args=["sms", "HELP"])
    assert result.exit_code == 0
    assert "1-855-488-6423" in result.output and "VOICE" not in result.output
