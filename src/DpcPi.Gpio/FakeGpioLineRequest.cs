using System.Numerics;
using System.Runtime.InteropServices;
using DpcPi.Platform;

namespace DpcPi.Gpio;

/// <summary>
/// A fake request: a kernel-like event FIFO (capacity rounded up to a power of two like kfifo; full
/// drops the oldest) and an eventfd that is readable while the FIFO is not empty.
/// </summary>
internal sealed class FakeGpioLineRequest : GpioLineRequest
{
    private readonly FakeGpioBackend _backend;
    private readonly EventFd _ready;
    private readonly GpioEdgeEvent[] _fifo;
    private readonly uint[] _lineSeqno;
    private int _head;
    private int _count;
    private uint _seqno;

    public FakeGpioLineRequest(FakeGpioBackend backend, FakeGpioBackend.FakeChip chip, GpioLineRequestOptions options)
        : base(chip.Info, options)
    {
        _backend = backend;
        FakeChip = chip;
        _ready = new EventFd();
        _fifo = new GpioEdgeEvent[(int)BitOperations.RoundUpToPowerOf2((uint)options.EventBufferSize)];
        _lineSeqno = new uint[options.Lines.Count];
    }

    public FakeGpioBackend.FakeChip FakeChip { get; }

    public override SafeHandle ReadinessHandle => _ready.Handle;

    /// <summary>Events dropped because the FIFO was full (the kernel logs these; the reader sees seqno gaps).</summary>
    public long Overflows { get; private set; }

    /// <summary>Queues an edge if the line watches it (called under the backend gate).</summary>
    internal void Deliver(FakeGpioBackend.FakeLine line, PinEventTypes edge, long timestampNs)
    {
        if (IsDisposed)
        {
            return;
        }

        var settings = GetSettings(line.Offset);
        if (settings.Mode != PinMode.Input || (settings.Edges & edge) == 0)
        {
            return;
        }

        var i = line.Index;
        _seqno++;
        _lineSeqno[i]++;
        if (_count == _fifo.Length)
        {
            _head = (_head + 1) & (_fifo.Length - 1);
            _count--;
            Overflows++;
        }

        _fifo[(_head + _count) & (_fifo.Length - 1)] = new GpioEdgeEvent(timestampNs, edge, line.Offset, _seqno, _lineSeqno[i]);
        _count++;
        _ready.Signal();
    }

    protected override int ReadEdgeEventsCore(Span<GpioEdgeEvent> buffer)
    {
        lock (_backend.Gate)
        {
            var n = Math.Min(buffer.Length, _count);
            for (var k = 0; k < n; k++)
            {
                buffer[k] = _fifo[_head];
                _head = (_head + 1) & (_fifo.Length - 1);
            }

            _count -= n;
            if (_count == 0)
            {
                _ = _ready.Drain();
            }

            return n;
        }
    }

    protected override ulong GetValuesCore(ulong mask)
    {
        lock (_backend.Gate)
        {
            var bits = 0UL;
            for (var i = 0; i < Offsets.Count; i++)
            {
                if ((mask & (1UL << i)) != 0)
                {
                    var offset = Offsets[i];
                    if (FakeChip.Lines[offset].Level ^ GetSettings(offset).ActiveLow)
                    {
                        bits |= 1UL << i;
                    }
                }
            }

            return bits;
        }
    }

    protected override void SetValuesCore(ulong bits, ulong mask)
    {
        lock (_backend.Gate)
        {
            var now = _backend.Clock();
            for (var i = 0; i < Offsets.Count; i++)
            {
                if ((mask & (1UL << i)) != 0)
                {
                    var offset = Offsets[i];
                    _backend.ApplyLevel(FakeChip.Lines[offset], ((bits & (1UL << i)) != 0) ^ GetSettings(offset).ActiveLow, now);
                }
            }
        }
    }

    protected override void ReconfigureCore(IReadOnlyList<GpioRequestedLine> lines)
    {
        var config = default(DpcPi.Platform.Gpio.GpioUapi.LineConfig);
        LineFlags.EncodeConfig(lines, ref config);
        lock (_backend.Gate)
        {
            var now = _backend.Clock();
            foreach (var line in lines)
            {
                var l = FakeChip.Lines[line.Offset];
                l.DebouncedLevel = l.Level;
                _backend.ApplyOutput(l, line.Settings, now);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _backend.Release(this);
            _ready.Dispose();
        }

        base.Dispose(disposing);
    }
}
