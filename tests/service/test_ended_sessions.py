"""Logouts kept on local disk while Redis could not take them (service.state.ended_sessions)."""

import multiprocessing

from service.state.ended_sessions import EndedSessions

HOUR = 3600.0


def test_an_ended_generation_is_known_to_every_process_reading_the_file(tmp_path):
    here, there = EndedSessions(tmp_path / "ended", 8 * HOUR), EndedSessions(tmp_path / "ended", 8 * HOUR)
    assert not there.ended("dana", "g1")
    here.end("dana", "g1", at=1_000_000)
    assert there.ended("dana", "g1", now=1_000_000 + 60)
    assert not there.ended("dana", "g2", now=1_000_000 + 60)  # a later login's generation
    assert not there.ended("erin", "g1", now=1_000_000 + 60)
    assert "g1" not in (tmp_path / "ended").read_text()  # a hash, not a part of the cookie


def test_an_entry_is_dropped_once_no_cookie_of_it_can_live(tmp_path):
    ended = EndedSessions(tmp_path / "ended", 8 * HOUR)
    ended.end("dana", "g1", at=1_000_000)
    assert ended.ended("dana", "g1", now=1_000_000 + 8 * HOUR - 1)
    assert not ended.ended("dana", "g1", now=1_000_000 + 8 * HOUR + 1)
    ended.end("erin", "g2", at=1_000_000 + 9 * HOUR)  # the next write leaves the old one out
    assert len((tmp_path / "ended").read_text().splitlines()) == 1


def _end_many(path, who):
    ended = EndedSessions(path, 8 * HOUR)
    for n in range(40):
        ended.end(who, f"g{n}")


def test_logouts_written_side_by_side_by_processes_are_all_kept(tmp_path):
    path = tmp_path / "ended"
    workers = [multiprocessing.Process(target=_end_many, args=(path, who)) for who in ("dana", "erin", "fred")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    ended = EndedSessions(path, 8 * HOUR)
    assert all(ended.ended(who, f"g{n}") for who in ("dana", "erin", "fred") for n in range(40))


def test_a_line_cut_short_is_skipped(tmp_path):
    path = tmp_path / "ended"
    ended = EndedSessions(path, 8 * HOUR)
    ended.end("dana", "g1")
    with open(path, "a") as file:
        file.write("17")  # a full disk cut the last line
    assert EndedSessions(path, 8 * HOUR).ended("dana", "g1")
