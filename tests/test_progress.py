import time

from esnkit.progress import heartbeat


def test_heartbeat_speaks_while_work_runs_and_stops_after():
    lines = []
    with heartbeat(lines.append, "crunching", every=0.05):
        time.sleep(0.4)
    n = len(lines)
    assert n >= 2 and all("crunching: still working" in line for line in lines)
    time.sleep(0.12)
    assert len(lines) == n


def test_no_heartbeat_for_quick_work():
    lines = []
    with heartbeat(lines.append, "quick", every=5):
        pass
    assert lines == []


def test_console_writes_timed_lines_and_no_bar_when_not_a_terminal():
    import io

    from esnkit.progress import Console, stages

    out = io.StringIO()
    console = Console(out)
    with stages(console, 2, "running") as advance:
        console("[1/2] 1-assess: executing notebook ...")
        advance("1-assess")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].endswith("] [1/2] 1-assess: executing notebook ...") and lines[0].startswith("[")
    assert "running" not in out.getvalue()


def test_console_draws_a_bar_over_stages_on_a_terminal():
    import io

    from esnkit.progress import Console, heartbeat, stages

    out = io.StringIO()
    console = Console(out, bar=True)
    with stages(console, 2, "esnkit run") as advance:
        console("a line above the bar")
        with heartbeat(console, "1-assess: executing", every=0.05):
            time.sleep(0.2)
        advance("1-assess")
        advance("2-plan")
    text = out.getvalue()
    assert "a line above the bar" in text and "esnkit run: 2/2" in text and "elapsed" in text and "left" in text
    assert "still working" not in text  # on a bar the heartbeat is the bar's note, not a line
    assert "1-assess: executing" in text


def test_plain_callables_get_no_bar():
    from esnkit.progress import stages

    lines = []
    with stages(lines.append, 3, "x") as advance:
        advance("one")
    assert lines == []
