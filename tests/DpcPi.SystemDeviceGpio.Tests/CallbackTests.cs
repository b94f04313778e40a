using System.Device.Gpio;
using DpcPi.Kernel;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>Value-changed callbacks: delivered by the pin's DPC, with the kernel's timestamp, sequence number and losses.</summary>
public sealed class CallbackTests
{
    private const PinEventTypes Both = PinEventTypes.Rising | PinEventTypes.Falling;

    [Fact]
    public void Callback_Edge_RunsOnDpcWorkerNotThreadPool()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(17, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Rising, log.Handler);

        rig.Set(17, PinValue.High);

        var entry = log.WaitFor(1)[0];
        Assert.False(entry.OnThreadPool);
        Assert.StartsWith("dpc/", entry.ThreadName, StringComparison.Ordinal);
        Assert.Same(rig.Driver, entry.Sender);
    }

    [Fact]
    public void Callback_DriverDefaults_RunsOnTheIsrThreadAtDispatchWithNothingPinned()
    {
        var backend = new Lines.FakeGpioBackend();
        backend.AddChip(FakeRig.Chip, "fake-bcm2711", 54);
        using var driver = new DpcPiGpioDriver(backend, FakeRig.Chip);
        using var controller = new GpioController(driver);
        var log = new CallbackLog();
        controller.OpenPin(17, PinMode.Input);
        controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Rising, log.Handler);

        backend.SetInputLevel(FakeRig.Chip, 17, Lines.PinValue.High);

        var entry = log.WaitFor(1)[0];
        Assert.Equal("isr", entry.ThreadName);
        Assert.False(entry.OnThreadPool);
        Assert.True(driver.Kernel.Options.RunLocalDpcsOnIsrThread);
        Assert.False(driver.Kernel.Options.Pin);
    }

    [Fact]
    public void Callback_Edges_CarryKernelTimestampLineSequenceAndType()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(18, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(18, Both, log.Handler);

        rig.Edge(18, PinEventTypes.Rising, 5_000_000);
        rig.Edge(18, PinEventTypes.Falling, 5_250_000);
        rig.Edge(18, PinEventTypes.Rising, 7_000_000);

        var entries = log.WaitFor(3);
        Assert.Equal([PinEventTypes.Rising, PinEventTypes.Falling, PinEventTypes.Rising], entries.Select(e => e.Type));
        Assert.Equal([5_000_000L, 5_250_000L, 7_000_000L], entries.Select(e => e.TimestampNs));
        Assert.Equal([1u, 2u, 3u], entries.Select(e => e.LineSequence));
        Assert.All(entries, e => Assert.Equal(0, e.LostBefore));
        Assert.All(entries, e => Assert.Equal(18, e.Pin));
    }

    [Fact]
    public void Callback_RegisteredForRisingOnly_KernelWatchesOnlyRisingAndFallingNeverArrives()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(19, PinMode.Input);

        rig.Controller.RegisterCallbackForPinValueChangedEvent(19, PinEventTypes.Rising, log.Handler);
        rig.Edge(19, PinEventTypes.Falling, 1_000);
        rig.Edge(19, PinEventTypes.Rising, 2_000);

        Assert.Equal(Lines.PinEventTypes.Rising, rig.LineInfo(19).Edges);
        var entry = Assert.Single(log.WaitFor(1));
        Assert.Equal(PinEventTypes.Rising, entry.Type);
        Assert.Equal(1u, entry.LineSequence); // the kernel never produced the falling edge: nothing was lost
        Assert.Equal(1, rig.Driver.GetStatistics(19).EdgesRead);
    }

    [Fact]
    public void UnregisterCallback_LastOne_StopsEdgeDetection()
    {
        using var rig = new FakeRig();
        PinChangeEventHandler a = (_, _) => { };
        PinChangeEventHandler b = (_, _) => { };
        rig.Controller.OpenPin(21, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(21, PinEventTypes.Rising, a);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(21, PinEventTypes.Falling, b);
        Assert.Equal(Lines.PinEventTypes.Rising | Lines.PinEventTypes.Falling, rig.LineInfo(21).Edges);

        rig.Controller.UnregisterCallbackForPinValueChangedEvent(21, b);
        var afterB = rig.LineInfo(21).Edges;
        rig.Controller.UnregisterCallbackForPinValueChangedEvent(21, a);

        Assert.Equal(Lines.PinEventTypes.Rising, afterB);
        Assert.Equal(Lines.PinEventTypes.None, rig.LineInfo(21).Edges);
    }

    [Fact]
    public void RegisterCallback_OutputPin_ThrowsInvalidOperation()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(22, PinMode.Output);

        var ex = Assert.Throws<InvalidOperationException>(() => rig.Controller.RegisterCallbackForPinValueChangedEvent(22, PinEventTypes.Rising, (_, _) => { }));

        Assert.Contains("Pin 22 is an output", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetPinMode_OutputWhileCallbacksRegistered_ThrowsInvalidOperation()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(23, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(23, PinEventTypes.Rising, (_, _) => { });

        var ex = Assert.Throws<InvalidOperationException>(() => rig.Controller.SetPinMode(23, PinMode.Output));

        Assert.Contains("callbacks", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Lines.PinMode.Input, rig.LineInfo(23).Mode);
    }

    [Fact]
    public void Callback_Throws_OtherCallbacksAndLaterEdgesStillRunAndItIsCounted()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(24, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(24, PinEventTypes.Rising, (_, _) => throw new InvalidOperationException("user bug"));
        rig.Controller.RegisterCallbackForPinValueChangedEvent(24, PinEventTypes.Rising, log.Handler);

        rig.Edge(24, PinEventTypes.Rising, 1_000);
        rig.Edge(24, PinEventTypes.Rising, 2_000);

        Assert.Equal([1_000L, 2_000L], log.WaitFor(2).Select(e => e.TimestampNs));
        Assert.Equal(2, rig.Driver.GetStatistics(24).CallbackExceptions);
    }

    [Fact]
    public void Callback_KernelBufferOverflowed_LostBeforeOnTheNextEdgeAndCounted()
    {
        // A kernel buffer of 4 events; the ISR is held inside its first interrupt (KeSynchronizeExecution
        // holds the interrupt's spin lock) while 10 more edges arrive: the kernel keeps the newest 4.
        using var rig = new FakeRig(FakeRig.Options(kernelBuffer: 4));
        var log = new CallbackLog();
        rig.Controller.OpenPin(25, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(25, Both, log.Handler);
        var interrupt = rig.Driver.Kernel.Interrupts.Single(i => i.Vector == 25);
        var request = rig.Driver.RequestOf(25)!;

        DpcKernel.SynchronizeExecution(interrupt, _ =>
        {
            rig.Edge(25, PinEventTypes.Rising, 1_000);
            FakeRig.WaitUntil(() => request.GetStatistics(25).Delivered == 1, "the ISR thread has read the first edge");
            for (var i = 2; i <= 11; i++)
            {
                rig.Edge(25, i % 2 == 0 ? PinEventTypes.Falling : PinEventTypes.Rising, i * 1_000);
            }

            return true;
        });

        var entries = log.WaitFor(5);
        Assert.Equal([1u, 8u, 9u, 10u, 11u], entries.Select(e => e.LineSequence));
        Assert.Equal([0L, 6L, 0L, 0L, 0L], entries.Select(e => e.LostBefore));
        Assert.Equal(8_000, entries[1].TimestampNs);
        var stats = rig.Driver.GetStatistics(25);
        Assert.Equal(6, stats.LostInKernel);
        Assert.Equal(0, stats.LostInRing);
        Assert.Equal(5, stats.EdgesRead);
    }

    [Fact]
    public void Callback_RingOverflowedWhileDpcHeld_CountedAsLostAndReportedOnTheNextEdge()
    {
        // A ring of 4; the DPC's core is held at DISPATCH while 10 edges arrive: the ISR reads all 10,
        // queues 4 and must count the other 6.
        using var rig = new FakeRig(FakeRig.Options(ring: 4));
        var log = new CallbackLog();
        rig.Controller.OpenPin(26, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(26, Both, log.Handler);

        using (rig.Driver.Kernel.HoldAtDispatch(rig.Driver.Kernel.IsrProcessor))
        {
            for (var i = 1; i <= 10; i++)
            {
                rig.Edge(26, i % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, i * 1_000);
            }

            FakeRig.WaitUntil(() => rig.Driver.GetStatistics(26).EdgesRead == 10, "the ISR has read all 10 edges");
            Assert.Equal(0, log.Count);
        }

        Assert.Equal([1u, 2u, 3u, 4u], log.WaitFor(4).Select(e => e.LineSequence));
        Assert.Equal(6, rig.Driver.GetStatistics(26).LostInRing);
        rig.Edge(26, PinEventTypes.Rising, 11_000);
        var next = log.WaitFor(5)[4];
        Assert.Equal(11u, next.LineSequence);
        Assert.Equal(6, next.LostBefore);
        Assert.Equal(6, rig.Driver.GetStatistics(26).Lost);
    }

    [Fact]
    public void Callbacks_BurstOfEdges_EveryEdgeDeliveredInOrderOrCountedAsLost()
    {
        const int edges = 20_000;
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(27, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(27, Both, log.Handler);

        for (var i = 1; i <= edges; i++)
        {
            rig.Edge(27, i % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, i);
        }

        FakeRig.WaitUntil(() => log.Count + rig.Driver.GetStatistics(27).Lost == edges, "every edge is delivered or counted", 60_000);
        var entries = log.Entries;
        var previous = 0u;
        foreach (var e in entries)
        {
            Assert.Equal(e.LineSequence - previous - 1, (uint)e.LostBefore); // every gap is announced
            Assert.Equal(e.LineSequence % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, e.Type);
            Assert.Equal(e.LineSequence, (uint)e.TimestampNs);
            previous = e.LineSequence;
        }

        var stats = rig.Driver.GetStatistics(27);
        Assert.Equal(edges, stats.EdgesDispatched + stats.LostInRing + stats.LostInKernel);
    }

    [Fact]
    public void Dispose_EdgesStillQueued_DeliversThemBeforeReturning()
    {
        const int edges = 500;
        var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(28, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(28, Both, log.Handler);
        for (var i = 1; i <= edges; i++)
        {
            rig.Edge(28, i % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, i);
        }

        rig.Driver.Dispose();

        Assert.Equal(edges, log.Count);
        Assert.False(rig.LineInfo(28).IsUsed);
        rig.Dispose();
    }

    [Fact]
    public void ControllerDispose_EdgesStillQueued_ClosePinDeliversThemBeforeReleasingTheLine()
    {
        const int edges = 500;
        var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(29, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(29, Both, log.Handler);
        for (var i = 1; i <= edges; i++)
        {
            rig.Edge(29, i % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, i);
        }

        rig.Controller.Dispose(); // closes every open pin, then disposes the driver

        Assert.Equal(edges, log.Count);
        Assert.Equal(0, rig.Driver.GetStatistics(29).DiscardedOnClose);
        Assert.False(rig.LineInfo(29).IsUsed);
        rig.Dispose();
    }

    [Fact]
    public void ClosePin_InsideACallback_UndeliveredEdgesCountedAsDiscarded()
    {
        using var rig = new FakeRig();
        var calls = 0;
        rig.Controller.OpenPin(31, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(31, Both, (_, _) =>
        {
            Interlocked.Increment(ref calls);
            rig.Controller.ClosePin(31); // from the DPC: the 4 edges still in the ring cannot be delivered
        });
        using (rig.Driver.Kernel.HoldAtDispatch(rig.Driver.Kernel.IsrProcessor))
        {
            for (var i = 1; i <= 5; i++)
            {
                rig.Edge(31, i % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, i);
            }

            FakeRig.WaitUntil(() => rig.Driver.GetStatistics(31).EdgesRead == 5, "the ISR has queued all 5 edges");
        }

        FakeRig.WaitUntil(() => !rig.LineInfo(31).IsUsed, "the callback has closed the pin");
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.Equal(4, rig.Driver.GetStatistics(31).DiscardedOnClose);
    }
}
