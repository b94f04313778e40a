using DpcPi.Platform;

namespace DpcPi.Gpio.Tests;

/// <summary>
/// The behaviour every <see cref="IGpioBackend"/> must show, run against the fake here and against the
/// kernel's gpio-sim in the VM tier. Needs a chip with at least 4 lines: offsets 0 and 1 are inputs the
/// test can drive (<see cref="DriveInput"/>), offset 2 is an output. Synchronisation is epoll on the
/// request's readiness handle, never sleeps.
/// </summary>
public abstract class GpioBackendContractTests : IDisposable
{
    protected const int InputOffset = 0;
    protected const int SecondInputOffset = 1;
    protected const int OutputOffset = 2;
    private const int WaitMs = 2000;
    private readonly List<GpioLineRequest> _requests = [];

    protected abstract IGpioBackend Backend { get; }

    /// <summary>The chip under test (name, path or label).</summary>
    protected abstract string Chip { get; }

    /// <summary>Drives an input line's physical level from outside (fake: inject; gpio-sim: write the pull file).</summary>
    protected abstract void DriveInput(int offset, PinValue level);

    /// <summary>Now on the backend's event clock.</summary>
    protected abstract long NowNs();

    /// <summary>True when every DriveInput call becomes exactly one kernel event (the fake backend).</summary>
    protected virtual bool ExactStimulus => false;

    /// <summary>Reads whatever is pending without waiting.</summary>
    protected static List<GpioEdgeEvent> ReadAll(GpioLineRequest request)
    {
        var list = new List<GpioEdgeEvent>();
        var buffer = new GpioEdgeEvent[16];
        int n;
        while ((n = request.ReadEdgeEvents(buffer)) > 0)
        {
            list.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return list;
    }

    [Fact]
    public void GetChips_Always_ListsTheChipUnderTestWithLines()
    {
        var chip = Backend.GetChip(Chip);
        Assert.Contains(Backend.GetChips(), c => c.Name == chip.Name && c.Label == chip.Label);
        Assert.True(chip.LineCount >= 4, $"the contract needs at least 4 lines, {chip} has {chip.LineCount}");
    }

    [Fact]
    public void GetChip_UnknownName_ThrowsNamingExistingChips()
    {
        var ex = Assert.Throws<GpioException>(() => Backend.GetChip("no-such-chip"));
        Assert.Equal(Errnos.ENOENT, ex.Errno);
        Assert.StartsWith("GPIO chip \"no-such-chip\" does not exist; the chips are ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Backend.GetChip(Chip).Name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetLineInfo_OffsetOutOfRange_ThrowsNamingValidRange()
    {
        var chip = Backend.GetChip(Chip);
        var ex = Assert.Throws<GpioException>(() => Backend.GetLineInfo(Chip, chip.LineCount));
        Assert.Equal($"{chip.Name} [{chip.Label}] has no line {chip.LineCount}; valid offsets are 0..{chip.LineCount - 1}.", ex.Message);
    }

    [Fact]
    public void RequestLines_OffsetOutOfRange_ThrowsNamingValidRange()
    {
        var chip = Backend.GetChip(Chip);
        var ex = Assert.Throws<GpioException>(() => Backend.RequestLine(Chip, 1000, GpioLineSettings.Input()));
        Assert.Contains($"valid offsets are 0..{chip.LineCount - 1}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestLines_EdgesOnOutput_ThrowsArgumentExceptionAndLeavesLineFree()
    {
        var ex = Assert.Throws<ArgumentException>(() => Backend.RequestLine(Chip, OutputOffset, GpioLineSettings.Output() with { Edges = PinEventTypes.Both() }));
        Assert.Contains("needs an input line", ex.Message, StringComparison.Ordinal);
        Assert.False(Backend.GetLineInfo(Chip, OutputOffset).IsUsed);
    }

    [Fact]
    public void RequestLines_LineAlreadyHeld_ThrowsBusyNamingConsumer()
    {
        Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(), consumer: "holder-a"));
        var ex = Assert.Throws<GpioException>(() => Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(), consumer: "holder-b"));
        Assert.Equal(Errnos.EBUSY, ex.Errno);
        Assert.Contains("is busy: consumer \"holder-a\" holds it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_Request_ReleasesLineForTheNextUser()
    {
        var first = Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(), consumer: "first");
        Assert.True(Backend.GetLineInfo(Chip, InputOffset).IsUsed);
        first.Dispose();
        Assert.False(Backend.GetLineInfo(Chip, InputOffset).IsUsed);
        var second = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(), consumer: "second"));
        Assert.Equal("second", Backend.GetLineInfo(Chip, InputOffset).Consumer);
        Assert.Throws<ObjectDisposedException>(() => first.Read(InputOffset));
        Assert.Equal(InputOffset, second.Offsets[0]);
    }

    [Fact]
    public void GetLineInfo_RequestedLine_ReportsConsumerAndConfiguration()
    {
        Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(PinEventTypes.Rising) with { ActiveLow = true }, consumer: "info-test"));
        var info = Backend.GetLineInfo(Chip, InputOffset);
        Assert.True(info.IsUsed);
        Assert.Equal("info-test", info.Consumer);
        Assert.Equal(PinMode.Input, info.Mode);
        Assert.Equal(PinEventTypes.Rising, info.Edges);
        Assert.True(info.ActiveLow);
    }

    [Fact]
    public void Write_OutputLine_ReadsBackWrittenValue()
    {
        var request = Track(Backend.RequestLine(Chip, OutputOffset, GpioLineSettings.Output(PinValue.Low)));
        Assert.Equal(PinValue.Low, request.Read(OutputOffset));
        request.Write(OutputOffset, PinValue.High);
        Assert.Equal(PinValue.High, request.Read(OutputOffset));
        request.WriteValues(0, 1);
        Assert.Equal(0UL, request.ReadValues(1));
    }

    [Fact]
    public void Write_InputLine_ThrowsInvalidOperation()
    {
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input()));
        Assert.Throws<InvalidOperationException>(() => request.Write(InputOffset, PinValue.High));
    }

    [Fact]
    public void Read_DrivenInput_FollowsLevel()
    {
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input()));
        DriveInput(InputOffset, PinValue.High);
        Assert.Equal(PinValue.High, request.Read(InputOffset));
        DriveInput(InputOffset, PinValue.Low);
        Assert.Equal(PinValue.Low, request.Read(InputOffset));
    }

    [Fact]
    public void ReadEdgeEvents_NothingPending_ReturnsZeroWithoutBlocking()
    {
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(PinEventTypes.Both())));
        Span<GpioEdgeEvent> buffer = stackalloc GpioEdgeEvent[4];
        Assert.Equal(0, request.ReadEdgeEvents(buffer));
        Assert.False(WaitReadable(request, 0));
    }

    [Fact]
    public void ReadEdgeEvents_InputToggled_DeliversTimestampedEdgesInOrder()
    {
        DriveInput(InputOffset, PinValue.Low);
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(PinEventTypes.Both())));
        // A real kernel labels a both-edges event by the level its IRQ thread reads, so two
        // back-to-back toggles may both read as the second level. Observe each edge before
        // driving the next: what the contract promises is correct labels for observed edges.
        var before = NowNs();
        DriveInput(InputOffset, PinValue.High);
        var events = ReadAtLeast(request, 1);
        DriveInput(InputOffset, PinValue.Low);
        events.AddRange(ReadAtLeast(request, 1));
        var after = NowNs();

        Assert.Equal(2, events.Count);
        Assert.Equal([PinEventTypes.Rising, PinEventTypes.Falling], events.Select(e => e.EventType));
        Assert.Equal([1u, 2u], events.Select(e => e.Seqno));
        Assert.Equal([1u, 2u], events.Select(e => e.LineSeqno));
        Assert.All(events, e => Assert.Equal(InputOffset, e.Offset));
        Assert.InRange(events[0].TimestampNs, before, after);
        Assert.InRange(events[1].TimestampNs, events[0].TimestampNs, after);
        Assert.Equal(new GpioLineStatistics(2, 0, 0), request.GetStatistics(InputOffset));
        Assert.False(WaitReadable(request, 0));
    }

    [Fact]
    public void ReadEdgeEvents_TwoLines_KeepsRequestAndLineSeqnosApart()
    {
        DriveInput(InputOffset, PinValue.Low);
        DriveInput(SecondInputOffset, PinValue.Low);
        var options = new GpioLineRequestOptions("contract")
            .Add(InputOffset, GpioLineSettings.Input(PinEventTypes.Rising))
            .Add(SecondInputOffset, GpioLineSettings.Input(PinEventTypes.Rising));
        var request = Track(Backend.RequestLines(Chip, options));
        // Each line has its own IRQ thread in the kernel: edges on two lines driven back to back may
        // be stored in either order. Observe the first before driving the second.
        DriveInput(InputOffset, PinValue.High);
        var events = ReadAtLeast(request, 1);
        DriveInput(SecondInputOffset, PinValue.High);
        events.AddRange(ReadAtLeast(request, 1));

        Assert.Equal([(InputOffset, 1u, 1u), (SecondInputOffset, 2u, 1u)], events.Select(e => (e.Offset, e.Seqno, e.LineSeqno)));
        Assert.Equal(new GpioLineStatistics(2, 0, 0), request.TotalStatistics);
    }

    [Fact]
    public void ReadEdgeEvents_RisingOnlyLine_IgnoresFallingEdges()
    {
        DriveInput(InputOffset, PinValue.Low);
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(PinEventTypes.Rising)));
        // Observe the first rising edge before making the second (a slow IRQ path may fold two
        // pending rising edges into one event, which is the hardware's business, not the contract's).
        DriveInput(InputOffset, PinValue.High);
        var events = ReadAtLeast(request, 1);
        DriveInput(InputOffset, PinValue.Low);
        DriveInput(InputOffset, PinValue.High);
        events.AddRange(ReadAtLeast(request, 1));

        Assert.Equal([PinEventTypes.Rising, PinEventTypes.Rising], events.Select(e => e.EventType));
        Assert.Equal(0, request.GetStatistics(InputOffset).Merged); // equal edges on a rising-only line are normal
    }

    [Fact]
    public void ReadEdgeEvents_BufferOverflow_CountsDroppedOldestAsLost()
    {
        DriveInput(InputOffset, PinValue.Low);
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(PinEventTypes.Both()), eventBufferSize: 4));
        for (var i = 0; i < 9; i++)
        {
            DriveInput(InputOffset, i % 2 == 0 ? PinValue.High : PinValue.Low); // 9 edges, the last one rising
        }

        // How many of the 9 toggles become kernel events depends on the hardware (a slow IRQ path
        // folds quick toggles into one event), and on a busy host the kernel may still be storing some
        // after the first read. What must hold on every kernel is the accounting: no read returns more
        // than the buffer holds, seqnos only rise, and every event the kernel dropped is counted as lost
        // from the seqno gaps, per request and per line.
        var batches = new List<int>();
        var events = new List<GpioEdgeEvent>();
        var buffer = new GpioEdgeEvent[16];
        var quietSince = Environment.TickCount64;
        while (events.Count == 0 || Environment.TickCount64 - quietSince < 300)
        {
            if (!WaitReadable(request, events.Count == 0 ? 20_000 : 50))
            {
                Assert.NotEmpty(events); // 20 s without the first event: the toggles made none
                continue;
            }

            var n = request.ReadEdgeEvents(buffer);
            batches.Add(n);
            events.AddRange(buffer.AsSpan(0, n).ToArray());
            quietSince = Environment.TickCount64;
        }

        var last = events[^1];
        Assert.All(batches, n => Assert.InRange(n, 0, 4));
        Assert.Equal(events.Select(e => e.Seqno).Order(), events.Select(e => e.Seqno));
        Assert.Equal(events.Count, events.Select(e => e.Seqno).Distinct().Count());
        Assert.Equal(last.Seqno - (uint)events.Count, (uint)request.TotalStatistics.Lost);
        Assert.Equal(last.LineSeqno - (uint)events.Count, (uint)request.GetStatistics(InputOffset).Lost);
        Assert.Equal(events.Count, request.TotalStatistics.Delivered);
        if (ExactStimulus)
        {
            // A backend where every toggle is an event (the fake) must keep exactly the newest four.
            Assert.Equal(4, events.Count);
            Assert.Equal(PinEventTypes.Rising, last.EventType);
            Assert.Equal(9u, last.Seqno);
        }
    }

    [Fact]
    public void Reconfigure_EdgesEnabled_DeliversWithoutReleasingTheLine()
    {
        DriveInput(InputOffset, PinValue.Low);
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(), consumer: "reconf"));
        DriveInput(InputOffset, PinValue.High);
        DriveInput(InputOffset, PinValue.Low);
        Assert.False(WaitReadable(request, 0));

        request.Reconfigure(InputOffset, GpioLineSettings.Input(PinEventTypes.Falling));
        Assert.Equal(PinEventTypes.Falling, Backend.GetLineInfo(Chip, InputOffset).Edges);
        Assert.Equal("reconf", Backend.GetLineInfo(Chip, InputOffset).Consumer);
        DriveInput(InputOffset, PinValue.High);
        DriveInput(InputOffset, PinValue.Low);
        var events = ReadAtLeast(request, 1);
        Assert.Equal(PinEventTypes.Falling, Assert.Single(events).EventType);
    }

    [Fact]
    public void Reconfigure_InvalidSettings_ThrowsAndKeepsOldConfiguration()
    {
        var request = Track(Backend.RequestLine(Chip, OutputOffset, GpioLineSettings.Output(PinValue.High)));
        Assert.Throws<ArgumentException>(() => request.Reconfigure(OutputOffset, GpioLineSettings.Output() with { DebouncePeriod = TimeSpan.FromMilliseconds(1) }));
        Assert.Equal(PinMode.Output, request.GetSettings(OutputOffset).Mode);
        Assert.Equal(PinValue.High, request.Read(OutputOffset));
    }

    [Fact]
    public void ReadEdgeEvents_SteadyState_AllocatesNothing()
    {
        DriveInput(InputOffset, PinValue.Low);
        var request = Track(Backend.RequestLine(Chip, InputOffset, GpioLineSettings.Input(PinEventTypes.Both())));
        var buffer = new GpioEdgeEvent[16];
        long allocated = 0;
        var delivered = 0;
        for (var i = 0; i < 40; i++)
        {
            DriveInput(InputOffset, i % 2 == 0 ? PinValue.High : PinValue.Low);
            Assert.True(WaitReadable(request, WaitMs));
            var before = GC.GetAllocatedBytesForCurrentThread();
            var n = request.ReadEdgeEvents(buffer);
            n += request.ReadEdgeEvents(buffer.AsSpan(n));
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (i >= 4)
            {
                allocated += after - before; // the first reads may JIT and initialise statics
            }

            delivered += n;
        }

        Assert.Equal(0, allocated);
        Assert.Equal(40, delivered);
    }

    public void Dispose()
    {
        foreach (var r in _requests)
        {
            r.Dispose();
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    protected GpioLineRequest Track(GpioLineRequest request)
    {
        _requests.Add(request);
        return request;
    }

    protected bool WaitReadable(GpioLineRequest request, int timeoutMs)
    {
        using var epoll = new Epoll(1);
        epoll.Add(request.ReadinessHandle, 1);
        Span<ulong> cookies = stackalloc ulong[1];
        Span<uint> events = stackalloc uint[1];
        return epoll.Wait(cookies, events, timeoutMs) == 1;
    }

    /// <summary>Reads until at least <paramref name="count"/> events arrived (epoll-driven), then drains what is left.</summary>
    protected List<GpioEdgeEvent> ReadAtLeast(GpioLineRequest request, int count)
    {
        var result = new List<GpioEdgeEvent>();
        var buffer = new GpioEdgeEvent[64];
        while (result.Count < count && WaitReadable(request, WaitMs))
        {
            var n = request.ReadEdgeEvents(buffer);
            result.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        int more;
        while ((more = request.ReadEdgeEvents(buffer)) > 0)
        {
            result.AddRange(buffer.AsSpan(0, more).ToArray());
        }

        return result;
    }
}
