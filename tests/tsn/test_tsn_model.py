"""The switch timing model, checked to the nanosecond without sockets or processes."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.emu.switch.gcl import GateEntry, GateSchedule
from bench.emu.switch.model import Impairment, SwitchModel
from bench.emu.switch.wire import bits_to_ns, wire_bits_occupied, wire_bits_to_last_bit

RATE = 100_000_000  # 10 ns per bit
A, B, C = (bytes([2, 0, 0, 0, 0, i]) for i in (1, 2, 3))


def frame(dst: bytes, src: bytes, pcp: int, length: int = 128) -> bytes:
    tci = (pcp << 13) | 100
    head = dst + src + struct.pack("!HHH", 0x8100, tci, 0x88B5)
    return head + bytes(length - len(head))


def model(**kw) -> SwitchModel:
    return SwitchModel(4, RATE, static_fdb={A: 1, B: 2, C: 3}, **kw)


def last_ns(length):
    return bits_to_ns(wire_bits_to_last_bit(length), RATE)


def busy_ns(length):
    return bits_to_ns(wire_bits_occupied(length), RATE)


def test_serialisation_arithmetic():
    assert last_ns(128) == (128 + 4 + 8) * 80
    assert busy_ns(128) == (128 + 4 + 8 + 12) * 80
    assert last_ns(20) == (60 + 4 + 8) * 80  # padded to the 64-byte minimum


def test_store_and_forward_times_are_exact():
    m = model(processing_ns=500)
    m.ingress(1, 1_000, 1, frame(B, A, 7))
    deps = m.advance(1_000_000)
    assert len(deps) == 1
    d = deps[0]
    assert d.port == 2 and d.traffic_class == 7
    assert d.start_ns == 1_000 + last_ns(128) + 500
    assert d.arrival_ns == d.start_ns + last_ns(128)


def test_strict_priority_and_link_rate_back_to_back():
    m = SwitchModel(4, RATE, static_fdb={A: 1, B: 2, C: 3})
    for i in range(3):
        m.ingress(3, 0, i, frame(B, C, 0, 1000))  # best effort, PCP 0 -> class 1
        m.ingress(4, 0, i, frame(B, bytes([2, 0, 0, 0, 0, 4]), 0, 1000))
    m.ingress(1, 100_000, 1, frame(B, A, 7, 128))
    deps = m.advance(10_000_000)
    assert [d.traffic_class for d in deps] == [1, 7, 1, 1, 1, 1, 1]
    assert deps[0].start_ns == last_ns(1000)
    # the critical frame (ready at 111.2 µs) overtakes the queued BE frames as soon as the link is free
    assert deps[1].start_ns == deps[0].start_ns + busy_ns(1000)
    starts = [d.start_ns for d in deps]
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [busy_ns(1000), busy_ns(128)] + \
        [busy_ns(1000)] * 4


def test_gate_closed_class_waits_for_its_window_and_guard_band_holds():
    m = model()
    sched = GateSchedule([GateEntry(0x80, 50_000), GateEntry(0x7F, 950_000)], 1_000_000)
    m.set_schedule(2, sched)
    m.ingress(3, 0, 0, frame(B, C, 0, 1500))
    m.ingress(1, 100_000, 1, frame(B, A, 7, 128))
    deps = m.advance(3_000_000)
    be, crit = sorted(deps, key=lambda d: d.traffic_class)
    assert be.start_ns == last_ns(1500)  # ready after its ingress, class 1 open then
    assert crit.start_ns == 1_000_000  # next window of class 7
    # BE frame only starts where it fits wholly before the class-7 window
    assert be.start_ns + last_ns(1500) <= 1_000_000


def test_frame_that_does_not_fit_waits_for_the_next_window():
    m = model()
    m.set_schedule(2, GateSchedule([GateEntry(0x80, 50_000), GateEntry(0x7F, 950_000)], 1_000_000))
    ready = last_ns(1500)
    t_send = 1_000_000 - ready - 100_000 + 1  # ready 99_999 ns before the class-7 window...
    m.ingress(3, t_send, 0, frame(B, C, 0, 1500))
    (d,) = m.advance(3_000_000)
    # ... but it needs last_ns(1500) = 121_120 ns: it must wait until the class-1 gate opens again
    assert d.start_ns == 1_050_000


def test_departures_respect_gates_to_the_nanosecond_under_load():
    m = model()
    sched = GateSchedule([GateEntry(0x80, 30_000), GateEntry(0x02, 900_000), GateEntry(0x00, 70_000)], 1_000_000)
    m.set_schedule(2, sched)
    t = 0
    for i in range(200):
        m.ingress(3, t, i, frame(B, C, 0, 1500))
        t += busy_ns(1500)
    for k in range(20):
        m.ingress(1, k * 1_000_000, k, frame(B, A, 7, 128))
    deps = m.advance(40_000_000)
    assert len(deps) == 220
    deps.sort(key=lambda d: d.start_ns)
    for d in deps:
        until = sched.open_until(d.start_ns, d.traffic_class)
        assert until is not None, d
        assert d.start_ns + last_ns(len(d.frame)) <= until
    for a, b in zip(deps, deps[1:], strict=False):
        assert a.start_ns + busy_ns(len(a.frame)) <= b.start_ns
    crit = [d for d in deps if d.traffic_class == 7]
    assert [d.start_ns for d in crit] == [k * 1_000_000 + last_ns(128) for k in range(20)]


def test_impairments_delay_jitter_loss_are_exact_and_seeded():
    def run(seed):
        m = model()
        m.set_impairment(2, Impairment(delay_ns=7_000, jitter_ns=1_000, loss_ppm=200_000, seed=seed))
        for k in range(200):
            m.ingress(1, k * 100_000, k, frame(B, A, 7))
        return m.advance(100_000_000)
    a, b, c = run(1), run(1), run(2)
    assert [(d.arrival_ns, d.lost) for d in a] == [(d.arrival_ns, d.lost) for d in b]
    assert [(d.arrival_ns, d.lost) for d in a] != [(d.arrival_ns, d.lost) for d in c]
    for d in a:
        assert 7_000 <= d.arrival_ns - d.start_ns - last_ns(128) <= 8_000
    lost = sum(d.lost for d in a)
    assert 20 <= lost <= 60  # 20 % of 200, seeded


def test_link_down_drops_and_counts():
    m = model()
    m.ingress(1, 0, 0, frame(B, A, 7))
    assert len(m.advance(100_000)) == 1
    m.set_enabled(2, False)
    m.ingress(1, 200_000, 1, frame(B, A, 7))
    assert m.advance(400_000) == []
    assert m.counters(2).out_discards == 1
    m.set_enabled(2, True)
    m.ingress(1, 500_000, 2, frame(B, A, 7))
    assert len(m.advance(800_000)) == 1


def test_queue_limit_tail_drops():
    m = model(queue_limit_frames=5)
    m.set_schedule(2, GateSchedule([GateEntry(0x80, 500_000), GateEntry(0x7F, 500_000)], 1_000_000))
    for i in range(10):
        m.ingress(3, i, i, frame(B, C, 0, 64))
    deps = m.advance(400_000)  # class 1 closed until 500 µs: the queue fills, the rest is tail-dropped
    assert deps == [] and m.counters(2).tc_drops[1] == 5
    deps = m.advance(2_000_000)
    assert len(deps) == 5
    assert m.counters(2).out_discards == 5


def test_learning_then_unicast_and_flooding():
    m = SwitchModel(4, RATE)
    m.ingress(2, 0, 0, frame(b"\xff" * 6, B, 0))
    deps = m.advance(100_000)
    assert sorted(d.port for d in deps) == [1, 3, 4]  # broadcast floods
    m.ingress(1, 200_000, 1, frame(B, A, 7))
    deps = m.advance(400_000)
    assert [d.port for d in deps] == [2]  # B was learned on port 2


def test_late_frames_are_refused():
    m = model()
    m.advance(1_000)
    assert m.ingress(1, 999, 0, frame(B, A, 7)) is False
    assert m.counters(1).late_frames == 1


def test_schedule_change_takes_effect_at_config_change_time():
    m = model()
    m.advance(1_500_000)
    at = m.set_schedule(2, GateSchedule([GateEntry(0x80, 500_000), GateEntry(0x7F, 500_000)], 1_000_000))
    assert at == 2_000_000
    m.ingress(3, 1_600_000, 0, frame(B, C, 0, 64))
    m.ingress(3, 1_990_000, 1, frame(B, C, 0, 64))
    deps = m.advance(4_000_000)
    assert deps[0].start_ns == 1_600_000 + last_ns(64)  # old (all-open) schedule still runs
    assert deps[1].start_ns == 2_500_000  # frame not finished before 2.0 ms waits for class 1 under the new list


@given(st.lists(st.tuples(st.integers(0, 3_000_000), st.sampled_from([0, 7, 3]), st.integers(60, 1500)),
                min_size=1, max_size=60),
       st.lists(st.integers(1, 3_100_000), min_size=1, max_size=6))
def test_windowing_never_changes_results(frames, cuts):
    """Advancing in many small windows or one big one yields the same departures."""
    sched = GateSchedule([GateEntry(0x88, 100_000), GateEntry(0x77, 400_000)], 500_000)

    def run(horizons):
        m = model()
        m.set_schedule(2, sched)
        src = sorted(frames)
        out = []
        i = 0
        for h in horizons:
            while i < len(src) and src[i][0] < h:
                t, pcp, ln = src[i]
                m.ingress(1 if pcp == 7 else 3, t, i, frame(B, A if pcp == 7 else C, pcp, ln))
                i += 1
            out += m.advance(h)
        return [(d.port, d.start_ns, d.arrival_ns, d.frame) for d in out]

    end = 40_000_000
    assert run(sorted(set(cuts)) + [end]) == run([end])


def test_bad_model_parameters():
    with pytest.raises(ValueError, match="no such port"):
        SwitchModel(2, RATE, static_fdb={A: 3})
    with pytest.raises(ValueError, match="8 PCP"):
        SwitchModel(2, RATE, pcp_to_tc=(0, 1))
