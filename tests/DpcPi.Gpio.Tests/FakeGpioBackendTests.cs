using DpcPi.Platform;
using DpcPi.TestSupport;

namespace DpcPi.Gpio.Tests;

/// <summary>Fake-only behaviour: kernel-like overflow, injected merges, wires, schedules, epoll, allocation.</summary>
public sealed class FakeGpioBackendTests : IDisposable
{
    private static readonly PinEventTypes Both = PinEventTypes.Rising | PinEventTypes.Falling;
    private readonly ManualClock _clock = new(1_000);
    private readonly FakeGpioBackend _fake;
    private readonly List<IDisposable> _owned = [];

    public FakeGpioBackendTests()
    {
        _fake = new FakeGpioBackend(_clock.Read);
        _fake.AddChip("gpiochip0", BoardCatalog.Get(RaspberryPiModel.Pi4B));
    }

    [Fact]
    public void Overflow_SixEdgesIntoFourSlots_DropsOldestAndLeavesSeqnoGap()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both), eventBufferSize: 4));
        for (var i = 1; i <= 6; i++)
        {
            _fake.SetInputLevel("gpiochip0", 27, i % 2 == 1 ? PinValue.High : PinValue.Low, i * 100L);
        }

        var buffer = new GpioEdgeEvent[8];
        var n = r.ReadEdgeEvents(buffer);
        Assert.Equal([3u, 4u, 5u, 6u], buffer.AsSpan(0, n).ToArray().Select(e => e.Seqno));
        Assert.Equal([300L, 400L, 500L, 600L], buffer.AsSpan(0, n).ToArray().Select(e => e.TimestampNs));
        Assert.Equal(new GpioLineStatistics(4, 2, 0), r.TotalStatistics);
        Assert.Equal(new GpioLineStatistics(4, 2, 0), r.GetStatistics(27));
    }

    [Fact]
    public void Overflow_BufferSizeThree_RoundsUpToFourLikeKfifo()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(PinEventTypes.Rising), eventBufferSize: 3));
        for (var i = 0; i < 5; i++)
        {
            _fake.InjectEdge("gpiochip0", 27, PinEventTypes.Rising, i);
        }

        Assert.Equal(4, r.ReadEdgeEvents(new GpioEdgeEvent[8]));
        Assert.Equal(1, r.TotalStatistics.Lost);
    }

    [Fact]
    public void InjectEdge_SameEdgeTwiceOnBothEdgesLine_CountsMergedEdge()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both)));
        _fake.InjectEdge("gpiochip0", 27, PinEventTypes.Rising, 10);
        _fake.InjectEdge("gpiochip0", 27, PinEventTypes.Rising, 20);
        _fake.InjectEdge("gpiochip0", 27, PinEventTypes.Falling, 30);
        Assert.Equal(3, r.ReadEdgeEvents(new GpioEdgeEvent[8]));
        Assert.Equal(new GpioLineStatistics(3, 0, 1), r.GetStatistics(27));
    }

    [Fact]
    public void SetInputLevel_ActiveLowLine_ReportsLogicalEdgeAndValue()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both) with { ActiveLow = true }));
        Assert.Equal(PinValue.High, r.Read(27)); // physical low
        _fake.SetInputLevel("gpiochip0", 27, PinValue.High, 50);
        var buffer = new GpioEdgeEvent[2];
        Assert.Equal(1, r.ReadEdgeEvents(buffer));
        Assert.Equal(PinEventTypes.Falling, buffer[0].EventType);
        Assert.Equal(PinValue.Low, r.Read(27));
    }

    [Fact]
    public void ReadinessHandle_FakeAndTimerFd_ShareOneEpollSet()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both)));
        using var epoll = new Epoll(4);
        using var other = new EventFd();
        epoll.Add(r.ReadinessHandle, 27);
        epoll.Add(other.Handle, 99);
        Span<ulong> cookies = stackalloc ulong[4];
        Span<uint> events = stackalloc uint[4];
        Assert.Equal(0, epoll.Wait(cookies, events, 0));

        _fake.SetInputLevel("gpiochip0", 27, PinValue.High);
        Assert.Equal(1, epoll.Wait(cookies, events, 0));
        Assert.Equal(27UL, cookies[0]);

        Assert.Equal(1, r.ReadEdgeEvents(new GpioEdgeEvent[4]));
        Assert.Equal(0, epoll.Wait(cookies, events, 0)); // drained: no longer readable
    }

    [Fact]
    public void ReadinessHandle_PartialRead_StaysReadable()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both)));
        _fake.InjectEdge("gpiochip0", 27, PinEventTypes.Rising, 1);
        _fake.InjectEdge("gpiochip0", 27, PinEventTypes.Falling, 2);
        using var epoll = new Epoll(1);
        epoll.Add(r.ReadinessHandle, 1);
        Span<ulong> cookies = stackalloc ulong[1];
        Span<uint> events = stackalloc uint[1];
        Assert.Equal(1, r.ReadEdgeEvents(new GpioEdgeEvent[1]));
        Assert.Equal(1, epoll.Wait(cookies, events, 0));
    }

    [Fact]
    public void Wire_OutputWrite_DrivesInputAfterDelay()
    {
        _fake.AddWire("gpiochip0", 17, "gpiochip0", 27, delayNs: 500);
        var input = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both), consumer: "in"));
        var output = Own(_fake.RequestLine("gpiochip0", 17, GpioLineSettings.Output(), consumer: "out"));
        _clock.NowNs = 10_000;
        output.Write(17, PinValue.High);
        Assert.Equal(PinValue.Low, input.Read(27));
        Assert.Equal(10_500L, _fake.NextScheduledNs);

        Assert.Equal(0, _fake.RunUntil(10_499));
        Assert.Equal(1, _fake.RunUntil(10_500));
        var buffer = new GpioEdgeEvent[2];
        Assert.Equal(1, input.ReadEdgeEvents(buffer));
        Assert.Equal((PinEventTypes.Rising, 10_500L), (buffer[0].EventType, buffer[0].TimestampNs));
        Assert.Equal(PinValue.High, input.Read(27));
    }

    [Fact]
    public void Wire_ZeroDelay_DrivesInputImmediately()
    {
        _fake.AddWire("gpiochip0", 17, "gpiochip0", 27);
        var input = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(PinEventTypes.Rising)));
        var output = Own(_fake.RequestLine("gpiochip0", 17, GpioLineSettings.Output()));
        output.Write(17, PinValue.High);
        Assert.Equal(1, input.ReadEdgeEvents(new GpioEdgeEvent[2]));
    }

    [Fact]
    public void AddWires_LoopbackWiringFile_BuildsWireFromGpio17ToGpio27()
    {
        var wiring = WiringLoader.Load(Path.Combine(TestPaths.RepoRoot, "wiring", "loopback", "wiring.json"));
        _fake.AddWires(wiring, "pinctrl-bcm2711");
        var input = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both)));
        var output = Own(_fake.RequestLine("gpiochip0", 17, GpioLineSettings.Output()));
        output.Write(17, PinValue.High);
        _fake.RunUntil(long.MaxValue);
        Assert.Equal(PinValue.High, input.Read(27));
    }

    [Fact]
    public void AddWires_WireThroughASensor_BuildsNoCopperFromTrigToEcho()
    {
        // The HC-SR04 answers a 10 µs trigger with an echo much later; a copper wire would short TRIG to ECHO.
        var wiring = WiringLoader.Load(Path.Combine(TestPaths.RepoRoot, "wiring", "ultrasonic", "wiring.json"));

        _fake.AddWires(wiring, "gpiochip0");

        var output = Own(_fake.RequestLine("gpiochip0", 23, GpioLineSettings.Output()));
        var input = Own(_fake.RequestLine("gpiochip0", 24, GpioLineSettings.Input(Both)));
        output.Write(23, PinValue.High);
        _fake.RunUntil(long.MaxValue);
        Assert.Equal(PinValue.Low, input.Read(24)); // nothing was wired
    }

    [Fact]
    public void Schedule_SquareWave_DeliversEveryEdgeWithItsTimestamp()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 22, GpioLineSettings.Input(Both)));
        _fake.Schedule("gpiochip0", 22, SignalGenerators.SquareWave(1_000_000, 100_000, 0.25, 3));
        Assert.Equal(6, _fake.RunUntil(long.MaxValue));
        var buffer = new GpioEdgeEvent[8];
        var n = r.ReadEdgeEvents(buffer);
        Assert.Equal([1_000_000L, 1_025_000, 1_100_000, 1_125_000, 1_200_000, 1_225_000], buffer.AsSpan(0, n).ToArray().Select(e => e.TimestampNs));
        Assert.Equal(new GpioLineStatistics(6, 0, 0), r.TotalStatistics);
    }

    [Fact]
    public void Schedule_QuadratureEncoder_OrdersEdgesAcrossTwoLines()
    {
        var options = new GpioLineRequestOptions("enc").Add(5, GpioLineSettings.Input(Both)).Add(6, GpioLineSettings.Input(Both));
        var r = Own(_fake.RequestLines("gpiochip0", options));
        var (a, b) = SignalGenerators.QuadratureEncoder(0, 4, 1000);
        _fake.Schedule("gpiochip0", 5, a);
        _fake.Schedule("gpiochip0", 6, b);
        _fake.RunUntil(long.MaxValue);
        var buffer = new GpioEdgeEvent[8];
        var n = r.ReadEdgeEvents(buffer);
        Assert.Equal([(5, PinEventTypes.Rising), (6, PinEventTypes.Rising), (5, PinEventTypes.Falling), (6, PinEventTypes.Falling)], buffer.AsSpan(0, n).ToArray().Select(e => (e.Offset, e.EventType)));
    }

    [Fact]
    public void Schedule_SwitchBounceWithTinyBuffer_LosesEdgesVisibly()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 4, GpioLineSettings.Input(Both), eventBufferSize: 2));
        _fake.Schedule("gpiochip0", 4, SignalGenerators.SwitchBounce(0, PinValue.High, bounces: 5, minGapNs: 10_000, maxGapNs: 200_000, seed: 7));
        _fake.RunUntil(long.MaxValue);
        Assert.Equal(2, r.ReadEdgeEvents(new GpioEdgeEvent[16]));
        Assert.Equal(new GpioLineStatistics(2, 9, 0), r.TotalStatistics);
        Assert.Equal(PinValue.High, r.Read(4));
    }

    [Fact]
    public void Debounce_SwitchBounceShorterThanPeriod_ReportsOneEdgeWhenStable()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 4, GpioLineSettings.Input(Both) with { DebouncePeriod = TimeSpan.FromMicroseconds(1000) }));
        var bounce = SignalGenerators.SwitchBounce(0, PinValue.High, bounces: 4, minGapNs: 10_000, maxGapNs: 100_000, seed: 3);
        _fake.Schedule("gpiochip0", 4, bounce);
        _fake.RunUntil(long.MaxValue);
        var buffer = new GpioEdgeEvent[16];
        Assert.Equal(1, r.ReadEdgeEvents(buffer));
        Assert.Equal((PinEventTypes.Rising, bounce[^1].TimestampNs + 1_000_000), (buffer[0].EventType, buffer[0].TimestampNs));
        Assert.Equal(new GpioLineStatistics(1, 0, 0), r.TotalStatistics);
    }

    [Fact]
    public void Debounce_GlitchShorterThanPeriod_ReportsNothing()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 4, GpioLineSettings.Input(Both) with { DebouncePeriod = TimeSpan.FromMicroseconds(10) }));
        _fake.Schedule("gpiochip0", 4, SignalGenerators.Pulse(1000, 5000));
        _fake.RunUntil(long.MaxValue);
        Assert.Equal(0, r.ReadEdgeEvents(new GpioEdgeEvent[4]));
    }

    [Fact]
    public void Debounce_PulseLongerThanPeriod_ReportsBothEdgesLate()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 4, GpioLineSettings.Input(Both) with { DebouncePeriod = TimeSpan.FromMicroseconds(10) }));
        _fake.Schedule("gpiochip0", 4, SignalGenerators.Pulse(1000, 50_000));
        _fake.RunUntil(long.MaxValue);
        var buffer = new GpioEdgeEvent[4];
        Assert.Equal(2, r.ReadEdgeEvents(buffer));
        Assert.Equal([11_000L, 61_000L], buffer.AsSpan(0, 2).ToArray().Select(e => e.TimestampNs));
    }

    [Fact]
    public void RequestLines_OutputInitialHigh_SetsPhysicalLevel()
    {
        Own(_fake.RequestLine("gpiochip0", 17, GpioLineSettings.Output(PinValue.High)));
        Assert.Equal(PinValue.High, _fake.GetPhysicalLevel("gpiochip0", 17));
    }

    [Fact]
    public void RequestLines_ByLabel_FindsChip()
    {
        var r = Own(_fake.RequestLine("pinctrl-bcm2711", 17, GpioLineSettings.Output()));
        Assert.Equal("gpiochip0", r.Chip.Name);
    }

    [Fact]
    public void FindLine_UnknownName_ThrowsListingNames()
    {
        Assert.Equal(17, _fake.FindLine("gpiochip0", "GPIO17"));
        var ex = Assert.Throws<GpioException>(() => _fake.FindLine("gpiochip0", "LED"));
        Assert.StartsWith("gpiochip0 has no line named \"LED\"; valid names are GPIO0, GPIO1,", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetChip_NoChips_SaysThereAreNone()
    {
        var empty = new FakeGpioBackend(_clock.Read);
        Assert.Equal("GPIO chip \"gpiochip0\" does not exist: there are no GPIO chips in the fake backend (not a Raspberry Pi, or gpio-sim not configured).", Assert.Throws<GpioException>(() => empty.GetChip("gpiochip0")).Message);
    }

    [Fact]
    public void InjectAndRead_SteadyState_AllocatesNothing()
    {
        var r = Own(_fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(Both)));
        var buffer = new GpioEdgeEvent[4];
        for (var i = 0; i < 16; i++)
        {
            _fake.InjectEdge("gpiochip0", 27, i % 2 == 0 ? PinEventTypes.Rising : PinEventTypes.Falling, i);
            _ = r.ReadEdgeEvents(buffer);
        }

        var edge = 16;
        var rounds = AllocationRounds.Measure(() =>
        {
            for (var end = edge + 2000; edge < end; edge++)
            {
                _fake.InjectEdge("gpiochip0", 27, edge % 2 == 0 ? PinEventTypes.Rising : PinEventTypes.Falling, edge);
                _ = r.ReadEdgeEvents(buffer);
            }
        });

        Assert.True(rounds.Steady, $"bytes allocated per round of 2,000 edges: {rounds}");
        Assert.Equal(new GpioLineStatistics(edge, 0, 0), r.TotalStatistics);
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }
    }

    private GpioLineRequest Own(GpioLineRequest r)
    {
        _owned.Add(r);
        return r;
    }
}
