using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Encoder;

/// <summary>
/// A quadrature encoder: channels A and B in ONE line request, so the kernel numbers their edges in one
/// sequence (seqno). The ISR copies each edge to the ring; the DPC decodes them strictly in sequence
/// order with the Gray-code state table, counting quarter steps and a click each time the knob has gone
/// four quarter steps (one detent) on from the last click, clockwise or back. Sequence gaps are counted as
/// lost edges. The levels at the start are taken as A=B=Low unless <see cref="RestAt"/> gives them (a KY-040
/// on pull-ups rests with both contacts open, A=B=High).
/// The kernel numbers the two lines' edges in its hard interrupt handler, in the order they happened, but
/// queues each edge from that line's interrupt thread: when the two threads run late and out of turn, B's edge
/// can be read before A's (seen under a loaded emulated kernel; two CPUs can do it on a Pi). So the DPC
/// decodes by sequence number, holding an edge that comes early until the one before it arrives.
/// </summary>
public sealed class EncoderDriver
{
    // Transition table indexed by (old state << 2) | new state, state = (A << 1) | B: +1 forward (A leads), -1 back, 0 none/invalid.
    private static readonly int[] Transition = [0, -1, +1, 0, +1, 0, 0, -1, -1, 0, 0, +1, 0, +1, -1, 0];
    private readonly int _lineA;
    private readonly int _lineB;
    private int _state;
    private long _restNs = long.MinValue;
    private long _lastClick;

    // Edges read ahead of a missing sequence number, kept in sequence order (few: the out-of-turn window).
    private const int Window = 8;
    private readonly EdgeRecord[] _held = new EdgeRecord[Window];
    private int _heldCount;
    private ulong _lastSequence;

    public EncoderDriver(DpcKernel kernel, int lineA, int lineB)
    {
        _lineA = lineA;
        _lineB = lineB;
        Device = kernel.CreateDevice("encoder", static (_, ctx, _, _) => ((EncoderDriver)((DeviceObject)ctx!).Extension!).DpcForIsr(), this);
    }

    public DeviceObject Device { get; }

    public EdgeRing Ring { get; } = new();

    /// <summary>Quarter steps, signed.</summary>
    public long Position { get; private set; }

    public int Clockwise { get; private set; }

    public int CounterClockwise { get; private set; }

    /// <summary>Transitions that skipped a state (both channels changed): noise or lost edges.</summary>
    public int InvalidTransitions { get; private set; }

    /// <summary>Edges missing from the sequence (seqno gaps).</summary>
    public long LostEdges { get; private set; }

    public long Edges { get; private set; }

    /// <summary>
    /// The levels read from the lines at <paramref name="readNs"/> (CLOCK_MONOTONIC, the edges' clock): the state
    /// decoding starts from. Edges stamped before the read are already in those levels: they are counted, not
    /// decoded again (the knob may turn between the line request and the read).
    /// </summary>
    public void RestAt(bool a, bool b, long readNs = long.MinValue)
    {
        _state = (a ? 2 : 0) | (b ? 1 : 0);
        _restNs = readNs;
    }

    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        var driver = (EncoderDriver)((DeviceObject)context!).Extension!;
        return driver.Ring.QueueFromIsr(driver.Device, frame);
    }

    private void DpcForIsr()
    {
        while (Ring.TryRead(out var e))
        {
            Hold(e);
            Release(flush: false);
        }
    }

    /// <summary>Decodes every edge still held, counting a sequence gap that never filled as lost (the run has ended).</summary>
    public void Flush() => Release(flush: true);

    private void Hold(in EdgeRecord e)
    {
        if (_heldCount == Window)
        {
            Decode(_held[0]); // a gap this old is a loss, not an edge out of turn
            Array.Copy(_held, 1, _held, 0, --_heldCount);
        }

        var i = _heldCount++;
        for (; i > 0 && _held[i - 1].Sequence > e.Sequence; i--)
        {
            _held[i] = _held[i - 1];
        }

        _held[i] = e;
    }

    private void Release(bool flush)
    {
        var n = 0;
        while (n < _heldCount && (flush || _held[n].Sequence <= _lastSequence + 1))
        {
            Decode(_held[n++]);
        }

        Array.Copy(_held, n, _held, 0, _heldCount - n);
        _heldCount -= n;
    }

    private void Decode(in EdgeRecord e)
    {
        if (_lastSequence != 0 && e.Sequence <= _lastSequence)
        {
            // Later than the window: it was counted lost when decoding went past it; it is an edge after all.
            LostEdges--;
            Edges++;
            return;
        }

        if (_lastSequence != 0 && e.Sequence != _lastSequence + 1)
        {
            LostEdges += (long)(e.Sequence - _lastSequence - 1);
        }

        _lastSequence = e.Sequence;
        Edges++;
        if (e.TimestampNs <= _restNs)
        {
            return;
        }

        var next = _state;
        var bit = e.Line == _lineA ? 2 : e.Line == _lineB ? 1 : 0;
        next = e.Rising ? next | bit : next & ~bit;
        var step = Transition[(_state << 2) | next];
        if (step == 0 && next != _state)
        {
            InvalidTransitions++;
        }

        _state = next;
        Position += step;

        // A click per detent gone from the last click: where the knob rests between clicks does not matter,
        // and a contact bouncing on one step never counts twice.
        if (Position - _lastClick >= 4)
        {
            Clockwise++;
            _lastClick += 4;
        }
        else if (Position - _lastClick <= -4)
        {
            CounterClockwise++;
            _lastClick -= 4;
        }
    }
}
