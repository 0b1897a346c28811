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
