using System.Runtime.InteropServices;
using DpcPi.Platform;
using DpcPi.TestSupport;

namespace DpcPi.Gpio.Tests;

/// <summary>Loss accounting of <see cref="GpioLineRequest"/> on scripted event streams (exact kernel-shaped sequences).</summary>
public sealed class LossAccountingTests
{
    private static readonly PinEventTypes Both = PinEventTypes.Rising | PinEventTypes.Falling;

    [Fact]
    public void ReadEdgeEvents_ContiguousAlternatingEdges_CountsOnlyDelivered()
    {
        using var r = Scripted(Both, E(1, 1, PinEventTypes.Rising), E(2, 2, PinEventTypes.Falling), E(3, 3, PinEventTypes.Rising));
        Assert.Equal(3, r.Drain());
        Assert.Equal(new GpioLineStatistics(3, 0, 0), r.GetStatistics(5));
        Assert.Equal(new GpioLineStatistics(3, 0, 0), r.TotalStatistics);
    }

    [Fact]
    public void ReadEdgeEvents_SeqnoGap_CountsLostPerLineAndTotal()
    {
        using var r = Scripted(Both, E(1, 1, PinEventTypes.Rising), E(5, 5, PinEventTypes.Rising));
        r.Drain();
        Assert.Equal(new GpioLineStatistics(2, 3, 0), r.GetStatistics(5));
        Assert.Equal(new GpioLineStatistics(2, 3, 0), r.TotalStatistics);
    }

    [Fact]
    public void ReadEdgeEvents_FirstEventAfterOverflow_CountsEventsBeforeItAsLost()
    {
        using var r = Scripted(Both, E(3, 3, PinEventTypes.Rising));
        r.Drain();
        Assert.Equal(2, r.GetStatistics(5).Lost);
        Assert.Equal(2, r.TotalStatistics.Lost);
    }

    [Fact]
    public void ReadEdgeEvents_EqualEdgesWithoutGapOnBothEdgesLine_CountsMerged()
    {
        using var r = Scripted(Both, E(1, 1, PinEventTypes.Rising), E(2, 2, PinEventTypes.Rising), E(3, 3, PinEventTypes.Falling), E(4, 4, PinEventTypes.Falling));
        r.Drain();
        Assert.Equal(new GpioLineStatistics(4, 0, 2), r.GetStatistics(5));
        Assert.Equal(2, r.TotalStatistics.Merged);
    }

    [Fact]
    public void ReadEdgeEvents_EqualEdgesOnRisingOnlyLine_CountsNoMerge()
    {
        using var r = Scripted(PinEventTypes.Rising, E(1, 1, PinEventTypes.Rising), E(2, 2, PinEventTypes.Rising));
        r.Drain();
        Assert.Equal(new GpioLineStatistics(2, 0, 0), r.GetStatistics(5));
    }

    [Fact]
    public void ReadEdgeEvents_EqualEdgesAcrossGap_CountsLostNotMerged()
    {
        using var r = Scripted(Both, E(1, 1, PinEventTypes.Rising), E(3, 3, PinEventTypes.Rising));
        r.Drain();
        Assert.Equal(new GpioLineStatistics(2, 1, 0), r.GetStatistics(5));
    }

    [Fact]
    public void ReadEdgeEvents_TwoLinesInterleaved_SeparatesLineCounters()
    {
        var options = new GpioLineRequestOptions("t").Add(5, GpioLineSettings.Input(Both)).Add(6, GpioLineSettings.Input(Both));
        using var r = new ScriptedRequest(options,
        [
            new(10, PinEventTypes.Rising, 5, 1, 1),
            new(11, PinEventTypes.Rising, 6, 2, 1),
            new(12, PinEventTypes.Falling, 6, 4, 3), // request seqno 3 lost: it was line 6's second event
            new(13, PinEventTypes.Falling, 5, 5, 2),
        ]);
        r.Drain();
        Assert.Equal(new GpioLineStatistics(2, 0, 0), r.GetStatistics(5));
        Assert.Equal(new GpioLineStatistics(2, 1, 0), r.GetStatistics(6));
        Assert.Equal(new GpioLineStatistics(4, 1, 0), r.TotalStatistics);
    }

    [Fact]
    public void Reconfigure_EdgeSetChanged_StartsNewMergeHistory()
    {
        var options = new GpioLineRequestOptions("t").Add(5, GpioLineSettings.Input(Both));
        using var r = new ScriptedRequest(options, [new(1, PinEventTypes.Rising, 5, 1, 1)]);
        r.Drain();
        r.Reconfigure(5, GpioLineSettings.Input(PinEventTypes.Rising));
        r.Reconfigure(5, GpioLineSettings.Input(Both));
        r.Enqueue(new(2, PinEventTypes.Rising, 5, 2, 2));
        r.Drain();
        Assert.Equal(0, r.GetStatistics(5).Merged);
    }

    [Fact]
    public void GetStatistics_OffsetNotInRequest_ThrowsNamingHeldOffsets()
    {
        using var r = Scripted(Both);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => r.GetStatistics(7));
        Assert.StartsWith("Line 7 is not part of this request on gpiochip0; it holds 5.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadEdgeEvents_SteadyState_AllocatesNothing()
    {
        var options = new GpioLineRequestOptions("t").Add(5, GpioLineSettings.Input(Both));
        using var r = new ScriptedRequest(options, []);
        var buffer = new GpioEdgeEvent[8];
        uint seq = 0;
        for (var warm = 0; warm < 8; warm++)
        {
            seq++;
            r.Enqueue(new(seq, (seq & 1) == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, 5, seq, seq));
        }

        _ = r.ReadEdgeEvents(buffer);

        var rounds = AllocationRounds.Measure(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                seq++;
                r.Enqueue(new(seq, (seq & 1) == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, 5, seq, seq));
                _ = r.ReadEdgeEvents(buffer);
            }
        });

        Assert.True(rounds.Steady, $"bytes allocated per round of 1,000 reads: {rounds}");
        Assert.Equal(new GpioLineStatistics(8 + (1000L * rounds.Count), 0, 0), r.TotalStatistics);
    }

    private static GpioEdgeEvent E(uint seqno, uint lineSeqno, PinEventTypes type) => new(seqno * 1000L, type, 5, seqno, lineSeqno);

    private static ScriptedRequest Scripted(PinEventTypes edges, params GpioEdgeEvent[] events) =>
        new(new GpioLineRequestOptions("t").Add(5, GpioLineSettings.Input(edges)), events);

    /// <summary>A request whose events are a script (ring of preallocated slots, no allocation per event).</summary>
    private sealed class ScriptedRequest : GpioLineRequest
    {
        private readonly GpioEdgeEvent[] _ring = new GpioEdgeEvent[64];
        private readonly FileDescriptorHandle _handle = new();
        private int _head;
        private int _count;

        public ScriptedRequest(GpioLineRequestOptions options, GpioEdgeEvent[] events)
            : base(new GpioChipInfo("gpiochip0", "/dev/gpiochip0", "test", 64), options)
        {
            foreach (var e in events)
            {
                Enqueue(e);
            }
        }

        public override SafeHandle ReadinessHandle => _handle;

        public void Enqueue(GpioEdgeEvent e)
        {
            _ring[(_head + _count) % _ring.Length] = e;
            _count++;
        }

        public int Drain()
        {
            var buffer = new GpioEdgeEvent[3]; // small on purpose: accounting must carry across batches
            int n, total = 0;
            while ((n = ReadEdgeEvents(buffer)) > 0)
            {
                total += n;
            }

            return total;
        }

        protected override int ReadEdgeEventsCore(Span<GpioEdgeEvent> buffer)
        {
            var n = Math.Min(buffer.Length, _count);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = _ring[_head];
                _head = (_head + 1) % _ring.Length;
            }

            _count -= n;
            return n;
        }

        protected override ulong GetValuesCore(ulong mask) => 0;

        protected override void SetValuesCore(ulong bits, ulong mask)
        {
        }

        protected override void ReconfigureCore(IReadOnlyList<GpioRequestedLine> lines)
        {
        }

        protected override void Dispose(bool disposing)
        {
            _handle.Dispose();
            base.Dispose(disposing);
        }
    }
}
